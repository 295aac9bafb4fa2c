"""The one place that turns untrusted bytes into pixels.

The catalog importer, the batch embedder and the shopper upload path all decode
through here, so every image gets the same limits: an extension and content
allowlist (JPEG, PNG, WebP), a byte cap, a pixel cap checked on the header before
any pixel is decoded, and a full decode so that truncated or corrupt files fail
here rather than later in a worker. Anything Pillow raises becomes
``ImageRejected``, which carries a user-facing message and an HTTP status.
"""

from __future__ import annotations

import io
import logging
import os
import warnings
from pathlib import Path
from typing import Final

from PIL import Image, ImageMath, ImageOps

from shop.errors import ShopError

logger = logging.getLogger(__name__)

ALLOWED_EXTENSIONS: Final = frozenset({".jpg", ".jpeg", ".png", ".webp"})
DEFAULT_MAX_BYTES: Final = 10 * 1024 * 1024
# Well above any product or phone photo (a 48 MP phone shoots 12 MP by default)
# and well below Pillow's own 89 MP warning threshold; Pillow holds RGB in 4 bytes
# a pixel, so the decoded result is at most ~160 MB.
DEFAULT_MAX_PIXELS: Final = 40_000_000

# Only these plugins may ever see the bytes. Passing the list to Image.open stops
# Pillow from trying its ~40 other decoders (EPS would run Ghostscript; TIFF, PSD,
# FLI, DDS and BLP all have fuzzer-found crash and timeout history).
_PILLOW_FORMATS: Final = ("JPEG", "PNG", "WEBP")
# The JPEG opener hands back an MpoImageFile when it finds an MPF header (phones
# write one for depth maps and gain maps); its first frame is an ordinary JPEG.
_ACCEPTED_OPENED_FORMATS: Final = frozenset({"JPEG", "MPO", "PNG", "WEBP"})

UNSUPPORTED_FORMAT = "Unsupported image format. Please upload a JPEG, PNG or WebP photo."
UNSUPPORTED_HEIF = (
    "Unsupported image format: HEIC/HEIF and AVIF photos can't be used. "
    "Please upload a JPEG, PNG or WebP photo (on iPhone, choose 'Most Compatible')."
)
NOT_AN_IMAGE = "This file is not a readable image. Please upload a JPEG, PNG or WebP photo."
EMPTY_FILE = "The file is empty. Please upload a JPEG, PNG or WebP photo."
TOO_MANY_PIXELS = (
    "The image is too large. Please upload a photo of at most {megapixels} megapixels."
)
TOO_MANY_BYTES = "The image is too large. Please upload a file of at most {megabytes} MB."
# A small file that inflates to far more data than a photo needs.
TOO_MUCH_DATA = "The image is too large to process. Please upload a smaller photo."

# Brands in an ISO-BMFF 'ftyp' box that mean HEIF/HEIC/AVIF: what iPhones and many
# Android phones save by default, so these users deserve a specific hint.
_HEIF_BRANDS: Final = frozenset(
    {b"heic", b"heix", b"heim", b"heis", b"hevc", b"hevx", b"mif1", b"msf1", b"avif", b"avis"}
)
_HEIF_EXTENSIONS: Final = frozenset({".heic", ".heif", ".hif", ".avif"})
# Signatures of real image formats we do not take. Matching one only picks the
# friendlier "unsupported" message; these bytes are never handed to a decoder.
_OTHER_IMAGE_SIGNATURES: Final = (
    b"GIF87a",
    b"GIF89a",
    b"II*\x00",  # TIFF, little-endian
    b"MM\x00*",  # TIFF, big-endian
    b"II+\x00",  # BigTIFF
    b"MM\x00+",
    b"BM",  # BMP
    b"8BPS",  # Photoshop
    b"\x00\x00\x00\x0cjP  \r\n\x87\n",  # JPEG 2000 (JP2 container)
    b"\xff\x4f\xff\x51",  # JPEG 2000 codestream
    b"\x00\x00\x00\x0cJXL \r\n\x87\n",  # JPEG XL container
    b"\xff\x0a",  # JPEG XL codestream
    b"%!PS",  # PostScript / EPS
    b"\xc5\xd0\xd3\xc6",  # DOS EPS binary header
    b"\x00\x00\x01\x00",  # ICO
    b"\x00\x00\x02\x00",  # CUR
    b"DDS ",
    b"BLP1",
    b"BLP2",
    b"\x01\xda",  # SGI
    b"qoif",
)


class ImageRejected(ShopError):
    """An upload or catalog photo we will not use, with a message fit for the user.

    ``message`` names only the category of problem, never details of the file, so it
    is safe to show and cannot be used to probe the decoder. ``status`` is the HTTP
    status the API should answer with: 413 for too big, 400 otherwise.
    """


