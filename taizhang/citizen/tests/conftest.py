"""Fixtures of the 随手拍 tests: the test tree with places, a catalogue, intake staff and a handling unit."""

from __future__ import annotations

import io
from dataclasses import dataclass
from typing import Any

import pytest
from django.core.cache import cache
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from taizhang.core.testing import make_user

PHONE = "13912345678"


def jpeg_with_gps(name: str = "photo.jpg", size: tuple[int, int] = (640, 480)) -> SimpleUploadedFile:
    """A camera-like JPEG with EXIF including a GPS position and the camera model."""
    img = Image.new("RGB", size, (200, 80, 40))
    exif = Image.Exif()
    exif[0x010F] = "PhoneMaker"  # Make
    exif[0x0110] = "SecretCam 9"  # Model
    gps = {1: "N", 2: (30.0, 15.0, 12.5), 3: "E", 4: (120.0, 10.0, 1.0)}
    exif[0x8825] = gps
    out = io.BytesIO()
    img.save(out, format="JPEG", exif=exif.tobytes())
    return SimpleUploadedFile(name, out.getvalue(), content_type="image/jpeg")


@dataclass
class World:
    tree: Any
    intake: Any
    street_intake: Any
    unit_user: Any
    unit_manager: Any
    categories: dict[str, Any]
    place_a: Any
    place_b: Any


@pytest.fixture(autouse=True)
def _clear_cache() -> None:
    cache.clear()


@pytest.fixture
def world(tree: Any) -> World:
    from taizhang.citizen.models import Category, DispatchRule, Place

    cats = {c.key: c for c in Category.objects.all()}
    place_a = Place.objects.create(name="人民路", kind=Place.Kind.ROAD, area=tree.street_a, lat=30.2500, lng=120.1600)
    place_b = Place.objects.create(name="西城广场", kind=Place.Kind.LANDMARK, area=tree.street_b, lat=30.2600,
                                   lng=120.1000)
    for cat in cats.values():
        DispatchRule.objects.create(category=cat, area=tree.street_a, unit=tree.street_a)
        DispatchRule.objects.create(category=cat, area=tree.street_b, unit=tree.street_b)
    return World(
        tree=tree,
        intake=make_user("staff", tree.district, username="intake"),
        street_intake=make_user("staff", tree.street_b, username="sb_intake"),
        unit_user=make_user("liaison", tree.street_a, username="sa_liaison"),
        unit_manager=make_user("staff", tree.street_a, username="sa_staff"),
        categories=cats, place_a=place_a, place_b=place_b,
    )


def submit(world: World, **kw: Any) -> Any:
    from taizhang.citizen import actions

    data: dict[str, Any] = {"category": world.categories["garbage"], "description": "路边垃圾成堆",
                            "place": world.place_a}
    data.update(kw)
    return actions.submit_report(**data)
