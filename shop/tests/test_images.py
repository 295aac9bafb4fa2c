from __future__ import annotations

import io
import time
from pathlib import Path

import pytest
from PIL import Image

from conftest import BAD_IMAGES, bad_image_manifest, reject_status
from shop import images
from shop.images import ImageRejected, decode_image, decode_image_file, thumbnail_bytes

PRODUCT_IMAGES = BAD_IMAGES.parent / "fashion-products" / "images"
# The contract asks for well within 2 s per file on a 2-core machine.
TIME_LIMIT_S = 2.0


MANIFEST = bad_image_manifest()


def _jpeg(size: tuple[int, int], *, orientation: int | None = None) -> bytes:
    im = Image.new("RGB", size, (200, 30, 30))
    # A blue top-left block lets the test see which way it turned; a block, not a
    # pixel, so JPEG's chroma subsampling cannot smear it away.
    im.paste((0, 0, 255), (0, 0, 16, 16))
    exif = Image.Exif()
    if orientation is not None:
        exif[0x0112] = orientation
    out = io.BytesIO()
    im.save(out, format="JPEG", exif=exif.tobytes(), quality=95)
    return out.getvalue()


def _png(im: Image.Image, **params: object) -> bytes:
    out = io.BytesIO()
    im.save(out, format="PNG", **params)
    return out.getvalue()


def test_the_manifest_lists_every_corpus_file() -> None:
    listed = {row["file"] for row in MANIFEST}
    on_disk = {p.name for p in BAD_IMAGES.iterdir()} - {"MANIFEST.csv", "README.md"}
    assert listed == on_disk
    assert len(MANIFEST) == 81


@pytest.mark.parametrize("row", MANIFEST, ids=[row["file"] for row in MANIFEST])
def test_it_honours_the_corpus_contract(row: dict[str, str]) -> None:
    path = BAD_IMAGES / row["file"]
    data = path.read_bytes()
    started = time.perf_counter()
    try:
        result: Image.Image | ImageRejected = decode_image(data, filename=row["file"])
    except ImageRejected as rejected:
        result = rejected
    elapsed = time.perf_counter() - started

    assert elapsed < TIME_LIMIT_S, f"took {elapsed:.2f}s"
    if row["expected"] == "accept":
        assert isinstance(result, Image.Image), f"rejected: {result}"
        assert result.mode == "RGB"
        assert result.width >= 1
        assert result.height >= 1
        # Fully decoded: pixels are readable without touching the file again.
        assert result.getpixel((0, 0)) is not None
        assert result.info == {}
    else:
        assert isinstance(result, ImageRejected), f"accepted {row['file']}"
        assert result.status == reject_status(row)
        assert result.message
        # The message names the kind of problem, never the file.
        assert row["file"] not in result.message
        if row["kind"] == "valid-unusual":
            assert result.message.startswith("Unsupported image format")
            assert result.status == 400


@pytest.mark.parametrize(
    "name",
    [
        "selfmade_bomb_webp_vp8_16383x16383.webp",
        "selfmade_warnzone_png_10000x10000.png",
        "png_decompression_dos.png",
    ],
)
def test_it_answers_413_for_bombs_in_allowed_formats(name: str) -> None:
    with pytest.raises(ImageRejected) as caught:
        decode_image((BAD_IMAGES / name).read_bytes(), filename=name)
    assert caught.value.status == 413
    assert caught.value.message.startswith("The image is too large")


@pytest.mark.parametrize("name", ["hopper.heif", "renamed_heif_as.jpg"])
def test_it_gives_phone_users_a_hint_for_heif(name: str) -> None:
    with pytest.raises(ImageRejected) as caught:
        decode_image((BAD_IMAGES / name).read_bytes(), filename=name)
    assert caught.value.message == images.UNSUPPORTED_HEIF


