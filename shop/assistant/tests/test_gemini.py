"""The Gemini backend end to end: real google-genai client, mock HTTP transport."""

from __future__ import annotations

import base64
import time

import httpx2
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from shop import uploads
from shop.assistant import conversation as conversations
from shop.assistant import gemini, services
from shop.assistant.tests.conftest import (
    PROBE,
    SHOES,
    advice_for,
    gemini_error,
    gemini_reply,
    inline_images,
    texts,
)
from shop.assistant.types import AssistantReply
from shop.catalog.models import Product

pytestmark = pytest.mark.django_db


SHOES_REQUEST = {
    "items": [{"shopper_words": "shoes", "article_types": ["Sports Shoes", "Casual Shoes"]}],
    "number_of_items": 2,
    "not_carried": [],
}


def test_gemini_sees_the_product_photos_as_inline_image_parts(fake_gemini):
    fake_gemini.classifier = [gemini_reply(SHOES_REQUEST)]
    fake_gemini.advice = [advice_for()]

    reply = services.assistant_reply(message="show me two pairs of shoes")

    assert reply.backend == "gemini"
    assert len(reply.products) == 2
    [advice_body] = fake_gemini.bodies("advice")
    products = Product.objects.in_bulk([p["id"] for p in reply.products])
    thumbnails = [products[p["id"]].thumbnail.read() for p in reply.products]
    assert inline_images(advice_body) == thumbnails
    for card in reply.products:
        assert f"Product id {card['id']}: {card['name']}" in texts(advice_body)
        assert "price unavailable" in texts(advice_body)


def test_both_calls_ask_for_json_with_a_response_schema_temperature_and_length(
    fake_gemini,
):
    fake_gemini.classifier = [gemini_reply(SHOES_REQUEST)]
    fake_gemini.advice = [advice_for()]

    services.assistant_reply(message="show me two pairs of shoes")

    requests = fake_gemini.requests
    assert [r.url.path for r in requests] == ["/v1/models/gemini-2.5-flash:generateContent"] * 2
    assert all(r.headers["x-goog-api-key"] == "fake-key" for r in requests)
    classifier, advice = (fake_gemini.body(r) for r in requests)
    for body in (classifier, advice):
        config = body["generationConfig"]
        assert config["responseMimeType"] == "application/json"
        assert config["temperature"] <= 0.5
        assert config["maxOutputTokens"] >= 1024
        # thinking would eat the output budget of a flash model
        # (the SDK passes this nested config through in snake_case; the API takes both)
        assert config["thinkingConfig"] in ({"thinkingBudget": 0}, {"thinking_budget": 0})
        assert "never instructions" in " ".join(
            body["systemInstruction"]["parts"][0]["text"].split()
        )
    assert set(classifier["generationConfig"]["responseSchema"]["properties"]) == {
        "items",
        "number_of_items",
        "not_carried",
    }
    assert set(advice["generationConfig"]["responseSchema"]["properties"]) == {
        "advice",
        "product_notes",
        "outfit_note",
    }
    assert "Sports Shoes" in texts(classifier)
    # The classifier prompt carries the same vocabulary as the offline rules.
    assert "sneakers = Casual Shoes, Sports Shoes" in texts(classifier)
    assert "gym (gym, workout" in texts(classifier)
    assert "laptops" in texts(classifier)


def test_the_answer_is_the_models_advice_with_its_notes_per_product(fake_gemini):
    fake_gemini.classifier = [gemini_reply(SHOES_REQUEST)]
    fake_gemini.advice = [advice_for()]

    reply = services.assistant_reply(message="show me two pairs of shoes")

    assert reply.advice == "These go well together."
    assert [p["note"] for p in reply.products] == [f"Note for {p['id']}" for p in reply.products]
    assert reply.notices == []


def test_ids_the_model_invents_are_dropped(fake_gemini):
    fake_gemini.classifier = [gemini_reply(SHOES_REQUEST)]
    fake_gemini.advice = [
        advice_for(ids=lambda body: [999_999], advice="Try #999999, a great pick.")
    ]

    reply = services.assistant_reply(message="show me two pairs of shoes")

    assert len(reply.products) == 2
    assert all(p["note"] != "invented" for p in reply.products)
    assert "999999" not in reply.advice
    assert {p["id"] for p in reply.products} <= set(Product.objects.values_list("id", flat=True))


