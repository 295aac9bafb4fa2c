from __future__ import annotations

import html
import re
from pathlib import Path

import pytest
from django.conf import settings as django_settings
from django.contrib.sessions.models import Session
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from shop import uploads
from shop.assistant.conversation import SESSION_KEY
from shop.assistant.models import Conversation
from shop.assistant.tests.conftest import INJECTION, PROBE, SHOES, advice_for, gemini_reply
from shop.catalog.models import Product

pytestmark = pytest.mark.django_db

BAD_IMAGES = Path(django_settings.SHOP_SHARED_DIR) / "data" / "bad-images"
ASK = reverse("assistant:ask")
RESET = reverse("assistant:reset")
HTMX = {"HTTP_HX_REQUEST": "true"}
ARTICLE_TYPES = re.compile(r'data-testid="assistant-product" data-article-type="([^"]*)"')


def _article_types(content: str) -> list[str]:
    return [html.unescape(t) for t in ARTICLE_TYPES.findall(content)]


def _ask(client: Client, message: str, *, htmx: bool = True, **extra):
    data = {"message": message, "next": "/?category=watches", **extra}
    return client.post(ASK, data, **(HTMX if htmx else {}))


def test_every_storefront_page_has_the_panel(client):
    product = Product.objects.first()
    for url in (reverse("search:product_list"), product.get_absolute_url()):
        content = client.get(url).content.decode()
        assert 'id="assistant"' in content
        assert f'hx-post="{ASK}"' in content
        assert 'hx-indicator="#assistant-thinking"' in content
        assert 'name="csrfmiddlewaretoken"' in content
        assert 'data-testid="assistant-configured-backend">Offline<' in content


def test_an_htmx_question_returns_the_panel_with_products_and_advice(client):
    response = _ask(client, "show me two pairs of shoes")

    content = response.content.decode()
    assert response.status_code == 200
    # The body only: the panel around it (a phone's open sheet) is not re-rendered.
    assert content.lstrip().startswith('<div class="assistant-body" id="assistant-body"')
    assert "<aside" not in content
    assert len(_article_types(content)) == 2
    assert set(_article_types(content)) <= SHOES
    assert 'data-testid="assistant-advice"' in content
    assert "Answered by the offline assistant" in content
    assert "show me two pairs of shoes" in content


def test_without_javascript_a_question_redirects_back_and_the_page_shows_the_answer(
    client,
):
    response = _ask(client, "a watch", htmx=False)

    assert response.status_code == 302
    assert response["Location"] == "/?category=watches#assistant-latest"
    page = client.get("/?category=watches").content.decode()
    assert _article_types(page) == ["Watches"]


def test_the_redirect_never_leaves_the_site(client):
    response = _ask(client, "a watch", htmx=False, next="https://evil.example/")

    assert response["Location"] == "/#assistant-latest"


def test_the_conversation_is_kept_in_the_session_across_pages(client):
    _ask(client, "a watch")
    _ask(client, "a belt")

    page = client.get(reverse("search:product_list")).content.decode()
    assert _article_types(page) == ["Watches", "Belts"]
    assert page.count('data-testid="assistant-reply"') == 2


def test_reset_clears_the_conversation(client):
    _ask(client, "a watch")

    response = client.post(RESET, {"next": "/"}, **HTMX)

    assert 'data-testid="assistant-reply"' not in response.content.decode()
    assert "assistant" not in client.session


def test_posts_without_a_csrf_token_are_refused():
    client = Client(enforce_csrf_checks=True)
    client.get("/")

    assert client.post(ASK, {"message": "a watch"}, **HTMX).status_code == 403
    assert client.post(RESET, {}, **HTMX).status_code == 403


def test_htmx_posts_with_the_csrf_header_from_the_page_are_accepted():
    client = Client(enforce_csrf_checks=True)
    page = client.get("/").content.decode()
    token = re.search(r'"X-CSRFToken": "([^"]+)"', page).group(1)

    response = client.post(ASK, {"message": "a watch"}, HTTP_X_CSRFTOKEN=token, **HTMX)

    assert response.status_code == 200
    assert _article_types(response.content.decode()) == ["Watches"]


