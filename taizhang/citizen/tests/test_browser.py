"""The whole loop in real Chromium on a phone-sized page (390 px): a citizen reports with a photo and the phone's
location → intake staff dispatch → the unit handles (its pages never show the reporter) → verified → the citizen
sees the reply, rates it unhappy and reopens → handled again → closed and rated."""

from __future__ import annotations

import re
from typing import Any

import pytest
from playwright.sync_api import expect

from taizhang.core.testing import PASSWORD

from .conftest import PHONE, jpeg_with_gps

pytestmark = pytest.mark.browser
PHONE_VIEW = {"width": 390, "height": 844}


def login(page: Any, base: str, username: str) -> None:
    page.goto(f"{base}/accounts/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_load_state("networkidle")
    assert "/accounts/login/" not in page.url, page.content()[:2000]


@pytest.mark.django_db(transaction=True)
def test_citizen_report_full_loop_on_a_phone(live_server: Any, browser: Any, world: Any) -> None:
    from taizhang.cases import actions as cases
    from taizhang.cases.models import Case
    from taizhang.citizen.models import Report

    base = live_server.url
    citizen = browser.new_context(viewport=PHONE_VIEW, locale="zh-CN", permissions=["geolocation"],
                                  geolocation={"latitude": 30.2501, "longitude": 120.1602, "accuracy": 24.3})
    page = citizen.new_page()
    page.goto(f"{base}/public/report/")
    assert page.evaluate("document.documentElement.scrollWidth") <= 390 + 1  # no sideways scrolling
    page.click("label.pub-cat:has-text('乱停车')")
    page.select_option("select[name=attr_vehicle]", "car")
    page.fill("textarea[name=description]", "白色轿车停在盲道上")
    upload = jpeg_with_gps()
    page.set_input_files("#photos", files=[{"name": "p.jpg", "mimeType": "image/jpeg", "buffer": upload.read()}])
    page.click("#locate")
    # Polled through the locator, not wait_for_function: the page's CSP (no 'unsafe-eval') can refuse a string
    # predicate, depending on when Playwright first evaluates it.
    expect(page.locator("#id_lat")).not_to_have_value("", timeout=10000)
    page.fill("input[name=phone]", PHONE)
    page.click("button[type=submit]")
    shown = page.locator("#tracking-code").inner_text(timeout=15000).strip()
    code = page.locator("#tracking-code").get_attribute("data-code")
    assert code and shown.replace(" ", "") == code  # shown in groups of four
    report = Report.objects.get(code=code)
    assert report.lat == pytest.approx(30.2501, abs=1e-4) and report.photos.count() == 1
    assert report.location_accuracy_m == 25  # the phone's coords.accuracy, rounded up to whole metres
    assert report.area == world.tree.street_a  # the nearest place's street

    staff = browser.new_context(viewport=PHONE_VIEW, locale="zh-CN").new_page()
    login(staff, base, "intake")
    staff.goto(f"{base}/citizen/")
    staff.click(f"text={code}")
    assert "定位精度约 25 米" in staff.locator("#location-accuracy").inner_text()
    staff.click("#dispatch-form button[type=submit]")
    staff.wait_for_load_state("networkidle")
    report.refresh_from_db()
    assert report.status == Report.Status.DISPATCHED and report.unit == world.tree.street_a
    case = Case.objects.for_subject(report).get()

    unit = browser.new_context(viewport=PHONE_VIEW, locale="zh-CN").new_page()
    login(unit, base, "sa_liaison")
    for url in (f"{base}/cases/{case.pk}/", f"{base}/citizen/reports/{report.pk}/"):
        unit.goto(url)
        html = unit.content()
        assert "白色轿车" in html or "乱停车" in html, url
        assert PHONE not in html and code not in html, url
    cases.accept_case(acting_user=world.unit_user, case=case)
    cases.handle_case(acting_user=world.unit_user, case=case, reply="已挪车",
                      public_reply="车辆已挪走，已对车主批评教育")
    cases.verify_case(acting_user=world.intake, case=case, passed=True)

    page.goto(f"{base}/public/track/{code}/")
    assert "车辆已挪走" in page.locator("#reply").inner_text()
    page.click("#rate-form label:has-text('不满意')")
    page.click("#rate-form button[type=submit]")
    page.fill("#reopen-form textarea[name=reason]", "第二天又停回来了")
    page.click("#reopen-form button[type=submit]")
    page.wait_for_load_state("networkidle")
    assert "办理中" in page.locator("#state").inner_text()
    case.refresh_from_db()
    assert case.state == Case.State.REOPENED

    cases.handle_case(acting_user=world.unit_user, case=case, reply="再次处理", public_reply="已加装隔离桩")
    cases.verify_case(acting_user=world.intake, case=case, passed=True)
    page.goto(f"{base}/public/track/{code}/")
    assert "已加装隔离桩" in page.locator("#reply").inner_text()
    assert re.search("已办结", page.locator("#state").inner_text())
    assert page.locator("#reopen-form").count() == 0
    page.click("#rate-form label:has-text('基本满意')")
    page.click("#rate-form button[type=submit]")
    page.wait_for_load_state("networkidle")
    report.refresh_from_db()
    assert report.rating == "basically_satisfied" and report.status == Report.Status.CLOSED


def _height(page: Any, selector: str) -> float:
    box = page.locator(selector).first.bounding_box()
    assert box is not None, selector
    return float(box["height"])


@pytest.mark.django_db(transaction=True)
def test_report_form_on_a_phone_keeps_answers_and_tap_targets_are_large(live_server: Any, browser: Any,
                                                                          world: Any) -> None:
    from taizhang.citizen.models import Report

    base = live_server.url
    page = browser.new_context(viewport=PHONE_VIEW, locale="zh-CN").new_page()
    # tap targets on a 390 px phone: menu links, 查看全部 ›, file inputs, other apps' 查找 buttons ≥ 40 px
    page.goto(f"{base}/public/")
    for selector in (".pub-nav a", "a.pub-more"):
        assert _height(page, selector) >= 40, selector
    page.goto(f"{base}/public/volunteers/")
    assert _height(page, "button:has-text('查找')") >= 40
    page.goto(f"{base}/public/report/")
    assert _height(page, "#photos") >= 40
    assert page.locator("select[name=attr_facility]").is_hidden()
    # a wrong phone number: the page comes back with every answer, and says the photo must be chosen again
    page.click("label.pub-cat:has-text('设施损坏')")
    page.select_option("select[name=attr_facility]", "lamp")
    page.fill("textarea[name=description]", "路灯不亮")
    expect(page.locator("#description-count")).to_have_text("已输入 4 / 2000 字")
    page.select_option("select[name=place]", str(world.place_b.pk))
    page.fill("input[name=phone]", "1380013800")
    upload = jpeg_with_gps()
    page.set_input_files("#photos", files=[{"name": "p.jpg", "mimeType": "image/jpeg", "buffer": upload.read()}])
    page.click("button[type=submit]")
    expect(page.locator("#photos-dropped")).to_contain_text("照片需重新选择")
    assert page.locator("select[name=attr_facility]").is_visible()
    assert page.locator("select[name=attr_facility]").input_value() == "lamp"
    assert page.locator("select[name=place]").input_value() == str(world.place_b.pk)
    assert Report.objects.count() == 0
    page.fill("input[name=phone]", PHONE)
    page.click("button[type=submit]")
    expect(page.locator("#tracking-code")).to_be_visible(timeout=15000)
    page.reload()  # the success page is a GET: reloading sends nothing
    expect(page.locator("#tracking-code")).to_be_visible()
    report = Report.objects.get()
    assert report.answers.get("facility") == "lamp"
    assert page.locator("#tracking-code").get_attribute("data-code") == report.code
