"""Photos from citizens: checked (core.uploads), re-encoded without EXIF or location data, with a thumbnail.

Pillow decodes the image, applies the EXIF orientation (so the picture stays upright), and writes a new JPEG from
the pixels only: no EXIF block (GPS position, camera serial, time), no XMP, no ICC profile, no comments.
"""

from __future__ import annotations

import hashlib
import io
from dataclasses import dataclass
from typing import Any

from django.http import FileResponse
from PIL import Image, ImageOps, UnidentifiedImageError

from taizhang.core.errors import InvalidInput
from taizhang.core.uploads import IMAGE_TYPES, check_upload, safe_filename

MAX_PHOTOS = 6
MAX_SIDE = 1600
THUMB_SIDE = 320
MAX_PIXELS = 40_000_000  # refuse decompression bombs before decoding
NOT_AN_IMAGE = "照片无法识别，请选择 JPG 或 PNG 图片"
# A photo opened on its own (a tap on a thumbnail) is shown by the browser's image viewer, which styles the picture
# with inline styles (fitted to the screen, centred): the pages' policy (style-src 'self') would refuse them. The
# photo's own response gets this narrow policy instead: the image itself and those styles, nothing else, sandboxed
# (no scripts, forms or pop-ups). allow-same-origin keeps the viewer's own origin: without it the browser's request
# for /favicon.ico comes from an opaque origin and Cross-Origin-Resource-Policy: same-origin refuses it (an error in
# the console), and it grants nothing without allow-scripts.
IMAGE_CSP = "default-src 'none'; img-src 'self'; style-src 'unsafe-inline'; sandbox allow-same-origin"


def image_response(handle: Any, content_type: str = "image/jpeg") -> FileResponse:
    """A stored photo (an open file) as an inline image response with IMAGE_CSP. The security middleware sets the
    site's policy only on responses that have none, so this one is sent."""
    response = FileResponse(handle, content_type=content_type)
    response["Content-Security-Policy"] = IMAGE_CSP
    response["X-Content-Type-Options"] = "nosniff"
    return response


@dataclass(frozen=True)
class CleanPhoto:
    image: bytes
    thumb: bytes
    width: int
    height: int
    sha256: str


def _refuse(message: str) -> InvalidInput:
    return InvalidInput(message, {"photos": [message]})


def _encode(img: Image.Image, quality: int) -> bytes:
    out = io.BytesIO()
    img.save(out, format="JPEG", quality=quality, optimize=True, progressive=True)  # no exif= → none written
    return out.getvalue()


def clean_photo(f: Any) -> CleanPhoto:
    """Check and re-encode one uploaded photo. Raises InvalidInput (Chinese message) for anything else."""
    try:
        checked = check_upload(f, IMAGE_TYPES)
    except InvalidInput as exc:
        if "过大" in exc.message:  # the size limit says what to do; any other refusal: not a picture we can read
            raise
        name = safe_filename(str(getattr(f, "name", "") or ""))
        raise _refuse(f"{NOT_AN_IMAGE}（{name}）" if name else NOT_AN_IMAGE) from exc
    if hasattr(f, "seek"):
        f.seek(0)
    data = f.read()
    try:
        with Image.open(io.BytesIO(data)) as probe:
            if probe.width * probe.height > MAX_PIXELS:
                raise _refuse("照片像素过多，请压缩后再上传")
        with Image.open(io.BytesIO(data)) as src:
            src.load()
            img = ImageOps.exif_transpose(src) or src
            if img.mode not in ("RGB", "L"):
                background = Image.new("RGB", img.size, (255, 255, 255))
                rgba = img.convert("RGBA")
                background.paste(rgba, mask=rgba.split()[-1])
                img = background
            elif img.mode == "L":
                img = img.convert("RGB")
            img.info.clear()
            img.thumbnail((MAX_SIDE, MAX_SIDE))
            body = _encode(img, 82)
            small = img.copy()
            small.thumbnail((THUMB_SIDE, THUMB_SIDE))
            thumb = _encode(small, 70)
            width, height = img.size
    except (UnidentifiedImageError, OSError, ValueError, Image.DecompressionBombError) as exc:
        raise _refuse(f"{NOT_AN_IMAGE}（{checked.safe_name}，文件可能已损坏）") from exc
    return CleanPhoto(body, thumb, width, height, hashlib.sha256(body).hexdigest())


def has_metadata(data: bytes) -> bool:
    """True when a stored JPEG still carries EXIF/GPS (used by the tests and the self-check)."""
    with Image.open(io.BytesIO(data)) as img:
        exif = img.getexif()
        return bool(len(exif)) or "exif" in img.info or bool(exif.get_ifd(0x8825))
