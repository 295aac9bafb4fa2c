"""The one module that owns the Gemini client (google-genai), loaded lazily, once.

``get_client()`` builds the client from settings on first use: a Gemini API key
(``GEMINI_API_KEY``) or Vertex AI (``GOOGLE_CLOUD_PROJECT`` + ``GOOGLE_CLOUD_LOCATION``
with application default credentials, loaded when the client is built; a failure to
build it is remembered for CLIENT_FAILURE_TTL_S, so a shop without credentials does
not look for them on every request). Every call has a timeout and one retry on
429, 5xx and transport timeouts; anything that still goes wrong becomes
``GeminiUnavailable`` with a short reason fit for the shopper, so callers can fall
back to the offline backend. A call made under a request's deadline gets only the
time left before it, and no retry when a second attempt would not fit.
"""

from __future__ import annotations

import logging
import re
import threading
import time
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any, TypeVar

from django.conf import settings
from pydantic import BaseModel, Field, ValidationError

if TYPE_CHECKING:
    from google import genai

logger = logging.getLogger(__name__)

T = TypeVar("T", bound=BaseModel)

RETRY_STATUS_CODES = [408, 429, 500, 502, 503, 504]
# Short: a shopper is waiting, and a second failure falls back to offline anyway.
RETRY_DELAY_S = 0.5
# Less time than this left before the deadline is not worth a call: no answer comes
# back that fast, and the offline backend answers at once.
MIN_CALL_S = 1.0
TOO_SLOW = "Gemini took too long to answer"
BAD_CREDENTIALS = "Gemini credentials are missing or invalid"
CLIENT_FAILURE_TTL_S = 60.0
# Thinking tokens count against max_output_tokens: left on, gemini-2.5-flash can spend
# the whole budget thinking and return empty or truncated JSON. Our calls are simple
# extraction and short advice, so flash models answer without thinking (2.5 Pro cannot
# turn it off, and older models do not take the setting).
NO_THINKING_BUDGET = 0
NO_THINKING_MODELS = re.compile(r"^gemini-2\.5-flash")
VERTEX_SCOPES = ("https://www.googleapis.com/auth/cloud-platform",)


class GeminiUnavailable(Exception):
    """Gemini could not answer; ``reason`` is short and safe to show."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


# --- structured output schemas ------------------------------------------------------


class RequestedItem(BaseModel):
    shopper_words: str = Field(description="The shopper's words for this item, e.g. 'sneakers'.")
    article_types: list[str] = Field(
        description="Article types from the catalog list that match, spelled exactly as listed."
    )


class ClassifierOutput(BaseModel):
    items: list[RequestedItem]
    number_of_items: int = Field(description="How many products to show for each item.")
    not_carried: list[str] = Field(
        description="Clothing the shopper asked for that is not in the catalog list."
    )


class ProductNote(BaseModel):
    product_id: int
    note: str = Field(description="One or two sentences on this product for this shopper.")


class AdviceOutput(BaseModel):
    """Advice as text plus product references: the shop renders names and prices."""

    advice: str = Field(description="Plain-text advice, at most 80 words, no product ids.")
    product_notes: list[ProductNote]
    outfit_note: str = Field(
        default="", description="One sentence on wearing the products together, or empty."
    )


# --- the client ---------------------------------------------------------------------


def is_configured() -> bool:
    return bool(settings.GEMINI_API_KEY or settings.GOOGLE_CLOUD_PROJECT)


def build_client(*, http_client: Any = None, credentials: Any = None) -> genai.Client:
    """A google-genai client from settings.

    ``http_client`` (an ``httpx2.Client``) and ``credentials`` exist so tests can
    put a mock transport and fake credentials under the real client.
    """
    import google.auth
    from google import genai
    from google.genai import types

    if not is_configured():
        raise GeminiUnavailable("Gemini is not configured")
    # Timeouts and retries are set on each call (``generate``), which always overrides
    # the client's, so the client carries only the transport.
    http_options = types.HttpOptions(httpx_client=http_client)
    if settings.GEMINI_API_KEY:
        return genai.Client(api_key=settings.GEMINI_API_KEY, http_options=http_options)
    if credentials is None:
        # Load application default credentials now, so missing ones fail the build
        # (which is remembered) rather than every request.
        credentials, _project = google.auth.default(scopes=list(VERTEX_SCOPES))
    return genai.Client(
        vertexai=True,
        project=settings.GOOGLE_CLOUD_PROJECT,
        location=settings.GOOGLE_CLOUD_LOCATION,
        credentials=credentials,
        http_options=http_options,
    )


def _http_options(*, timeout_s: float, attempts: int) -> Any:
    from google.genai import types

    return types.HttpOptions(
        timeout=max(1, int(timeout_s * 1000)),
        retry_options=types.HttpRetryOptions(
            attempts=attempts,
            initial_delay=RETRY_DELAY_S,
            max_delay=RETRY_DELAY_S,
            jitter=0,
            http_status_codes=RETRY_STATUS_CODES,
        ),
    )


def call_budget(*, deadline_at: float | None) -> tuple[float, int]:
    """(timeout in seconds, attempts) for one call that must end by ``deadline_at``.

    ``deadline_at`` is a ``time.monotonic()`` value; None means the configured
    timeout with one retry. Raises GeminiUnavailable when too little time is left.
    """
    timeout = settings.SHOP_GEMINI_TIMEOUT_S
    if deadline_at is None:
        return timeout, 2
    remaining = deadline_at - time.monotonic()
    if remaining < MIN_CALL_S:
        raise GeminiUnavailable(TOO_SLOW)
    timeout = min(timeout, remaining)
    return timeout, 2 if remaining >= 2 * timeout + RETRY_DELAY_S else 1


_client_lock = threading.Lock()
_client: genai.Client | None = None
_client_failure: tuple[float, str] | None = None


def get_client() -> genai.Client:
    """The process-wide client, built on first use.

    A failure to build it (missing credentials) is remembered for
    CLIENT_FAILURE_TTL_S and raised again as GeminiUnavailable without retrying.
    """
    global _client, _client_failure
    with _client_lock:
        if _client is not None:
            return _client
        if _client_failure is not None and time.monotonic() < _client_failure[0]:
            raise GeminiUnavailable(_client_failure[1])
        try:
            _client = build_client()
        except Exception as error:  # noqa: BLE001 - credentials, settings: all mean "not now"
            reason = error.reason if isinstance(error, GeminiUnavailable) else BAD_CREDENTIALS
            logger.warning("Gemini client could not be built: %s: %s", type(error).__name__, error)
            _client_failure = (time.monotonic() + CLIENT_FAILURE_TTL_S, reason)
            raise GeminiUnavailable(reason) from None
        _client_failure = None
        return _client


def get_client_reset() -> None:
    """Forget the client and any remembered failure (settings changed; tests)."""
    global _client, _client_failure
    with _client_lock:
        _client, _client_failure = None, None


def thinking_config(model: str) -> Any:
    """No thinking for flash models (see NO_THINKING_MODELS); the model's default otherwise."""
    from google.genai import types

    if NO_THINKING_MODELS.match(model):
        return types.ThinkingConfig(thinking_budget=NO_THINKING_BUDGET)
    return None