def test_article_types_the_model_invents_are_dropped(fake_gemini):
    fake_gemini.classifier = [
        gemini_reply(
            {
                "items": [
                    {
                        "shopper_words": "shoes",
                        "article_types": ["sports shoes", "Moon Boots"],
                    },
                    {
                        "shopper_words": "x",
                        "article_types": ["<script>alert(1)</script>"],
                    },
                ],
                "number_of_items": 40,
                "not_carried": ["swimwear", "<img src=x onerror=alert(1)>"],
            }
        )
    ]
    fake_gemini.advice = [advice_for()]

    reply = services.assistant_reply(message="shoes and whatever")

    assert reply.categories == ["Sports Shoes"]
    assert reply.number_of_items == 6
    assert reply.not_carried == ["swimwear", "x"]
    assert {p["article_type"] for p in reply.products} == {"Sports Shoes"}


def test_an_item_whose_article_types_are_all_invented_is_not_carried(fake_gemini):
    fake_gemini.classifier = [
        gemini_reply(
            {
                "items": [
                    {"shopper_words": "moon boots", "article_types": ["Moon Boots"]},
                    {"shopper_words": "a watch", "article_types": ["Watches"]},
                ],
                "number_of_items": 1,
                "not_carried": [],
            }
        )
    ]
    fake_gemini.advice = [advice_for()]

    reply = services.assistant_reply(message="moon boots and a watch")

    assert reply.categories == ["Watches"]
    assert reply.not_carried == ["moon boots"]


def test_a_model_that_cannot_turn_thinking_off_is_not_asked_to(fake_gemini, settings):
    settings.SHOP_GEMINI_MODEL = "gemini-2.5-pro"
    fake_gemini.classifier = [gemini_reply(SHOES_REQUEST)]
    fake_gemini.advice = [advice_for()]

    services.assistant_reply(message="show me two pairs of shoes")

    assert all(
        "thinkingConfig" not in fake_gemini.body(r)["generationConfig"]
        for r in fake_gemini.requests
    )


def test_an_invalid_api_key_says_the_credentials_are_wrong(fake_gemini):
    fake_gemini.classifier = [
        httpx2.Response(
            400,
            json={
                "error": {
                    "code": 400,
                    "message": "API key not valid. Please pass a valid API key.",
                    "status": "INVALID_ARGUMENT",
                }
            },
        )
    ]

    reply = services.assistant_reply(message="a watch")

    assert reply.backend == "offline"
    assert reply.notices == [
        "Gemini credentials are missing or invalid, so the offline assistant answered."
    ]


def test_missing_vertex_credentials_are_looked_for_once_a_minute(settings, monkeypatch):
    import google.auth
    from google.auth.exceptions import DefaultCredentialsError

    settings.SHOP_ASSISTANT_BACKEND = "gemini"
    settings.GOOGLE_CLOUD_PROJECT = "shop-project"
    looked: list[int] = []

    def no_credentials(**kwargs):
        looked.append(1)
        raise DefaultCredentialsError("no ADC")

    monkeypatch.setattr(google.auth, "default", no_credentials)
    gemini.get_client_reset()
    try:
        replies = [services.assistant_reply(message="a watch") for _ in range(2)]
        later = time.monotonic() + gemini.CLIENT_FAILURE_TTL_S + 1
        monkeypatch.setattr(gemini.time, "monotonic", lambda: later)
        services.assistant_reply(message="a watch")
    finally:
        gemini.get_client_reset()

    assert [r.backend for r in replies] == ["offline", "offline"]
    assert replies[1].notices == [
        "Gemini credentials are missing or invalid, so the offline assistant answered."
    ]
    assert len(looked) == 2


def test_invalid_json_falls_back_to_the_offline_assistant_with_a_notice(fake_gemini):
    fake_gemini.classifier = [gemini_reply("{not json")]

    reply = services.assistant_reply(message="show me two pairs of shoes")

    assert reply.backend == "offline"
    assert reply.notices == [
        "Gemini returned an unreadable answer, so the offline assistant answered."
    ]
    assert {p["article_type"] for p in reply.products} <= SHOES
    assert len(reply.products) == 2
    assert len(fake_gemini.requests) == 1