def test_prompt_injection_is_shown_escaped_and_stays_in_the_catalog(client):
    content = _ask(client, INJECTION).content.decode()

    assert "<script>alert(1)</script>" not in content
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in content
    names = set(Product.objects.values_list("category__name", flat=True))
    assert set(_article_types(content)) <= names


def test_model_output_is_escaped_in_the_panel(client, fake_gemini):
    fake_gemini.classifier = [
        gemini_reply(
            {
                "items": [{"shopper_words": "w", "article_types": ["Watches"]}],
                "number_of_items": 1,
                "not_carried": [],
            }
        )
    ]
    fake_gemini.advice = [
        lambda body: gemini_reply(
            {
                "advice": "<b>Great</b> <script>alert(1)</script>",
                "product_notes": [
                    {
                        "product_id": int(re.search(r"Product id (\d+)", str(body)).group(1)),
                        "note": "<img src=x onerror=alert(1)>",
                    }
                ],
            }
        )
    ]

    content = _ask(client, "a watch").content.decode()

    assert "Answered by the Gemini assistant" in content
    assert "<script>alert(1)</script>" not in content
    assert "<img src=x onerror" not in content
    # Markup is dropped from model prose before it is rendered, and escaped anyway.
    assert "Great" in content
    assert "alert(1)" not in content


def test_the_text_in_image_probe_is_accepted_as_a_photo_and_changes_nothing(client):
    photo = SimpleUploadedFile(PROBE.name, PROBE.read_bytes(), content_type="image/png")

    response = _ask(client, "a watch to go with this", image=photo)

    content = response.content.decode()
    assert response.status_code == 200
    assert _article_types(content) == ["Watches"]
    assert "IGNORE ALL PREVIOUS" not in content
    assert "with a photo" in content


@pytest.mark.parametrize(
    "name", ["broken.png", "selfmade_html.png", "decompression_bomb.gif", "hopper.heif"]
)
def test_a_bad_photo_gets_a_friendly_message_in_the_panel(client, name):
    path = BAD_IMAGES / name
    photo = SimpleUploadedFile(name, path.read_bytes())

    response = _ask(client, "a watch", image=photo)

    content = response.content.decode()
    assert response.status_code in (400, 413)
    assert 'data-testid="assistant-error"' in content
    assert "Please upload" in content
    assert "Traceback" not in content
    assert "a watch</textarea>" in content  # the shopper's words are kept


def test_a_bad_photo_without_javascript_is_explained_on_a_page_with_the_panel(client):
    photo = SimpleUploadedFile("x.jpg", b"not an image")

    response = _ask(client, "a watch", htmx=False, image=photo)

    content = response.content.decode()
    assert response.status_code == 400
    assert content.lstrip().startswith("<!doctype html>")
    assert content.count('<aside class="assistant"') == 1
    assert 'data-testid="assistant-error"' in content
    assert "This file is not a readable image" in content
    assert "a watch</textarea>" in content
    assert 'href="/?category=watches" data-testid="assistant-back"' in content
    # Nothing is kept to show later: the next page is clean.
    assert "This file is not a readable image" not in client.get("/").content.decode()
    assert "assistant_error" not in client.session


def test_a_photo_over_the_size_limit_is_refused_with_413(client, settings):
    settings.SHOP_UPLOAD_MAX_BYTES = 1024
    photo = SimpleUploadedFile(PROBE.name, PROBE.read_bytes())

    response = _ask(client, "a watch", image=photo)

    assert response.status_code == 413
    assert "too large" in response.content.decode()


def test_a_message_over_the_limit_is_refused_politely(client):
    response = _ask(client, "a" * 1001)

    assert response.status_code == 400
    assert "under 1000 characters" in response.content.decode()


def test_the_rate_limit_answers_with_a_friendly_message(client, settings):
    settings.SHOP_ASSISTANT_RATE_PER_MINUTE = 2
    client.session.save()  # a shopper who already has a session
    assert _ask(client, "a watch").status_code == 200
    assert _ask(client, "a belt").status_code == 200

    response = _ask(client, "a tie")

    assert response.status_code == 429
    assert "Please wait a minute" in response.content.decode()
    assert _article_types(response.content.decode()) == ["Watches", "Belts"]


