"""In real Chromium at a phone's width (390 px): a volunteer logs in with a one-time code, signs up for a shift,
checks in with the rotating code shown on the organiser's screen (the token is read from that page), checks out,
the organiser confirms the hours, and the volunteer sees the hours and the star."""

from __future__ import annotations

import datetime
import re
from decimal import Decimal
from typing import Any

import pytest

from taizhang.core.testing import PASSWORD, make_user

pytestmark = pytest.mark.browser
PHONE = {"width": 390, "height": 844}


def staff_login(page: Any, base: str, username: str) -> None:
    page.goto(f"{base}/accounts/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_load_state("networkidle")
    assert "/accounts/login/" not in page.url, page.content()[:2000]


def field_and_button_stacked(page: Any, field: str, button: str) -> None:
    """The usability review at 390 px: the field full width, its button below it (no overlap), both ≥ 40 px tall."""
    f, b = page.locator(field).bounding_box(), page.locator(button).bounding_box()
    assert f is not None and b is not None
    assert f["width"] >= 250, f
    assert f["height"] >= 40 and b["height"] >= 40, (f, b)
    assert f["y"] + f["height"] <= b["y"], ("the button must be below the field, not over it", f, b)
    label = page.locator(f"label[for='{page.locator(field).get_attribute('id')}']").bounding_box()
    assert label is None or label["height"] < 40, ("the label is squeezed to one character a line", label)


def controls_tall_enough(page: Any) -> None:
    """Every visible text box, list and picker of the page's forms is at least 40 px tall."""
    low = page.evaluate("""() => Array.from(document.querySelectorAll(
        '.vp-form input:not([type=hidden]):not([type=checkbox]), .vp-form select, .vp-form textarea, .tz-tree__toggle'))
      .map(e => [e.name || e.className, e.getBoundingClientRect()])
      .filter(([n, r]) => r.width > 2 && r.height < 40).map(([n, r]) => n + ':' + r.height)""")
    assert low == [], low


def organiser_token(page: Any, base: str, activity_id: int) -> str:
    page.goto(f"{base}/volunteers/activities/{activity_id}/qr/")
    return str(page.locator("#vol-qr").get_attribute("data-token"))


@pytest.mark.django_db(transaction=True)
def test_volunteer_signs_up_checks_in_is_confirmed_sees_hours_and_star(live_server: Any, browser: Any) -> None:
    from django.utils import timezone

    from taizhang.core.testing import make_tree
    from taizhang.volunteers import tokens
    from taizhang.volunteers.models import Activity, HourRecord, Shift, SignUp
    from taizhang.volunteers.tests.factories import make_activity, make_team, make_volunteer

    tree = make_tree()
    make_user("liaison", tree.street_a, username="organiser")
    team = make_team(tree.street_a, "东城红马甲志愿服务队")
    start = timezone.now() + datetime.timedelta(minutes=30)
    activity = make_activity(team, start=start, hours=3, capacity=5, title="周末社区清洁")
    volunteer = make_volunteer(tree.community_a1)
    HourRecord.objects.create(volunteer=volunteer, unit=tree.street_a, team=team, day=datetime.date(2024, 3, 5),
                              hours=Decimal(98), content="历年服务（导入）", source="import", status="confirmed")
    base = live_server.url
    pub = f"{base}/public/volunteers"

    phone = browser.new_context(locale="zh-CN", viewport=PHONE, is_mobile=True, has_touch=True).new_page()
    phone.goto(f"{pub}/login/")
    field_and_button_stacked(phone, "#id_phone", "button:has-text('获取验证码')")
    controls_tall_enough(phone)
    phone.fill("#id_phone", volunteer.phone)
    tokens.OUTBOX.clear()
    phone.click("text=获取验证码")
    phone.wait_for_load_state("networkidle")
    code = re.search(r"\d{6}", tokens.OUTBOX[-1][1]).group(0)  # type: ignore[union-attr]
    phone.fill("#id_code", code)
    phone.press("#id_code", "Enter")  # the Enter key logs in (it does not send another code)
    phone.wait_for_load_state("networkidle")
    assert "/me/" in phone.url, phone.content()[:1500]
    assert phone.evaluate("document.documentElement.scrollWidth") <= 390  # no sideways scrolling on a phone

    phone.goto(f"{pub}/activities/{activity.pk}/")
    phone.click("button:has-text('报名')")
    phone.wait_for_load_state("networkidle")
    assert SignUp.objects.get(volunteer=volunteer).state == "approved"

    organiser = browser.new_context(locale="zh-CN").new_page()
    staff_login(organiser, base, "organiser")
    token = organiser_token(organiser, base, activity.pk)
    phone.goto(f"{pub}/scan/{activity.pk}/?t={token}")
    phone.click("button:has-text('签到')")
    phone.wait_for_load_state("networkidle")
    assert "签到成功" in phone.content()
    assert SignUp.objects.get(volunteer=volunteer).state == "checked_in"
    # scanned again by accident: the page says when they checked in and will not check out without a tick
    phone.goto(f"{pub}/scan/{activity.pk}/?t={token}")
    assert "已于" in phone.locator("[data-checked-in]").inner_text()
    assert phone.locator("input[name=confirm_short]").is_visible()
    phone.click("button:has-text('签退')")
    phone.wait_for_timeout(300)
    assert SignUp.objects.get(volunteer=volunteer).state == "checked_in"

    # Three hours pass: move the stored times back instead of waiting.
    back = datetime.timedelta(hours=3, minutes=40)
    s = SignUp.objects.get(volunteer=volunteer)
    SignUp.objects.filter(pk=s.pk).update(checked_in_at=s.checked_in_at - back)
    for sh in Shift.objects.filter(activity=activity):
        Shift.objects.filter(pk=sh.pk).update(starts_at=sh.starts_at - back, ends_at=sh.ends_at - back)
    Activity.objects.filter(pk=activity.pk).update(starts_at=activity.starts_at - back,
                                                   ends_at=activity.ends_at - back)

    token = organiser_token(organiser, base, activity.pk)
    phone.goto(f"{pub}/scan/{activity.pk}/?t={token}")
    phone.click("button:has-text('签退')")
    phone.wait_for_load_state("networkidle")
    assert "签退成功" in phone.content()

    organiser.goto(f"{base}/volunteers/activities/{activity.pk}/")
    organiser.on("dialog", lambda d: d.accept())
    organiser.click("button:has-text('确认时长')")
    organiser.wait_for_load_state("networkidle")
    assert SignUp.objects.get(volunteer=volunteer).state == "confirmed"

    phone.goto(f"{pub}/me/")
    assert phone.locator("[data-hours]").inner_text().startswith("101")
    assert phone.locator("[data-star]").get_attribute("data-star") == "1"
    assert "★" in phone.locator("[data-star]").inner_text()
    assert volunteer.id_number not in phone.content() and volunteer.phone not in phone.content()
    field_and_button_stacked(phone, "#cert-team", "button:has-text('申请')")  # 志愿服务证明: the list not hidden


@pytest.mark.django_db(transaction=True)
def test_register_on_a_phone_keeps_the_form_when_the_code_is_sent(live_server: Any, browser: Any) -> None:
    from taizhang.core.testing import make_tree
    from taizhang.volunteers import tokens
    from taizhang.volunteers.tests.factories import resident_id

    make_tree()
    pub = f"{live_server.url}/public/volunteers"
    idn = resident_id(datetime.date(1988, 6, 1), 77)
    phone = browser.new_context(locale="zh-CN", viewport=PHONE, is_mobile=True, has_touch=True).new_page()
    phone.goto(f"{pub}/register/")
    field_and_button_stacked(phone, "#id_phone", "button:has-text('获取验证码')")
    controls_tall_enough(phone)
    phone.fill("#id_real_name", "陈志愿")
    phone.fill("#id_id_number", idn)
    phone.fill("#id_phone", "13912345670")
    phone.fill("#id_skills", "急救")
    tokens.OUTBOX.clear()
    phone.click("button:has-text('获取验证码')")
    phone.wait_for_load_state("networkidle")
    assert len(tokens.OUTBOX) == 1 and "验证码已发送" in phone.content()
    assert phone.input_value("#id_real_name") == "陈志愿" and phone.input_value("#id_id_number") == idn
    assert phone.input_value("#id_phone") == "13912345670" and phone.input_value("#id_skills") == "急救"
    assert idn not in phone.url and "13912345670" not in phone.url
    assert phone.evaluate("document.documentElement.scrollWidth") <= 390
    phone.fill("#id_code", "123456")
    phone.press("#id_code", "Enter")  # Enter registers (here: the missing area is reported), it sends no code
    phone.wait_for_load_state("networkidle")
    assert phone.url.endswith("/register/") and len(tokens.OUTBOX) == 1
    assert phone.locator(".tz-field__error").count() >= 1


def _volunteer_phone(browser: Any, live_server: Any, volunteer: Any, **context: Any) -> Any:
    """A phone at 390 px with the volunteer signed in (their session cookie, as the log-in sets it)."""
    from taizhang.volunteers import tokens

    ctx = browser.new_context(locale="zh-CN", viewport=PHONE, is_mobile=True, has_touch=True, **context)
    ctx.add_cookies([{"name": "tzpub_volunteer", "value": tokens.session_value(volunteer.pk, volunteer.phone_hash),
                      "url": live_server.url}])
    return ctx.new_page()


@pytest.mark.django_db(transaction=True)
def test_scan_page_reads_the_position_and_phone_targets_are_finger_sized(live_server: Any, browser: Any) -> None:
    """The phone walk: the scan page reads the position (the site's policy blocked it) and an activity with a
    check-in radius refuses a phone without one; filter fields, menus, 申诉 and the portal's boxes at 390 px."""
    from django.utils import timezone

    from taizhang.core.testing import make_tree
    from taizhang.volunteers import actions, tokens
    from taizhang.volunteers.models import HourRecord, SignUp
    from taizhang.volunteers.tests.factories import make_activity, make_team, make_volunteer

    tree = make_tree()
    team = make_team(tree.street_a)
    activity = make_activity(team, start=timezone.now() + datetime.timedelta(minutes=30), hours=2, capacity=5,
                             latitude=Decimal("30.274084"), longitude=Decimal("120.155070"), geofence_m=200)
    shift = activity.shifts.get()
    near, blocked = make_volunteer(tree.community_a1), make_volunteer(tree.community_a1)
    for v in (near, blocked):
        actions.sign_up(volunteer=v, shift=shift)
    HourRecord.objects.create(volunteer=near, unit=tree.street_a, team=team, day=datetime.date(2026, 3, 5),
                              hours=Decimal("2.88"), content="服务", source="manual", status="confirmed")
    pub = f"{live_server.url}/public/volunteers"
    scan = f"{pub}/scan/{activity.pk}/?t={tokens.make_checkin_token(activity.pk, shift.pk)}"

    # allowed: the position is read and kept with the check-in
    phone = _volunteer_phone(browser, live_server, near, permissions=["geolocation"],
                             geolocation={"latitude": 30.2741, "longitude": 120.1551})
    phone.goto(scan)
    # (a selector, not wait_for_function: the page's CSP forbids the eval that polling a JS string needs)
    phone.locator("[data-geo-note]:has-text('已获取您的位置')").wait_for(timeout=5000)
    assert phone.input_value("input[name=lat]") == "30.274100"
    phone.click("button:has-text('签到')")
    phone.wait_for_load_state("networkidle")
    signup = SignUp.objects.get(volunteer=near)
    assert signup.state == "checked_in" and signup.check_in_location.startswith("30.27410,")

    # not allowed: the page says so, and the check-in is refused with what to do
    other = _volunteer_phone(browser, live_server, blocked)
    other.goto(scan)
    other.locator("[data-geo-note]:has-text('未能获取您的位置')").wait_for(timeout=5000)
    assert other.input_value("input[name=lat]") == ""
    other.click("button:has-text('签到')")
    other.wait_for_load_state("networkidle")
    assert "手工补录服务时长" in other.locator(".tz-alert--error").inner_text()
    assert SignUp.objects.get(volunteer=blocked).state == "approved"

    def heights(selector: str) -> list[float]:
        return [b["height"] for b in (e.bounding_box() for e in phone.locator(selector).all()) if b]

    for path in ("/", "/teams/"):
        phone.goto(f"{pub}{path}")
        fields = heights(".tz-filters .tz-field")
        assert fields and max(fields) < 100, (path, fields)  # label and box, not 200 px each
        assert min(heights(".vp-nav a")) >= 44, path
    phone.goto(f"{pub}/me/")
    assert heights("a:has-text('申诉')") and min(heights("a:has-text('申诉')")) >= 44
    phone.goto(f"{live_server.url}/public/")
    boxes = heights("#portal-cert-number") + heights("#portal-cert-code")
    assert len(boxes) == 2 and min(boxes) >= 36, boxes  # the public site's text box, not a bare 17 px input