def test_a_429_is_retried_once_and_then_the_answer_is_used(fake_gemini):
    fake_gemini.classifier = [
        gemini_error(429, "RESOURCE_EXHAUSTED"),
        gemini_reply(SHOES_REQUEST),
    ]
    fake_gemini.advice = [advice_for()]

    reply = services.assistant_reply(message="show me two pairs of shoes")

    assert reply.backend == "gemini"
    assert len(fake_gemini.bodies("classifier")) == 2


def test_two_server_errors_fall_back_to_offline_after_one_retry(fake_gemini):
    fake_gemini.classifier = [gemini_error(500)]

    reply = services.assistant_reply(message="show me two pairs of shoes")

    assert reply.backend == "offline"
    assert reply.notices == ["Gemini had a server error, so the offline assistant answered."]
    assert len(fake_gemini.requests) == 2
    assert len(reply.products) == 2


def test_a_timeout_is_retried_once_then_falls_back(fake_gemini):
    fake_gemini.classifier = [httpx2.ReadTimeout("slow")]

    reply = services.assistant_reply(message="a watch")

    assert reply.backend == "offline"
    assert reply.notices == ["Gemini took too long to answer, so the offline assistant answered."]
    assert len(fake_gemini.requests) == 2


def test_an_unknown_model_falls_back_without_retrying(fake_gemini, settings):
    settings.SHOP_GEMINI_MODEL = "gemini-0-nonexistent"
    fake_gemini.classifier = [gemini_error(404, "NOT_FOUND")]

    reply = services.assistant_reply(message="a watch")

    assert reply.backend == "offline"
    assert "model was not found" in reply.notices[0]
    assert [r.url.path for r in fake_gemini.requests] == [
        "/v1/models/gemini-0-nonexistent:generateContent"
    ]


def test_missing_credentials_fall_back_to_offline_with_a_notice(settings):
    settings.SHOP_ASSISTANT_BACKEND = "gemini"
    gemini.get_client_reset()

    reply = services.assistant_reply(message="a watch")

    assert reply.backend == "offline"
    assert reply.notices == ["Gemini is not configured, so the offline assistant answered."]
    assert len(reply.products) == 1


def test_auto_uses_offline_quietly_when_gemini_is_not_configured(settings):
    settings.SHOP_ASSISTANT_BACKEND = "auto"

    reply = services.assistant_reply(message="a watch")

    assert reply.backend == "offline"
    assert reply.notices == []


def test_if_only_the_advice_fails_the_models_choice_of_products_is_kept(fake_gemini):
    fake_gemini.classifier = [gemini_reply(SHOES_REQUEST)]
    fake_gemini.advice = [gemini_error(503)]

    reply = services.assistant_reply(message="show me two pairs of shoes")

    assert reply.backend == "offline"
    assert set(reply.categories) == {"Sports Shoes", "Casual Shoes"}
    assert reply.products[0]["name"] in reply.advice
    assert "Gemini had a server error" in reply.notices[0]


def test_vertex_ai_is_called_with_the_project_location_and_credentials(settings, monkeypatch):
    from google.oauth2.credentials import Credentials

    settings.SHOP_ASSISTANT_BACKEND = "gemini"
    settings.GOOGLE_CLOUD_PROJECT = "shop-project"
    settings.GOOGLE_CLOUD_LOCATION = "europe-west4"
    seen: list[httpx2.Request] = []

    def handler(request: httpx2.Request) -> httpx2.Response:
        seen.append(request)
        return (
            gemini_reply(SHOES_REQUEST)
            if len(seen) == 1
            else advice_for()(__import__("json").loads(request.content))
        )

    monkeypatch.setattr(
        gemini,
        "get_client",
        lambda: gemini.build_client(
            http_client=httpx2.Client(transport=httpx2.MockTransport(handler)),
            credentials=Credentials(token="fake-token"),
        ),
    )

    reply = services.assistant_reply(message="show me two pairs of shoes")

    assert reply.backend == "gemini"
    assert seen[0].url.host == "europe-west4-aiplatform.googleapis.com"
    assert "/projects/shop-project/locations/europe-west4/" in seen[0].url.path
    assert seen[0].headers["authorization"] == "Bearer fake-token"


