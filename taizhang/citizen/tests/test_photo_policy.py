"""A 随手拍 photo opened on its own (a tap on a thumbnail) is shown by the browser's image viewer, which fits it to
the screen with inline styles: the photo responses carry their own narrow policy (the image and those styles,
nothing else, sandboxed) instead of the pages' (style-src 'self'), so the viewer works without CSP errors. Pages keep
the site's policy."""

from __future__ import annotations

from typing import Any

import pytest
from django.conf import settings
from django.test import Client

from taizhang.citizen.photos import IMAGE_CSP

from .conftest import jpeg_with_gps, submit
from .test_browser import PHONE_VIEW, login


def test_the_policy_lets_the_viewer_style_the_image_and_nothing_else() -> None:
    parts = {p.split()[0]: p.split()[1:] for p in (x.strip() for x in IMAGE_CSP.split(";")) if p}
    assert parts == {
        "default-src": ["'none'"],
        "img-src": ["'self'"],
        "style-src": ["'unsafe-inline'"],
        "sandbox": ["allow-same-origin"],
    }  # sandboxed: no scripts (no allow-scripts), forms, pop-ups


@pytest.mark.django_db
def test_photo_responses_carry_the_image_policy(world: Any) -> None:
    report = submit(world, photos=[jpeg_with_gps()])
    photo = report.photos.get()
    public = Client()
    for url in (
        f"/public/track/{report.code}/photo/{photo.pk}/",
        f"/public/track/{report.code}/photo/{photo.pk}/thumb/",
    ):
        response = public.get(url)
        assert response.status_code == 200 and response["Content-Type"] == "image/jpeg", url
        assert response["Content-Security-Policy"] == IMAGE_CSP, url
        assert response["X-Content-Type-Options"] == "nosniff"
    # the tracking page itself keeps the site's policy
    page = public.get(f"/public/track/{report.code}/")
    assert page["Content-Security-Policy"] == settings.TAIZHANG_CSP
    staff = Client()
    staff.force_login(world.intake)
    for url in (f"/citizen/photos/{photo.pk}/", f"/citizen/photos/{photo.pk}/thumb/"):
        response = staff.get(url)
        assert response.status_code == 200 and response["Content-Security-Policy"] == IMAGE_CSP, url
    assert staff.get(f"/citizen/reports/{report.pk}/")["Content-Security-Policy"] == settings.TAIZHANG_CSP


def fitted(page: Any) -> bool:
    """The viewer's styles applied: the picture within the screen's width and centred on it (refused, the picture
    sits at the top of the screen)."""
    box = page.locator("img").bounding_box()
    assert box is not None
    return bool(
        box["x"] >= 0
        and box["x"] + box["width"] <= PHONE_VIEW["width"] + 1
        and abs(box["y"] + box["height"] / 2 - PHONE_VIEW["height"] / 2) <= 2
        and page.evaluate("document.documentElement.scrollWidth") <= PHONE_VIEW["width"] + 1
    )


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_a_tapped_photo_opens_fitted_without_csp_errors(live_server: Any, browser: Any, world: Any) -> None:
    report = submit(world, photos=[jpeg_with_gps(size=(1600, 1200))])
    photo = report.photos.get()
    base = live_server.url
    errors: list[str] = []

    def watch(page: Any) -> Any:
        page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
        return page

    citizen = watch(browser.new_context(viewport=PHONE_VIEW, locale="zh-CN").new_page())
    citizen.goto(f"{base}/public/track/{report.code}/")
    citizen.click(".pub-photos a")
    citizen.wait_for_url(f"**/photo/{photo.pk}/")
    citizen.wait_for_load_state("load")
    img = citizen.locator("img")
    assert img.count() == 1
    assert fitted(citizen)
    assert errors == []

    staff = watch(browser.new_context(viewport=PHONE_VIEW, locale="zh-CN").new_page())
    login(staff, base, "intake")
    staff.goto(f"{base}/citizen/reports/{report.pk}/")
    staff.click(".tz-thumbs a")
    staff.wait_for_url(f"**/citizen/photos/{photo.pk}/")
    staff.wait_for_load_state("load")
    assert fitted(staff)
    assert errors == []