def decode_image(
    data: bytes,
    *,
    filename: str,
    max_bytes: int = DEFAULT_MAX_BYTES,
    max_pixels: int = DEFAULT_MAX_PIXELS,
    max_side: int | None = None,
) -> Image.Image:
    """Decode an untrusted JPEG, PNG or WebP into a fully loaded RGB image.

    With ``max_side``, the result fits in ``max_side`` x ``max_side`` (aspect kept):
    a JPEG is decoded at 1/2, 1/4 or 1/8 scale by libjpeg itself (``draft``), so
    a large photo costs a fraction of its full decode in time and memory; other
    formats are reduced once decoded (their cost is bounded by ``max_pixels``).

    Orientation from EXIF is applied, only the first frame of an animation is used,
    transparency is flattened onto white, and all metadata is dropped so nothing from
    the file (text chunks, EXIF, XMP) can leak to templates or the LLM. Raises
    ``ImageRejected`` for anything else.
    """
    _check_extension(filename, data)
    if not data:
        raise ImageRejected(EMPTY_FILE)
    if len(data) > max_bytes:
        raise ImageRejected(_too_many_bytes(max_bytes), status=413)

    # catch_warnings touches process-wide state; the explicit pixel cap below is the
    # real guard, this only backs it up when a caller raises max_pixels past
    # Pillow's own threshold.
    with warnings.catch_warnings():
        warnings.simplefilter("error", Image.DecompressionBombWarning)
        try:
            return _decode(data, max_pixels=max_pixels, max_side=max_side)
        except ImageRejected:
            raise
        except (Image.DecompressionBombError, Image.DecompressionBombWarning):
            raise ImageRejected(_too_many_pixels(max_pixels), status=413) from None
        except ValueError as exc:
            # Pillow's cap on inflated PNG text chunks (MAX_TEXT_CHUNK/MAX_TEXT_MEMORY)
            # is a zip bomb, so it gets the same status as a pixel bomb.
            if "Decompressed data too large" in str(exc):
                raise ImageRejected(TOO_MUCH_DATA, status=413) from None
            raise _unreadable(data, exc) from None
        # Decoders for hostile input raise almost anything (OSError, SyntaxError,
        # struct.error, EOFError, ZeroDivisionError, IndexError, MemoryError...), and
        # a bad photo must never become a 500 or kill a batch job.
        except Exception as exc:  # noqa: BLE001 - deliberate, see above; _unreadable logs it
            raise _unreadable(data, exc) from None


def decode_image_file(
    path: str | os.PathLike[str],
    *,
    max_bytes: int = DEFAULT_MAX_BYTES,
    max_pixels: int = DEFAULT_MAX_PIXELS,
) -> Image.Image:
    """Like ``decode_image``, reading the file only if its size is within the cap."""
    path = Path(path)
    _check_extension(path.name, b"")
    try:
        # stat first so a huge file is never read into memory just to be refused.
        if path.stat().st_size > max_bytes:
            raise ImageRejected(_too_many_bytes(max_bytes), status=413)
        with path.open("rb") as f:
            # Read one byte past the cap: the file may have grown since stat().
            data = f.read(max_bytes + 1)
    except OSError:
        raise ImageRejected(NOT_AN_IMAGE) from None
    return decode_image(data, filename=path.name, max_bytes=max_bytes, max_pixels=max_pixels)


def thumbnail_bytes(image: Image.Image, *, size: int = 400, quality: int = 85) -> bytes:
    """Re-encode ``image`` as a JPEG that fits in ``size`` x ``size``.

    The result is built from pixels alone, so it carries no metadata and none of the
    original bytes (a polyglot's appended HTML cannot survive). Safe to serve.
    """
    thumb = image.convert("RGB") if image.mode != "RGB" else image.copy()
    thumb.thumbnail((size, size), Image.Resampling.LANCZOS)
    # A fresh image from raw pixels has no info dict, EXIF, ICC profile or XMP.
    clean = Image.frombytes("RGB", thumb.size, thumb.tobytes())
    out = io.BytesIO()
    clean.save(out, format="JPEG", quality=quality, optimize=True)
    return out.getvalue()


def _check_extension(filename: str, data: bytes) -> None:
    extension = os.path.splitext(filename)[1].lower()
    if extension not in ALLOWED_EXTENSIONS:
        heif = extension in _HEIF_EXTENSIONS or _is_heif(data)
        raise ImageRejected(UNSUPPORTED_HEIF if heif else UNSUPPORTED_FORMAT)