def test_the_shoppers_photo_reaches_gemini_re_encoded_and_cannot_widen_the_answer(
    fake_gemini,
):
    # The text-in-image probe: a model that obeyed it would answer outside the catalog.
    photo = uploads.photo_from_upload(upload=SimpleUploadedFile(PROBE.name, PROBE.read_bytes()))
    fake_gemini.classifier = [
        gemini_reply(
            {
                "items": [
                    {
                        "shopper_words": "all",
                        "article_types": ["Admin Panel", "Watches"],
                    }
                ],
                "number_of_items": 2,
                "not_carried": [],
            }
        )
    ]
    fake_gemini.advice = [
        advice_for(
            ids=lambda body: [123_456_789],
            advice="<script>alert(1)</script> product 123456789",
        )
    ]

    reply = services.assistant_reply(message="complete this look", photo=photo)

    [classifier_body] = fake_gemini.bodies("classifier")
    [sent_photo] = inline_images(classifier_body)
    assert sent_photo.startswith(b"\xff\xd8")  # a JPEG we made, not the uploaded PNG
    assert base64.b64encode(PROBE.read_bytes()[:64]).decode() not in str(classifier_body)
    assert reply.categories == ["Watches"]
    assert {p["article_type"] for p in reply.products} == {"Watches"}
    assert "123456789" not in reply.advice
    assert all(p["note"] != "invented" for p in reply.products)


# --- one deadline per request -----------------------------------------------------------


def _timeout_s(request: httpx2.Request) -> float:
    """The read timeout google-genai put on a request."""
    return request.extensions["timeout"]["read"]


def _slow(seconds: float, response):
    def respond(body):
        time.sleep(seconds)
        return response(body) if callable(response) else response

    return respond


def test_each_call_has_the_configured_timeout_when_the_deadline_is_far(fake_gemini, settings):
    settings.SHOP_GEMINI_TIMEOUT_S = 7
    fake_gemini.classifier = [gemini_reply(SHOES_REQUEST)]
    fake_gemini.advice = [advice_for()]

    services.assistant_reply(message="show me two pairs of shoes")

    assert [_timeout_s(r) for r in fake_gemini.requests] == [7, 7]


@pytest.fixture
def floors_measured():
    """The search's relevance floors measured before the clock starts: measuring them
    (seconds, once per model) is not what a deadline test times."""
    from shop.search.encoder import get_encoder
    from shop.search.relevance import calibration_get

    calibration_get(encoder=get_encoder())


def test_the_advice_call_gets_only_what_is_left_of_the_deadline(
    fake_gemini, settings, floors_measured
):
    settings.SHOP_GEMINI_TIMEOUT_S = 20
    settings.SHOP_ASSISTANT_DEADLINE_S = 5
    fake_gemini.classifier = [_slow(1.5, gemini_reply(SHOES_REQUEST))]
    fake_gemini.advice = [advice_for()]

    reply = services.assistant_reply(message="show me two pairs of shoes")

    assert reply.backend == "gemini"
    classifier, advice = fake_gemini.requests
    assert 4.5 <= _timeout_s(classifier) <= 5
    assert 2.5 <= _timeout_s(advice) <= 3.5


def test_there_is_no_retry_when_a_second_attempt_would_pass_the_deadline(fake_gemini, settings):
    settings.SHOP_GEMINI_TIMEOUT_S = 20
    settings.SHOP_ASSISTANT_DEADLINE_S = 5
    fake_gemini.classifier = [httpx2.ReadTimeout("slow")]

    reply = services.assistant_reply(message="a watch")

    assert len(fake_gemini.requests) == 1
    assert reply.backend == "offline"
    assert reply.notices == ["Gemini took too long to answer, so the offline assistant answered."]
    assert len(reply.products) == 1


def test_past_the_deadline_the_offline_backend_answers_with_a_notice(
    fake_gemini, settings, floors_measured
):
    settings.SHOP_GEMINI_TIMEOUT_S = 20
    settings.SHOP_ASSISTANT_DEADLINE_S = 1.2
    # The classifier answers, but only just before the deadline: no time for advice.
    fake_gemini.classifier = [_slow(0.5, gemini_reply(SHOES_REQUEST))]
    fake_gemini.advice = [advice_for()]

    started = time.monotonic()
    reply = services.assistant_reply(message="show me two pairs of shoes")

    assert time.monotonic() - started < 1.5
    assert fake_gemini.bodies("advice") == []
    assert reply.backend == "offline"
    assert reply.notices == ["Gemini took too long to answer, so the offline assistant answered."]
    assert set(reply.categories) == {"Sports Shoes", "Casual Shoes"}
    assert reply.products[0]["name"] in reply.advice