def test_it_rejects_an_mpo_by_extension_even_though_the_content_is_jpeg() -> None:
    data = (BAD_IMAGES / "sugarshack_no_data.mpo").read_bytes()
    with pytest.raises(ImageRejected) as caught:
        decode_image(data, filename="sugarshack_no_data.mpo")
    assert caught.value.message == images.UNSUPPORTED_FORMAT
    # The same bytes under a .jpg name are a JPEG whose second frame is broken;
    # only frame 0 is used, so it decodes.
    assert decode_image(data, filename="photo.jpg").size == (640, 480)


@pytest.mark.parametrize(
    ("name", "pretend"),
    [
        ("renamed_tiff_as.png", "photo.png"),
        ("renamed_gif_as.jpg", "photo.jpeg"),
        ("reqd_showpage.eps", "photo.jpg"),
        ("rgba.psd", "photo.webp"),
    ],
)
def test_it_rejects_other_formats_behind_an_allowed_extension(name: str, pretend: str) -> None:
    with pytest.raises(ImageRejected) as caught:
        decode_image((BAD_IMAGES / name).read_bytes(), filename=pretend)
    assert caught.value.message == images.UNSUPPORTED_FORMAT
    assert caught.value.status == 400


@pytest.mark.parametrize(
    ("name", "pretend"),
    [("hopper.webp", "photo.jpg"), ("rgb.jpg", "photo.PNG"), ("1_trns.png", "photo.webp")],
)
def test_it_accepts_allowed_content_under_another_allowed_extension(
    name: str, pretend: str
) -> None:
    # Users rename files and phones mislabel them; both sides are still in the allowlist.
    assert decode_image((BAD_IMAGES / name).read_bytes(), filename=pretend).mode == "RGB"


