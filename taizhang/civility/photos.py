"""Photos: checked like every upload, re-encoded as JPEG without any metadata (EXIF, GPS, maker notes), a
thumbnail, and blurred copies for publishing (Gaussian blur over rectangles staff draw or enter)."""

from __future__ import annotations

import base64
import binascii
import datetime
import hashlib
import io
import re
from dataclasses import dataclass
from typing import Any

from django.core.files.base import ContentFile
from PIL import Image, ImageFilter, ImageOps, UnidentifiedImageError

from taizhang.core.errors import InvalidInput
from taizhang.core.uploads import IMAGE_TYPES, check_upload

MAX_SIDE = 2048
THUMB_SIDE = 320
JPEG_QUALITY = 85
MAX_PIXELS = 40_000_000
DATA_URL_RE = re.compile(r"^data:image/(jpeg|jpg|png|webp);base64,(.+)$", re.DOTALL)


@dataclass
class CleanImage:
    data: bytes
    thumb: bytes
    width: int
    height: int
    sha256: str


def from_data_url(text: str, name: str = "照片.jpg") -> ContentFile[bytes]:
    match = DATA_URL_RE.match(text or "")
    if not match:
        raise InvalidInput("照片格式不正确", {"photos": ["照片格式不正确：只能上传 JPG、PNG、WEBP 图片"]})
    try:
        data = base64.b64decode(match.group(2), validate=False)
    except (binascii.Error, ValueError) as exc:
        raise InvalidInput("照片数据已损坏", {"photos": ["照片数据已损坏"]}) from exc
    return ContentFile(data, name=name)


def _open(data: bytes) -> Image.Image:
    Image.MAX_IMAGE_PIXELS = MAX_PIXELS
    try:
        image = Image.open(io.BytesIO(data))
        image.load()
    except (UnidentifiedImageError, OSError, Image.DecompressionBombError) as exc:
        raise InvalidInput("无法读取照片", {"photos": ["无法读取照片，请重新拍摄"]}) from exc
    return image


def _jpeg(image: Image.Image) -> bytes:
    out = io.BytesIO()
    # A fresh RGB image carries no info dict: nothing of the original's metadata is written.
    clean = Image.new("RGB", image.size)
    clean.paste(image.convert("RGB"))
    clean.save(out, "JPEG", quality=JPEG_QUALITY, optimize=True)
    return out.getvalue()


def clean_image(uploaded: Any) -> CleanImage:
    """Check the upload and return it without metadata, turned upright, at most MAX_SIDE wide or high."""
    check_upload(uploaded, IMAGE_TYPES)
    uploaded.seek(0)
    image = _open(uploaded.read())
    image = ImageOps.exif_transpose(image) or image
    image.thumbnail((MAX_SIDE, MAX_SIDE))
    data = _jpeg(image)
    thumb_img = image.copy()
    thumb_img.thumbnail((THUMB_SIDE, THUMB_SIDE))
    return CleanImage(data, _jpeg(thumb_img), image.width, image.height, hashlib.sha256(data).hexdigest())


def exif_taken_at(uploaded: Any) -> datetime.datetime | None:
    """DateTimeOriginal of the original (read before the metadata is dropped), if any."""
    try:
        uploaded.seek(0)
        image = Image.open(uploaded)
        value = image.getexif().get_ifd(0x8769).get(0x9003) or image.getexif().get(0x0132)
        uploaded.seek(0)
    except Exception:
        return None
    if not value:
        return None
    try:
        return datetime.datetime.strptime(str(value), "%Y:%m:%d %H:%M:%S")
    except ValueError:
        return None


def parse_regions(text: str, width: int, height: int) -> list[list[int]]:
    """Rectangles "x,y,w,h" one per line (pixels of the image), clipped to the image."""
    regions: list[list[int]] = []
    for n, line in enumerate((text or "").replace("；", "\n").replace(";", "\n").splitlines(), 1):
        line = line.strip()
        if not line:
            continue
        parts = [p.strip() for p in line.replace("，", ",").split(",")]
        try:
            x, y, w, h = (int(float(p)) for p in parts)
        except ValueError as exc:
            raise InvalidInput("模糊区域格式不正确", {"regions": [f"第{n}行应为“左,上,宽,高”四个数"]}) from exc
        x, y = max(0, x), max(0, y)
        w, h = min(w, width - x), min(h, height - y)
        if w <= 0 or h <= 0:
            raise InvalidInput("模糊区域超出图片范围", {"regions": [f"第{n}行的区域不在图片内"]})
        regions.append([x, y, w, h])
    return regions


def blurred(data: bytes, regions: list[list[int]], *, radius: int | None = None) -> bytes:
    """A JPEG copy with each rectangle blurred past recognition (faces, number plates)."""
    image = _open(data).convert("RGB")
    for x, y, w, h in regions:
        box = (x, y, x + w, y + h)
        r = radius or max(8, min(w, h) // 4)
        region = image.crop(box).filter(ImageFilter.GaussianBlur(r))
        image.paste(region, box)
    return _jpeg(image)