def test_the_panel_only_accepts_posts(client):
    assert client.get(ASK).status_code == 405


def test_not_carried_from_the_model_is_shown_as_escaped_plain_words(client, fake_gemini):
    fake_gemini.classifier = [
        gemini_reply(
            {
                "items": [{"shopper_words": "w", "article_types": ["Watches"]}],
                "number_of_items": 1,
                "not_carried": ["<b>Swimwear</b>", "<img src=x onerror=alert(1)>"],
            }
        )
    ]
    fake_gemini.advice = [advice_for()]

    content = _ask(client, "a watch and a swimsuit").content.decode()

    line = re.search(r'data-testid="assistant-not-carried">([^<]*)</p>', content)
    assert line is not None
    assert line.group(1) == "Not in our catalog: swimwear"
    assert "<b>" not in content
    assert "onerror" not in content


def test_the_panel_escapes_whatever_a_turn_says_is_not_carried(client):
    _ask(client, "a watch")
    conversation = Conversation.objects.get(pk=client.session[SESSION_KEY])
    conversation.turns[-1]["not_carried"] = ["<b>swimwear</b>"]
    conversation.save()

    page = client.get("/").content.decode()

    assert "Not in our catalog: &lt;b&gt;swimwear&lt;/b&gt;" in page


def test_clients_without_cookies_are_limited_by_address(client, settings):
    settings.SHOP_ASSISTANT_RATE_PER_MINUTE = 2
    for _ in range(3 * 2):
        client.cookies.clear()
        assert _ask(client, "a watch").status_code == 200
    client.cookies.clear()
    sessions = Session.objects.count()

    response = _ask(client, "a watch")

    assert response.status_code == 429
    assert "Please wait a minute" in response.content.decode()
    assert Session.objects.count() == sessions
    client.cookies.clear()
    other = client.post(ASK, {"message": "a watch"}, REMOTE_ADDR="10.1.2.3", **HTMX)
    assert other.status_code == 200


def test_no_session_is_created_just_to_count_requests(client):
    response = _ask(client, "   ")

    assert response.status_code == 400
    assert Session.objects.count() == 0
    assert "sessionid" not in response.cookies


def test_a_request_body_over_the_limit_is_refused_unread_and_the_panel_stays_put(client, settings):
    settings.SHOP_UPLOAD_MAX_BYTES = 1024
    photo = SimpleUploadedFile("big.jpg", b"\xff" * (200 * 1024))

    response = client.post(
        ASK,
        {"message": "a watch", "next": "/elsewhere/", "image": photo},
        HTTP_HX_CURRENT_URL="http://testserver/?category=watches",
        **HTMX,
    )

    content = response.content.decode()
    assert response.status_code == 413
    assert uploads.REQUEST_TOO_LARGE in content
    assert 'name="next" value="/?category=watches"' in content


def test_the_page_renders_the_panel_without_writing_the_session(client):
    _ask(client, "a watch")
    client.get("/")

    response = client.get("/")

    assert "sessionid" not in response.cookies


def test_a_question_comes_with_quick_replies_that_are_plain_submit_buttons(client):
    content = _ask(client, "an outfit for a wedding").content.decode()

    form = re.search(r'<form class="assistant-quick-replies".*?</form>', content, re.S)
    assert form is not None
    # Works without JavaScript: a real form post with the CSRF token and where to return.
    assert f'action="{ASK}"' in form.group(0) and 'method="post"' in form.group(0)
    assert 'name="csrfmiddlewaretoken"' in form.group(0)
    buttons = re.findall(r'<button type="submit" name="message" value="([^"]+)"', form.group(0))
    assert buttons == ["For men", "For women"]
    assert content.count('id="assistant-latest"') == 1


def test_a_quick_reply_without_javascript_answers_and_the_question_is_not_asked_again(client):
    _ask(client, "an outfit for a wedding", htmx=False)
    response = _ask(client, "For women", htmx=False)

    assert response.status_code == 302
    page = client.get("/?category=watches").content.decode()
    assert page.count("Who is it for: men or women?") == 1
    # Only the newest answer offers quick replies; this one needs none.
    assert 'data-testid="assistant-quick-replies"' not in page
    assert _article_types(page)