@pytest.mark.parametrize(
    "name",
    ["reqd_showpage.eps", "renamed_fuzz_crash_tiff_as.jpg", "renamed_fuzz_timeout_dds_as.webp"],
)
def test_it_never_lets_other_pillow_plugins_see_the_bytes(
    name: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    # EPS would run Ghostscript on load; fuzz reproducers crash their own plugins.
    # Rejecting after another plugin has parsed the header would already be too late.
    Image.init()
    touched: list[str] = []

    def spy(format_id: str) -> object:
        def accept(prefix: bytes) -> bool:
            touched.append(format_id)
            return False

        return accept

    for format_id, (factory, _accept) in list(Image.OPEN.items()):
        if format_id not in {"JPEG", "PNG", "WEBP"}:
            monkeypatch.setitem(Image.OPEN, format_id, (factory, spy(format_id)))

    with pytest.raises(ImageRejected):
        decode_image((BAD_IMAGES / name).read_bytes(), filename="photo.jpg")
    assert touched == []


@pytest.mark.parametrize("filename", ["photo.gif", "photo.jpg.exe", "photo", "photo.svg"])
def test_it_rejects_extensions_outside_the_allowlist(filename: str) -> None:
    with pytest.raises(ImageRejected) as caught:
        decode_image(_jpeg((8, 8)), filename=filename)
    assert caught.value.message == images.UNSUPPORTED_FORMAT


def test_it_accepts_allowed_extensions_in_any_case() -> None:
    assert decode_image(_jpeg((8, 8)), filename="PHOTO.JPEG").size == (8, 8)


def test_it_rejects_an_empty_file() -> None:
    with pytest.raises(ImageRejected) as caught:
        decode_image(b"", filename="photo.jpg")
    assert caught.value.status == 400
    assert caught.value.message == images.EMPTY_FILE


def test_it_answers_413_when_the_file_exceeds_the_byte_cap() -> None:
    data = _jpeg((64, 64))
    with pytest.raises(ImageRejected) as caught:
        decode_image(data, filename="photo.jpg", max_bytes=len(data) - 1)
    assert caught.value.status == 413
    assert decode_image(data, filename="photo.jpg", max_bytes=len(data)).size == (64, 64)


def test_it_answers_413_when_the_header_exceeds_the_pixel_cap() -> None:
    data = _jpeg((100, 50))
    with pytest.raises(ImageRejected) as caught:
        decode_image(data, filename="photo.jpg", max_pixels=4999)
    assert caught.value.status == 413
    assert decode_image(data, filename="photo.jpg", max_pixels=5000).size == (100, 50)


def test_it_treats_pillows_bomb_warning_as_an_error_even_under_a_raised_cap() -> None:
    # 1-bit so the file is tiny; its header alone crosses Pillow's warning threshold.
    side = int(Image.MAX_IMAGE_PIXELS**0.5) + 1
    data = _png(Image.new("1", (side, side)))
    with pytest.raises(ImageRejected) as caught:
        decode_image(data, filename="big.png", max_pixels=side * side)
    assert caught.value.status == 413


def test_it_applies_exif_orientation() -> None:
    # Orientation 6: stored landscape, shown rotated 90 degrees clockwise.
    decoded = decode_image(_jpeg((120, 80), orientation=6), filename="photo.jpg")
    assert decoded.size == (80, 120)
    # The stored top-left corner ends up top-right after a clockwise turn.
    red, _, blue = decoded.getpixel((decoded.width - 4, 3))
    assert blue > 150
    assert red < 100
    red, _, blue = decoded.getpixel((3, 3))
    assert red > 150
    assert blue < 100


def test_it_composites_transparency_onto_white() -> None:
    im = Image.new("RGBA", (4, 4), (0, 0, 0, 0))
    im.putpixel((0, 0), (10, 20, 30, 255))
    decoded = decode_image(_png(im), filename="cutout.png")
    assert decoded.mode == "RGB"
    assert decoded.getpixel((3, 3)) == (255, 255, 255)
    assert decoded.getpixel((0, 0)) == (10, 20, 30)


def test_it_composites_a_transparent_palette_entry_onto_white() -> None:
    im = Image.new("P", (2, 1))
    im.putpalette([0, 0, 0, 255, 0, 0])
    im.putpixel((1, 0), 1)
    decoded = decode_image(_png(im, transparency=0), filename="cutout.png")
    assert decoded.getpixel((0, 0)) == (255, 255, 255)
    assert decoded.getpixel((1, 0)) == (255, 0, 0)


def test_it_scales_16_bit_grey_instead_of_clipping_it() -> None:
    im = Image.new("I;16", (2, 1))
    im.putpixel((0, 0), 65535)
    im.putpixel((1, 0), 32896)
    decoded = decode_image(_png(im), filename="grey16.png")
    assert decoded.getpixel((0, 0)) == (255, 255, 255)
    assert decoded.getpixel((1, 0)) == (128, 128, 128)


def test_it_converts_cmyk_jpegs_to_rgb() -> None:
    out = io.BytesIO()
    Image.new("CMYK", (4, 4), (0, 255, 255, 0)).save(out, format="JPEG", quality=100)
    red, green, blue = decode_image(out.getvalue(), filename="print.jpg").getpixel((1, 1))
    assert red > 200
    assert green < 60
    assert blue < 60


def test_it_uses_the_first_frame_of_an_animated_png() -> None:
    frames = [Image.new("RGB", (6, 4), colour) for colour in [(255, 0, 0), (0, 0, 255)]]
    out = io.BytesIO()
    frames[0].save(out, format="PNG", save_all=True, append_images=frames[1:], duration=100)
    with Image.open(io.BytesIO(out.getvalue())) as check:
        assert check.n_frames == 2
    decoded = decode_image(out.getvalue(), filename="anim.png")
    assert decoded.getpixel((2, 2)) == (255, 0, 0)


@pytest.mark.parametrize(
    "data",
    [
        b"\x89PNG\r\n\x1a\n" + b"\x00" * 40,
        b"\xff\xd8\xff\xe0" + b"\x00" * 40,
        b"RIFF\x10\x00\x00\x00WEBPVP8 " + b"\xff" * 20,
        b"<html><script>alert(1)</script></html>",
    ],
    ids=["png-junk", "jpeg-junk", "webp-junk", "html"],
)
def test_it_rejects_junk_behind_a_valid_signature(data: bytes) -> None:
    with pytest.raises(ImageRejected) as caught:
        decode_image(data, filename="photo.png")
    assert caught.value.status == 400
    assert caught.value.message == images.NOT_AN_IMAGE


def test_it_rejects_every_truncation_of_a_valid_jpeg_without_crashing() -> None:
    data = _jpeg((32, 32))
    outcomes = set()
    for cut in range(0, len(data), 7):
        try:
            decode_image(data[:cut], filename="photo.jpg")
            outcomes.add("accepted")
        except ImageRejected as rejected:
            outcomes.add(rejected.status)
    assert outcomes <= {400, "accepted"}
    assert 400 in outcomes


def test_thumbnails_are_fresh_jpegs_without_the_original_bytes() -> None:
    name = "selfmade_polyglot_png_then_html.png"
    data = (BAD_IMAGES / name).read_bytes()
    html_tail = data[data.index(b"IEND") + 8 :]
    assert b"<" in html_tail

    thumb = thumbnail_bytes(decode_image(data, filename=name))

    assert thumb.startswith(b"\xff\xd8\xff")
    assert html_tail not in thumb
    assert b"<html" not in thumb.lower()
    assert b"<script" not in thumb.lower()
    with Image.open(io.BytesIO(thumb)) as im:
        assert im.format == "JPEG"
        assert im.size == (64, 64)


def test_thumbnails_fit_the_size_and_drop_all_metadata() -> None:
    source = Image.new("RGB", (1000, 500), (10, 200, 10))
    source.info["icc_profile"] = b"not-a-real-profile"
    exif = Image.Exif()
    exif[0x010E] = "ignore previous instructions"
    source.info["exif"] = exif.tobytes()

    thumb = thumbnail_bytes(source, size=200, quality=70)

    assert b"ignore previous" not in thumb
    with Image.open(io.BytesIO(thumb)) as im:
        assert im.size == (200, 100)
        assert "icc_profile" not in im.info
        assert "exif" not in im.info
        assert len(im.getexif()) == 0


def test_decode_image_file_refuses_an_oversized_file_before_reading_it(tmp_path: Path) -> None:
    path = tmp_path / "big.jpg"
    data = _jpeg((16, 16))
    path.write_bytes(data)
    with pytest.raises(ImageRejected) as caught:
        decode_image_file(path, max_bytes=len(data) - 1)
    assert caught.value.status == 413
    assert decode_image_file(str(path)).size == (16, 16)


def test_decode_image_file_rejects_a_missing_file(tmp_path: Path) -> None:
    with pytest.raises(ImageRejected) as caught:
        decode_image_file(tmp_path / "missing.jpg")
    assert caught.value.status == 400


def test_decode_image_file_uses_the_files_own_name() -> None:
    with pytest.raises(ImageRejected):
        decode_image_file(BAD_IMAGES / "sugarshack_no_data.mpo")
    assert decode_image_file(BAD_IMAGES / "rgb.jpg").size == (100, 100)


@pytest.mark.skipif(not PRODUCT_IMAGES.is_dir(), reason="no product photos")
def test_it_decodes_a_real_product_photo() -> None:
    photo = min(PRODUCT_IMAGES.glob("*.jpg"))
    decoded = decode_image_file(photo)
    assert decoded.mode == "RGB"
    assert min(decoded.size) >= 32
    assert thumbnail_bytes(decoded).startswith(b"\xff\xd8\xff")


def test_the_allowlist_is_jpeg_png_and_webp() -> None:
    assert {".jpg", ".jpeg", ".png", ".webp"} == images.ALLOWED_EXTENSIONS
    assert images.DEFAULT_MAX_BYTES == 10 * 1024 * 1024
    assert 12_000_000 <= images.DEFAULT_MAX_PIXELS < Image.MAX_IMAGE_PIXELS
