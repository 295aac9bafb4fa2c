"""Gemini answers that are not advice: each falls back to offline, never a 500.

The real google-genai client runs over a mock HTTP transport (``fake_gemini``), so
these are the bodies and statuses Gemini itself sends.
"""

from __future__ import annotations

import httpx2
import pytest

from shop.assistant import services
from shop.assistant.backends.gemini import clean_prose
from shop.assistant.tests.conftest import advice_for, gemini_error, gemini_reply

pytestmark = pytest.mark.django_db

WATCH_REQUEST = {
    "items": [{"shopper_words": "a watch", "article_types": ["Watches"]}],
    "number_of_items": 1,
    "not_carried": [],
}
SAFETY_BLOCKED = httpx2.Response(
    200,
    json={
        "candidates": [
            {
                "finishReason": "SAFETY",
                "safetyRatings": [
                    {"category": "HARM_CATEGORY_DANGEROUS_CONTENT", "probability": "HIGH"}
                ],
            }
        ]
    },
)
PROMPT_BLOCKED = httpx2.Response(200, json={"promptFeedback": {"blockReason": "SAFETY"}})
NO_CANDIDATES = httpx2.Response(200, json={"candidates": []})
HTML_BODY = httpx2.Response(
    200,
    text="<html><body>Service temporarily unavailable</body></html>",
    headers={"content-type": "text/html"},
)


def _fresh(response: httpx2.Response):
    # A response body can be read once; each call gets its own copy.
    return lambda body: httpx2.Response(
        response.status_code, content=response.content, headers=response.headers
    )


@pytest.mark.parametrize(
    "response",
    [SAFETY_BLOCKED, PROMPT_BLOCKED, NO_CANDIDATES, HTML_BODY],
    ids=["finish-reason-safety", "prompt-blocked", "no-candidates", "html-body"],
)
@pytest.mark.parametrize("call", ["classifier", "advice"])
def test_a_response_without_an_answer_falls_back_to_offline(fake_gemini, response, call):
    fake_gemini.classifier = [gemini_reply(WATCH_REQUEST)]
    fake_gemini.advice = [advice_for()]
    setattr(fake_gemini, call, [_fresh(response)])

    reply = services.assistant_reply(message="a watch")

    assert reply.backend == "offline"
    assert reply.categories == ["Watches"]
    assert reply.products
    assert reply.advice.startswith("Here is 1 watch from our catalog.")
    assert any("offline assistant answered" in n for n in reply.notices)


def test_invalid_json_on_the_advice_call_keeps_the_products_and_advises_offline(fake_gemini):
    fake_gemini.classifier = [gemini_reply(WATCH_REQUEST)]
    fake_gemini.advice = [gemini_reply('{"advice": "Great", "product_notes": [')]

    reply = services.assistant_reply(message="a watch")

    assert reply.backend == "offline"
    assert reply.categories == ["Watches"]
    assert "unreadable answer" in reply.notices[0]


def test_a_429_that_persists_after_the_retry_falls_back(fake_gemini):
    fake_gemini.classifier = [gemini_error(429, "RESOURCE_EXHAUSTED")]

    reply = services.assistant_reply(message="a watch")

    assert len(fake_gemini.bodies("classifier")) == 2
    assert reply.backend == "offline"
    assert reply.notices == ["Gemini is busy right now, so the offline assistant answered."]
    assert reply.categories == ["Watches"]


def test_the_api_answers_200_when_gemini_returns_html(fake_gemini, client):
    fake_gemini.classifier = [_fresh(HTML_BODY)]

    response = client.post(
        "/api/assistant/", {"message": "a watch"}, content_type="application/json"
    )

    assert response.status_code == 200
    assert response.json()["backend"] == "offline"


def test_ids_never_reach_the_advice_text_whatever_form_the_model_writes(fake_gemini):
    fake_gemini.classifier = [gemini_reply(WATCH_REQUEST)]
    fake_gemini.advice = [
        advice_for(
            advice="Try #999999, item 12 (product-555) or id: 77 with jeans.",
            outfit_note="Product 31 goes with [] everything.",
        )
    ]

    reply = services.assistant_reply(message="a watch")

    assert reply.backend == "gemini"
    for fragment in ("999999", "12", "555", "77", "31", "()", " ,", "[]"):
        assert fragment not in reply.advice
    assert reply.advice.startswith("Try or with jeans.") or "with jeans" in reply.advice


@pytest.mark.parametrize(
    ("prose", "clean"),
    [
        ("Try #12, a great pick.", "Try, a great pick."),
        ("Try , item 7 , ().", "Try."),
        ("The watch (product-555) is lovely.", "The watch is lovely."),
        ("PID:9 works; so does SKU 10.", "works; so does."),
        ("Two pairs of shoes at ₹1,299.", "Two pairs of shoes at ₹1,299."),
    ],
)
def test_prose_is_cleaned_of_ids_and_left_readable(prose, clean):
    assert clean_prose(prose) == clean
