from __future__ import annotations

import io
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from taizhang.citizen.photos import clean_photo, has_metadata
from taizhang.core.errors import InvalidInput

from .conftest import jpeg_with_gps, submit


def test_clean_photo_strips_exif_and_gps() -> None:
    upload = jpeg_with_gps()
    upload.seek(0)
    assert has_metadata(upload.read())
    upload.seek(0)
    clean = clean_photo(upload)
    assert not has_metadata(clean.image)
    assert not has_metadata(clean.thumb)
    assert b"SecretCam" not in clean.image and b"GPS" not in clean.image
    with Image.open(io.BytesIO(clean.thumb)) as thumb:
        assert max(thumb.size) <= 320


def test_not_an_image_is_refused_in_chinese() -> None:
    with pytest.raises(InvalidInput) as exc:
        clean_photo(SimpleUploadedFile("x.jpg", b"%PDF-1.4 not a photo", content_type="image/jpeg"))
    assert exc.value.message.startswith("照片无法识别，请选择 JPG 或 PNG 图片")  # not "文件类型与内容不符"
    assert exc.value.errors == {"photos": [exc.value.message]}


@pytest.mark.django_db
def test_stored_photos_have_no_exif(world: Any) -> None:
    report = submit(world, photos=[jpeg_with_gps("a.jpg"), jpeg_with_gps("b.jpg")])
    photos = list(report.photos.all())
    assert len(photos) == 2
    for p in photos:
        with p.image.open("rb") as fh:
            data = fh.read()
        assert data.startswith(b"\xff\xd8") and not has_metadata(data)
        assert b"SecretCam" not in data


@pytest.mark.django_db
def test_more_than_six_photos_refused(world: Any) -> None:
    with pytest.raises(InvalidInput) as exc:
        submit(world, photos=[jpeg_with_gps(f"{i}.jpg", (40, 40)) for i in range(7)])
    assert "photos" in exc.value.errors