def image_part(data: bytes) -> Any:
    from google.genai import types

    return types.Part.from_bytes(data=data, mime_type="image/jpeg")


def text_part(text: str) -> Any:
    from google.genai import types

    return types.Part.from_text(text=text)


def generate(
    *,
    system: str,
    parts: Sequence[Any],
    schema: type[T],
    max_output_tokens: int,
    temperature: float = 0.2,
    deadline_at: float | None = None,
) -> T:
    """One structured call: the parts in, a validated ``schema`` instance out.

    With ``deadline_at`` (a ``time.monotonic()`` value) the call, its retry included,
    gets only the time left before it.
    """
    import httpx2
    from google.auth.exceptions import GoogleAuthError
    from google.genai import errors, types

    timeouts: tuple[type[BaseException], ...] = (httpx2.TimeoutException, TimeoutError)
    try:
        import httpx

        timeouts += (httpx.TimeoutException,)
    except ImportError:  # the SDK works with httpx2 alone
        pass
    timeout_s, attempts = call_budget(deadline_at=deadline_at)
    model = settings.SHOP_GEMINI_MODEL
    try:
        client = get_client()
        response = client.models.generate_content(
            model=model,
            contents=[types.Content(role="user", parts=list(parts))],
            config=types.GenerateContentConfig(
                system_instruction=system,
                temperature=temperature,
                max_output_tokens=max_output_tokens,
                response_mime_type="application/json",
                response_schema=schema,
                thinking_config=thinking_config(model),
                # No tools are offered; skip the SDK's function-calling loop.
                automatic_function_calling=types.AutomaticFunctionCallingConfig(disable=True),
                http_options=_http_options(timeout_s=timeout_s, attempts=attempts),
            ),
        )
        text = response.text
        if not text:
            raise GeminiUnavailable("Gemini returned an empty answer")
        return schema.model_validate_json(text)
    except GeminiUnavailable:
        raise
    except ValidationError as error:
        logger.warning("Gemini returned an answer that does not fit the schema: %s", error)
        raise GeminiUnavailable("Gemini returned an unreadable answer") from None
    except errors.APIError as error:
        logger.warning("Gemini API error %s: %s", error.code, error.message)
        raise GeminiUnavailable(_reason(error.code, error.message or "")) from None
    except timeouts:
        logger.warning("Gemini call timed out")
        raise GeminiUnavailable(TOO_SLOW) from None
    except GoogleAuthError as error:
        logger.warning("Gemini credentials failed: %s: %s", type(error).__name__, error)
        raise GeminiUnavailable(BAD_CREDENTIALS) from None
    except Exception as error:  # noqa: BLE001 - transport and the rest: all mean "not now"
        logger.warning("Gemini call failed: %s: %s", type(error).__name__, error)
        raise GeminiUnavailable("Gemini could not be reached") from None


def _reason(code: int | None, message: str = "") -> str:
    if code == 429:
        return "Gemini is busy right now"
    # A wrong API key is a 400 INVALID_ARGUMENT whose message says so.
    if code in (401, 403) or (code == 400 and "api key not valid" in message.lower()):
        return BAD_CREDENTIALS
    if code == 404:
        return "the configured Gemini model was not found"
    if code is not None and code >= 500:
        return "Gemini had a server error"
    return "Gemini could not answer this request"
