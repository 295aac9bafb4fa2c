"""The one module that owns the Gemini client (google-genai), loaded lazily, once.

``get_client()`` builds the client from settings on first use: a Gemini API key
(``GEMINI_API_KEY``) or Vertex AI (``GOOGLE_CLOUD_PROJECT`` + ``GOOGLE_CLOUD_LOCATION``
with application default credentials). Every call has a timeout and one retry on
429, 5xx and transport timeouts; anything that still goes wrong becomes
``GeminiUnavailable`` with a short reason fit for the shopper, so callers can fall
back to the offline backend. A call made under a request's deadline gets only the
time left before it, and no retry when a second attempt would not fit.
"""

from __future__ import annotations

import functools
import logging
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
    advice: str = Field(description="Plain-text advice, at most 120 words, no product ids.")
    product_notes: list[ProductNote]


# --- the client ---------------------------------------------------------------------


def is_configured() -> bool:
    return bool(settings.GEMINI_API_KEY or settings.GOOGLE_CLOUD_PROJECT)


def build_client(*, http_client: Any = None, credentials: Any = None) -> genai.Client:
    """A google-genai client from settings.

    ``http_client`` (an ``httpx2.Client``) and ``credentials`` exist so tests can
    put a mock transport and fake credentials under the real client.
    """
    from google import genai

    if not is_configured():
        raise GeminiUnavailable("Gemini is not configured")
    http_options = _http_options(
        timeout_s=settings.SHOP_GEMINI_TIMEOUT_S, attempts=2, httpx_client=http_client
    )
    if settings.GEMINI_API_KEY:
        return genai.Client(api_key=settings.GEMINI_API_KEY, http_options=http_options)
    return genai.Client(
        vertexai=True,
        project=settings.GOOGLE_CLOUD_PROJECT,
        location=settings.GOOGLE_CLOUD_LOCATION,
        credentials=credentials,
        http_options=http_options,
    )


def _http_options(*, timeout_s: float, attempts: int, **extra: Any) -> Any:
    from google.genai import types

    return types.HttpOptions(
        **extra,
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


@functools.cache
def get_client() -> genai.Client:
    """The process-wide client, built on first use."""
    return build_client()


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
    from google.genai import errors, types

    timeout_s, attempts = call_budget(deadline_at=deadline_at)
    try:
        client = get_client()
        response = client.models.generate_content(
            model=settings.SHOP_GEMINI_MODEL,
            contents=[types.Content(role="user", parts=list(parts))],
            config=types.GenerateContentConfig(
                system_instruction=system,
                temperature=temperature,
                max_output_tokens=max_output_tokens,
                response_mime_type="application/json",
                response_schema=schema,
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
        raise GeminiUnavailable(_reason(error.code)) from None
    except Exception as error:  # noqa: BLE001 - timeouts, auth, transport: all mean "not now"
        logger.warning("Gemini call failed: %s: %s", type(error).__name__, error)
        name = type(error).__name__.lower()
        if "timeout" in name:
            raise GeminiUnavailable(TOO_SLOW) from None
        if "credential" in name or "auth" in name or "refresh" in name:
            raise GeminiUnavailable("Gemini credentials are missing or invalid") from None
        raise GeminiUnavailable("Gemini could not be reached") from None


def _reason(code: int | None) -> str:
    if code == 429:
        return "Gemini is busy right now"
    if code in (401, 403):
        return "Gemini credentials are missing or invalid"
    if code == 404:
        return "the configured Gemini model was not found"
    if code is not None and code >= 500:
        return "Gemini had a server error"
    return "Gemini could not answer this request"