def _decode(data: bytes, *, max_pixels: int, max_side: int | None = None) -> Image.Image:
    with Image.open(io.BytesIO(data), formats=list(_PILLOW_FORMATS)) as im:
        if im.format not in _ACCEPTED_OPENED_FORMATS:
            raise ImageRejected(UNSUPPORTED_FORMAT)
        width, height = im.size
        if width <= 0 or height <= 0:
            raise ImageRejected(NOT_AN_IMAGE)
        # Checked on the header, before load() allocates width*height*channels bytes.
        if width * height > max_pixels:
            raise ImageRejected(_too_many_pixels(max_pixels), status=413)
        if max_side is not None and im.format in ("JPEG", "MPO"):
            # The largest whole scale (1/2, 1/4, 1/8) that still covers the box the
            # result must fit; the decoder still reads every byte, so truncated and
            # corrupt files fail as before.
            ratio = max_side / max(width, height)
            im.draft(im.mode, (max(1, int(width * ratio)), max(1, int(height * ratio))))
        # No seek(): a freshly opened file is on frame 0, and later frames of APNG,
        # animated WebP or MPO are where the broken and oversized data tends to hide.
        im.load()
        pixels = im
        if _reducible(im, max_side):
            # Before flattening and converting, which would otherwise run at full size.
            pixels = im.reduce(-(-max(im.size) // max_side))
            if "exif" in im.info:
                pixels.info["exif"] = im.info["exif"]
        _exif_transpose(pixels)
        # Always a new plain Image: detached from the file object and from any
        # further frames, so callers cannot seek() into the untrusted rest.
        rgb = _to_rgb(pixels)
    if max_side is not None and max(rgb.size) > max_side:
        # Box averaging by a whole factor: fast, and on RGB whatever the source mode.
        rgb = rgb.reduce(-(-max(rgb.size) // max_side))
    # Text chunks, EXIF and XMP are attacker-controlled; callers never need them.
    rgb.info.clear()
    return rgb


def _reducible(im: Image.Image, max_side: int | None) -> bool:
    # Palette, bilevel and 16-bit pixels cannot be averaged as they are, nor can a
    # colour key (tRNS) that marks transparent pixels by exact value.
    return (
        max_side is not None
        and max(im.size) > max_side
        and im.mode in ("L", "LA", "RGB", "RGBA")
        and "transparency" not in im.info
    )


def _exif_transpose(im: Image.Image) -> None:
    # Malformed EXIF is common on real photos and the pixels are still fine, so a
    # failure here keeps the image as stored rather than rejecting it. In place, so
    # an upright photo (the usual case) costs no extra full-size copy.
    try:
        ImageOps.exif_transpose(im, in_place=True)
    except Exception:
        logger.info("Ignoring unreadable EXIF orientation", exc_info=True)


def _to_rgb(im: Image.Image) -> Image.Image:
    if im.mode.startswith("I;16") or im.mode == "I":
        im = _wide_grey_to_l(im)
    if im.mode == "CMYK":
        # Pillow's JPEG decoder already undoes Adobe's inverted CMYK.
        return im.convert("RGB")
    has_alpha = "A" in im.getbands() or "transparency" in im.info
    if not has_alpha:
        return im.convert("RGB")
    rgba = im if im.mode == "RGBA" else im.convert("RGBA")
    # Product photos with cut-out backgrounds are meant to be seen on white; the
    # plain convert("RGB") would put them on black. paste() with the alpha as mask
    # gives the same pixels as alpha_composite at a fifth of the time and memory.
    flat = Image.new("RGB", rgba.size, (255, 255, 255))
    flat.paste(rgba, mask=rgba)
    return flat


def _wide_grey_to_l(im: Image.Image) -> Image.Image:
    """Scale 16-bit greyscale down to 8 bits, keeping a tRNS key as an alpha band.

    A plain convert("L") clips everything above 255 to white instead of scaling.
    """
    wide = im.convert("I")
    grey = wide.point(lambda v: v * (255.0 / 65535.0)).convert("L")
    transparent = im.info.get("transparency")
    if not isinstance(transparent, int):
        return grey
    mask = ImageMath.lambda_eval(lambda a: (a["im"] != transparent) * 255, im=wide)
    grey.putalpha(mask.convert("L"))
    return grey.convert("LA")


def _unreadable(data: bytes, exc: BaseException) -> ImageRejected:
    logger.info("Rejected an unreadable image: %s: %s", type(exc).__name__, exc)
    return ImageRejected(_sniff_unsupported(data) or NOT_AN_IMAGE)


def _sniff_unsupported(data: bytes) -> str | None:
    """Name the problem for real images in other formats, without decoding them."""
    if _is_heif(data):
        return UNSUPPORTED_HEIF
    if data.startswith(_OTHER_IMAGE_SIGNATURES):
        return UNSUPPORTED_FORMAT
    return None


def _is_heif(data: bytes) -> bool:
    # The major brand, or a compatible brand listed in the rest of the ftyp box.
    return data[4:8] == b"ftyp" and (
        data[8:12] in _HEIF_BRANDS
        or any(data[i : i + 4] in _HEIF_BRANDS for i in range(16, min(len(data), 64), 4))
    )


def _too_many_pixels(max_pixels: int) -> str:
    return TOO_MANY_PIXELS.format(megapixels=max_pixels // 1_000_000)


def _too_many_bytes(max_bytes: int) -> str:
    return TOO_MANY_BYTES.format(megabytes=max_bytes // (1024 * 1024))