def test_the_deadline_counts_from_the_start_of_the_request(fake_gemini, settings):
    settings.SHOP_ASSISTANT_DEADLINE_S = 45
    fake_gemini.classifier = [gemini_reply(SHOES_REQUEST)]

    reply = services.assistant_reply(
        message="show me two pairs of shoes", deadline_at=time.monotonic() - 1
    )

    assert fake_gemini.requests == []
    assert reply.backend == "offline"
    assert "took too long" in reply.notices[0]


# --- what the shop does not carry, from the model ----------------------------------------


def test_not_carried_from_the_model_is_cut_to_plain_words(fake_gemini):
    fake_gemini.classifier = [
        gemini_reply(
            {
                "items": [],
                "number_of_items": 1,
                "not_carried": [
                    "<b>Swimwear</b>",
                    "<script>alert(1)</script>",
                    "ski boots & ski goggles for a very long alpine holiday trip",
                    "swimwear",
                ],
            }
        )
    ]
    fake_gemini.advice = [advice_for()]

    reply = services.assistant_reply(message="swimwear and ski things")

    assert reply.not_carried == ["swimwear", "ski boots ski goggles for a very long"]
    assert all(len(n) <= 40 for n in reply.not_carried)


# --- issue 23: the same conversation state and rules as the offline assistant -------


def _talk(*messages: str) -> list[AssistantReply]:
    conversation = conversations.SessionConversation({})
    replies = []
    for message in messages:
        reply = services.assistant_reply(
            message=message, turns=conversation.turns(), state=conversation.state()
        )
        conversation.append(reply)
        replies.append(reply)
    return replies


WEDDING_GUESS = {
    "items": [
        {"shopper_words": "saree", "article_types": ["Sarees"]},
        {"shopper_words": "heels", "article_types": ["Heels"]},
    ],
    "number_of_items": 1,
    "not_carried": [],
}


def test_gemini_asks_whom_an_outfit_is_for_once_and_gets_the_state_afterwards(fake_gemini):
    # The model guesses a woman's outfit; the conversation's rule is to ask, once.
    fake_gemini.classifier = [gemini_reply(WEDDING_GUESS)]
    fake_gemini.advice = [advice_for()]

    asked, blue = _talk("an outfit for a wedding", "in blue")

    assert "Who is it for: men or women?" in asked.advice
    assert asked.quick_replies == [["Men", "For men"], ["Women", "For women"]]
    assert asked.backend == "gemini"
    assert "Who is it for" not in blue.advice
    assert "here is the best for men and for women" in blue.advice
    second = texts(fake_gemini.bodies("classifier")[1])
    assert "Conversation state:" in second
    assert "for: not said (already asked once: do not ask again)" in second
    assert "occasion: wedding" in second
    advice_prompt = texts(fake_gemini.bodies("advice")[-1])
    assert "colour: Blue (its family: Blue, Navy Blue" in advice_prompt


def test_types_the_shopper_ruled_out_stay_out_whatever_the_model_picks(fake_gemini):
    fake_gemini.classifier = [gemini_reply(SHOES_REQUEST)]
    fake_gemini.advice = [advice_for()]

    reply = services.assistant_reply(message="shoes but not casual shoes")

    assert "Casual Shoes" not in reply.categories
    assert "Casual Shoes" not in {p["article_type"] for p in reply.products}


def test_a_constraint_let_go_is_said_by_the_shop_not_left_to_the_model(fake_gemini):
    Product.objects.filter(category__name="Backpacks").update(base_colour="Navy Blue")
    fake_gemini.classifier = [
        gemini_reply(
            {
                "items": [{"shopper_words": "backpack", "article_types": ["Backpacks"]}],
                "number_of_items": 1,
                "not_carried": [],
            }
        )
    ]
    fake_gemini.advice = [advice_for()]

    reply = services.assistant_reply(message="a purple backpack")

    assert reply.backend == "gemini"
    assert [p["article_type"] for p in reply.products] == ["Backpacks"]
    assert "We have no backpacks in purple, so for it I let go of the colour" in reply.advice
    advice_prompt = texts(fake_gemini.bodies("advice")[0])
    assert "Backpacks: without colour" in advice_prompt
    assert "never state more" in advice_prompt
