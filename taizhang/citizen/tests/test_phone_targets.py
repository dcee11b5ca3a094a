"""At 390 px: the 随手拍 staff tabs and the report's unit picker are at least 44 px tall (they were ~20 px and 36 px),
and the public form tells the citizen when the phone's location is rough (accuracy worse than 200 m) beside 已定位,
in the status element screen readers announce, without changing what is submitted."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from django.test import Client
from playwright.sync_api import expect

from taizhang.citizen.models import IMPRECISE_LOCATION_M, Report

from .conftest import submit
from .test_browser import PHONE_VIEW, login

ROUGH = "较粗略，请同时在下方选择地点"
STATIC = Path(__file__).resolve().parents[1] / "static" / "citizen"


@pytest.mark.django_db
def test_staff_pages_load_the_apps_css_with_44px_targets_on_phones(world: Any) -> None:
    css = (STATIC / "staff.css").read_text(encoding="utf-8")
    phone = css[css.index("@media screen and (max-width: 600px)"):]
    assert re.search(r"\.tz-tabs a \{[^}]*min-height: 44px", phone)
    assert re.search(r"#dispatch-form \.tz-tree__toggle,[^{]*\{ min-height: 44px", phone)
    report = submit(world)
    client = Client()
    client.force_login(world.intake)
    for url in ("/citizen/reports/", "/citizen/", "/citizen/stats/", f"/citizen/reports/{report.pk}/"):
        html = client.get(url).content.decode()
        assert 'href="/static/citizen/staff.css' in html, url
    tabs = client.get("/citizen/reports/").content.decode()
    assert re.search(r'<nav class="tz-tabs">(?:(?!style=).)*?</nav>', tabs, re.S)  # no inline style


@pytest.mark.django_db
def test_the_report_form_says_a_rough_location_again_after_an_error(world: Any) -> None:
    page = Client().get("/public/report/").content.decode()
    status = re.search(r'<span[^>]* id="locate-status"[^>]*>', page)
    assert status is not None
    assert 'aria-live="polite"' in status.group(0) and f'data-imprecise-m="{IMPRECISE_LOCATION_M}"' in status.group(0)
    form = {"category": world.categories["garbage"].pk, "description": "", "lat": "30.25001", "lng": "120.16002"}
    rough = Client().post("/public/report/", {**form, "accuracy": "450.2"}).content.decode()
    assert f"已定位。定位精度约 451 米，{ROUGH}" in rough and "pub-locate--rough" in rough
    fine = Client().post("/public/report/", {**form, "accuracy": str(IMPRECISE_LOCATION_M)}).content.decode()
    assert ROUGH not in fine and "已定位" in fine
    script = (STATIC / "public.js").read_text(encoding="utf-8")
    assert ROUGH in script and "data-imprecise-m" in script


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_tap_targets_and_rough_location_on_a_phone(live_server: Any, browser: Any, world: Any) -> None:
    base = live_server.url
    report = submit(world)
    staff = browser.new_context(viewport=PHONE_VIEW, locale="zh-CN").new_page()
    login(staff, base, "intake")
    staff.goto(f"{base}/citizen/reports/")
    links = staff.locator("nav.tz-tabs a")
    assert links.count() == 5
    for i in range(links.count()):
        box = links.nth(i).bounding_box()
        assert box is not None and box["height"] >= 44, (links.nth(i).inner_text(), box)
    assert staff.evaluate("document.documentElement.scrollWidth") <= 390 + 1
    staff.goto(f"{base}/citizen/reports/{report.pk}/")
    picker = staff.locator("#dispatch-form .tz-tree__toggle")
    expect(picker).to_be_visible()
    box = picker.bounding_box()
    assert box is not None and box["height"] >= 44, box

    for accuracy, rough in ((450.2, True), (24.3, False)):
        citizen = browser.new_context(viewport=PHONE_VIEW, locale="zh-CN", permissions=["geolocation"],
                                      geolocation={"latitude": 30.2501, "longitude": 120.1602, "accuracy": accuracy})
        page = citizen.new_page()
        page.goto(f"{base}/public/report/")
        page.click("#locate")
        expect(page.locator("#id_lat")).not_to_have_value("", timeout=10000)
        text = page.locator("#locate-status").inner_text()
        assert text.startswith("已定位"), text
        if rough:
            assert f"定位精度约 451 米，{ROUGH}" in text, text
        else:
            assert ROUGH not in text and "精度约 25 米" in text, text
        # what is submitted is as before: the phone's accuracy in whole metres
        assert page.locator("#id_accuracy").input_value() == ("451" if rough else "25")
        citizen.close()
    assert Report.objects.count() == 1
