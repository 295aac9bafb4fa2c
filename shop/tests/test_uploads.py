from __future__ import annotations

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from PIL import Image
from PIL.JpegImagePlugin import JpegImageFile

from shop import images, uploads

pytestmark = pytest.mark.django_db


def _png(width: int, height: int) -> bytes:
    out = io.BytesIO()
    Image.new("1", (width, height)).save(out, format="PNG")
    return out.getvalue()


def _jpeg(width: int, height: int) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (width, height), (200, 30, 60)).save(out, format="JPEG")
    return out.getvalue()


def test_shoppers_get_a_lower_pixel_cap_than_the_importer():
    data = _png(5000, 5000)  # 25 MP in a few KB

    with pytest.raises(images.ImageRejected) as rejected:
        uploads.photo_from_upload(upload=SimpleUploadedFile("big.png", data))
    assert rejected.value.status == 413
    assert images.decode_image(data, filename="big.png").size == (5000, 5000)


def test_a_large_jpeg_upload_is_decoded_at_a_fraction_of_its_size(monkeypatch):
    drafts = []
    original = JpegImageFile.draft

    def spy(self, mode, size):
        result = original(self, mode, size)
        drafts.append(self.size)  # the size libjpeg will decode at
        return result

    monkeypatch.setattr(JpegImageFile, "draft", spy)
    upload = SimpleUploadedFile("photo.jpg", _jpeg(4800, 3200))

    photo = uploads.photo_from_upload(upload=upload)

    assert drafts == [(1200, 800)]  # 1/4 scale: never 15 MP of pixels in memory
    assert photo.size == (600, 400)
    assert photo.getpixel((10, 10))[0] > 150


def test_a_large_png_upload_is_reduced_to_fit_and_keeps_its_orientation():
    image = Image.new("RGBA", (3000, 1000), (0, 0, 255, 255))
    exif = Image.Exif()
    exif[0x0112] = 6  # rotate 90 degrees to display
    out = io.BytesIO()
    image.save(out, format="PNG", exif=exif)

    photo = uploads.photo_from_upload(upload=SimpleUploadedFile("wide.png", out.getvalue()))

    assert photo.size == (334, 1000)
    assert photo.mode == "RGB"


def test_photo_search_is_rate_limited_per_address_with_retry_after(client, settings):
    settings.SHOP_PHOTO_SEARCH_RATE_PER_MINUTE = 1
    for _ in range(3):
        # Clients without a session (a search answer may set one: its click tokens are
        # bound to it), so only the address counts.
        client.cookies.clear()
        upload = SimpleUploadedFile("p.jpg", _jpeg(64, 64))
        assert client.post("/api/search/", {"image": upload}).status_code == 200

    client.cookies.clear()
    response = client.post("/api/search/", {"image": SimpleUploadedFile("p.jpg", _jpeg(64, 64))})

    assert response.status_code == 429
    assert 1 <= int(response["Retry-After"]) <= 60
    assert client.post("/api/search/", {"q": "shirt"}).status_code == 200


def test_photo_search_on_the_page_is_rate_limited_per_session(client, settings):
    settings.SHOP_PHOTO_SEARCH_RATE_PER_MINUTE = 1
    client.get("/")
    session = client.session
    session["seen"] = True
    session.save()
    client.cookies["sessionid"] = session.session_key
    url = reverse("search:search")
    first = client.post(url, {"image": SimpleUploadedFile("p.jpg", _jpeg(64, 64))})
    # Accepted: the photo is kept and the shopper is sent to its results page.
    assert first.status_code == 302 and "photo=" in first["Location"]

    response = client.post(
        url, {"image": SimpleUploadedFile("p.jpg", _jpeg(64, 64))}, REMOTE_ADDR="10.3.3.3"
    )

    assert response.status_code == 429
    assert "faster than we can keep up" in response.content.decode()
    assert response["Retry-After"]
