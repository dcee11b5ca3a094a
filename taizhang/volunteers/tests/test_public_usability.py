"""Findings of the phone usability review of the volunteer pages (390 × 844): the phone field and its send-code
button, keeping the registration form when a code is sent, the scan page (time of check-in, a confirmation before a
check-out under ten minutes, what happened after a check-out, no dead ends), confirming a cancellation, years on
my sign-ups and the wording of the area picker. The layout itself is measured in test_browser.py."""

from __future__ import annotations

import datetime
import logging
import re
from pathlib import Path

import pytest
from django.test import Client
from django.utils import timezone

from taizhang.core.models import AuditEntry
from taizhang.volunteers import actions, tokens
from taizhang.volunteers.models import SignUp
from taizhang.volunteers.tests.factories import make_activity, make_team, make_volunteer, resident_id
from taizhang.volunteers.tests.test_public import P, login
from taizhang.volunteers.views import public_path

pytestmark = pytest.mark.django_db
CSS = Path(__file__).resolve().parents[1] / "static" / "volunteers" / "volunteers.css"


# --- 1, 2: the phone field and its send-code button stack on a phone ---------------------------------------------
@pytest.mark.parametrize("page", ["login", "register"])
def test_phone_field_and_send_button_are_one_form(tree, page):
    html = Client().get(f"{P}/{page}/").content.decode()
    assert html.count('name="phone"') == 1, "one phone field, not one for the code and another for the form"
    send = re.search(r"<button[^>]*formaction=\"/public/volunteers/code/\"[^>]*>获取验证码</button>", html)
    assert send is not None, html
    # the send button comes right after the phone field, before the code field
    assert html.index('name="phone"') < send.start() < html.index('name="code"')


def test_inline_forms_stack_on_phones_and_fields_are_tall_enough():
    css = CSS.read_text(encoding="utf-8")
    base = css.split("@media")[0]  # the rules for phones (no media query)
    inline = re.search(r"\.vp-inline\s*\{([^}]*)\}", base)
    assert inline is not None and "flex-direction: column" in inline.group(1)
    height = re.search(r"\.vp-main\s*\{[^}]*--tz-control-height:\s*(\d+)px", base)
    assert height is not None and int(height.group(1)) >= 40


def test_certificate_request_form_stacks(tree):
    from decimal import Decimal

    from taizhang.volunteers.models import HourRecord

    team = make_team(tree.street_a)
    v = make_volunteer(tree.community_a1)
    HourRecord.objects.create(volunteer=v, unit=tree.street_a, team=team, day=datetime.date(2026, 3, 5),
                              hours=Decimal(3), content="服务", source="manual", status="confirmed")
    c = Client()
    login(c, v)
    html = c.get(f"{P}/me/").content.decode()
    form = re.search(r'<form[^>]*certificates/request/[^>]*class="([^"]*)"', html)
    assert form is not None and "vp-inline" in form.group(1).split()  # .vp-inline stacks (see the CSS test)
    assert html.index('id="cert-team"') < html.index(">申请</button>")


# --- 3: sending the code keeps what was typed ----------------------------------------------------------------------
def test_send_code_keeps_every_typed_registration_field_and_logs_no_id_number(tree, caplog):
    idn = resident_id(datetime.date(1988, 6, 1), 654)
    data = {"real_name": "陈志愿", "id_type": "resident", "id_number": idn, "phone": "13912345670",
            "unit": str(tree.community_a1.pk), "skills": "急救、摄影", "agree": "on", "code": "",
            "purpose": "register"}
    tokens.OUTBOX.clear()
    with caplog.at_level(logging.DEBUG):
        r = Client().post(f"{P}/code/", data)
    assert r.status_code == 200 and not r.has_header("Location")  # no redirect: nothing typed goes into a URL
    html = r.content.decode()
    assert "验证码已发送" in html
    for value in ("陈志愿", idn, "13912345670", "急救、摄影"):
        assert f'value="{value}"' in html, value
    assert re.search(rf'<option value="{tree.community_a1.pk}"[^>]*selected', html)
    assert re.search(r'name="agree"[^>]*checked', html)
    assert "tz-field__error" not in html  # re-shown, not checked: no "此字段是必填项" under the empty code
    assert 'action="/public/volunteers/register/"' in html  # 注册 posts to the registration, not back to /code/
    assert tokens.OUTBOX and tokens.OUTBOX[-1][0] == "13912345670"
    assert idn not in caplog.text
    assert not any(idn in (e.message or "") or idn in str(e.after or "") for e in AuditEntry.objects.all())


def test_registration_send_code_error_keeps_the_form_too(tree):
    r = Client().post(f"{P}/code/", {"real_name": "陈志愿", "phone": "139", "skills": "摄影",
                                      "purpose": "register"})
    html = r.content.decode()
    assert r.status_code == 400 and "请填写11位手机号码" in html  # refused: 400, the page again
    assert 'value="陈志愿"' in html and 'value="摄影"' in html


# --- 4, 5: the scan page ---------------------------------------------------------------------------------------------
def _signed_up(tree, *, start_in=datetime.timedelta(minutes=30), hours=2):
    team = make_team(tree.street_a)
    start = timezone.now().replace(microsecond=0) + start_in
    activity = make_activity(team, start=start, hours=hours)
    shift = activity.shifts.get()
    v = make_volunteer(tree.community_a1)
    actions.sign_up(volunteer=v, shift=shift, now=min(timezone.now(), start - datetime.timedelta(minutes=1)))
    c = Client()
    login(c, v)
    return c, activity, shift, v


def test_scan_after_check_in_shows_the_time_and_confirms_a_short_check_out(tree):
    c, activity, shift, v = _signed_up(tree)
    token = tokens.make_checkin_token(activity.pk, shift.pk)
    c.post(f"{P}/scan/{activity.pk}/", {"t": token, "what": "in"})
    signup = SignUp.objects.get(volunteer=v)
    assert signup.state == "checked_in"
    html = c.get(f"{P}/scan/{activity.pk}/?t={token}").content.decode()
    assert f"已于 {timezone.localtime(signup.checked_in_at):%H:%M} 签到" in html
    assert "确认现在签退（服务时长将不足 10 分钟）" in html
    assert re.search(r'<input[^>]*name="confirm_short"[^>]*required', html)
    # without the confirmation nothing happens, and the question is asked again (once)
    r = c.post(f"{P}/scan/{activity.pk}/", {"t": token, "what": "out"})
    assert r.status_code == 200 and SignUp.objects.get(volunteer=v).state == "checked_in"
    assert r.content.decode().count("确认现在签退（服务时长将不足 10 分钟）") == 1
    # confirmed: checked out
    r = c.post(f"{P}/scan/{activity.pk}/", {"t": token, "what": "out", "confirm_short": "1"})
    assert r.status_code == 302 and SignUp.objects.get(volunteer=v).state == "checked_out"


def test_scan_an_hour_after_check_in_needs_no_confirmation(tree):
    c, activity, shift, v = _signed_up(tree)
    token = tokens.make_checkin_token(activity.pk, shift.pk)
    c.post(f"{P}/scan/{activity.pk}/", {"t": token, "what": "in"})
    SignUp.objects.filter(volunteer=v).update(checked_in_at=timezone.now() - datetime.timedelta(hours=1))
    html = c.get(f"{P}/scan/{activity.pk}/?t={token}").content.decode()
    assert "签退</button>" in html and "confirm_short" not in html
    r = c.post(f"{P}/scan/{activity.pk}/", {"t": token, "what": "out"})
    assert r.status_code == 302 and SignUp.objects.get(volunteer=v).state == "checked_out"


def test_short_check_out_needs_confirmation_in_the_action(tree):
    from taizhang.core.errors import InvalidTransition

    _c, activity, shift, v = _signed_up(tree)
    now = timezone.now()
    token = tokens.make_checkin_token(activity.pk, shift.pk, now=now.timestamp())
    actions.check_in(volunteer=v, activity=activity, token=token, now=now)
    with pytest.raises(InvalidTransition, match="不足10分钟"):
        actions.check_out(volunteer=v, activity=activity, token=token, now=now, confirm_short=False)
    record = actions.check_out(volunteer=v, activity=activity, token=token, now=now, confirm_short=True)
    assert record.hours == 0


def test_scan_after_check_out_says_what_happened_and_points_to_dispute(tree):
    c, activity, shift, v = _signed_up(tree)
    token = tokens.make_checkin_token(activity.pk, shift.pk)
    c.post(f"{P}/scan/{activity.pk}/", {"t": token, "what": "in"})
    c.post(f"{P}/scan/{activity.pk}/", {"t": token, "what": "out", "confirm_short": "1"})
    signup = SignUp.objects.get(volunteer=v)
    html = c.get(f"{P}/scan/{activity.pk}/?t={token}").content.decode()
    assert f"已于 {timezone.localtime(signup.checked_out_at):%H:%M} 签退" in html
    assert public_path("volunteers_public:dispute", signup.hour_record.pk) in html
    assert 'name="what"' not in html  # neither 签到 nor 签退 is offered
    # a stray 签到 after the check-out: said once, with the same explanation
    r = c.post(f"{P}/scan/{activity.pk}/", {"t": token, "what": "in"})
    body = r.content.decode()
    assert body.count("您已签到，不能重复签到。") <= 1 and 'name="what"' not in body
    assert public_path("volunteers_public:dispute", signup.hour_record.pk) in body


def test_scan_not_signed_up_links_to_the_activity(tree):
    _c, activity, shift, _v = _signed_up(tree, start_in=datetime.timedelta(hours=3))
    other = make_volunteer(tree.community_a1)
    c2 = Client()
    login(c2, other)
    html = c2.get(f"{P}/scan/{activity.pk}/?t={tokens.make_checkin_token(activity.pk, shift.pk)}").content.decode()
    assert "您没有报名这个班次" in html
    assert f'href="{public_path("volunteers_public:activity", activity.pk)}"' in html
    assert "去报名" in html  # the shift has not started: signing up is still possible
    assert 'name="what"' not in html


def test_scan_too_early_says_when_check_in_opens_without_a_button(tree):
    c, activity, shift, _v = _signed_up(tree, start_in=datetime.timedelta(hours=5))
    token = tokens.make_checkin_token(activity.pk, shift.pk)
    html = c.get(f"{P}/scan/{activity.pk}/?t={token}").content.decode()
    opens = timezone.localtime(shift.starts_at - actions.CHECKIN_EARLY)
    assert f"{opens:%H:%M}" in html and "开始签到" in html
    assert 'name="what"' not in html
    r = c.post(f"{P}/scan/{activity.pk}/", {"t": token, "what": "in"})
    body = r.content.decode()
    assert body.count("不在该班次的签到时间内") <= 1  # never twice (message and page)
    assert f"{opens:%H:%M}" in body and 'name="what"' not in body


# --- 6: cancelling a sign-up needs a confirmation --------------------------------------------------------------------
def test_cancel_needs_a_confirmation(tree):
    c, _activity, _shift, v = _signed_up(tree, start_in=datetime.timedelta(days=2))
    signup = SignUp.objects.get(volunteer=v)
    url = public_path("volunteers_public:cancel", signup.pk)
    me = c.get(f"{P}/me/").content.decode()
    assert f'href="{url}"' in me  # a link to the confirmation, not a one-tap form
    assert f'action="{url}"' not in me
    page = c.get(url).content.decode()
    assert "确认取消报名" in page and f'action="{url}"' in page
    c.post(url)  # no confirmation: nothing happens
    assert SignUp.objects.get(pk=signup.pk).state == "approved"
    r = c.post(url, {"confirm": "1"})
    assert r.status_code == 302 and SignUp.objects.get(pk=signup.pk).state == "cancelled"
    other = make_volunteer(tree.community_a2)
    c2 = Client()
    login(c2, other)
    assert c2.get(url).status_code == 404


# --- 7: my sign-ups show the year and are sorted by start time -------------------------------------------------------
def test_my_signups_show_the_year_newest_first(tree):
    team = make_team(tree.street_a)
    tz = timezone.get_current_timezone()
    v = make_volunteer(tree.community_a1)
    for day in (datetime.datetime(2025, 12, 17, 14, tzinfo=tz), datetime.datetime(2026, 1, 10, 9, tzinfo=tz),
                datetime.datetime(2026, 1, 3, 9, tzinfo=tz)):
        a = make_activity(team, start=day, hours=3, title=f"活动{day:%Y%m%d}")
        actions.sign_up(volunteer=v, shift=a.shifts.get(), now=day - datetime.timedelta(days=1))
    c = Client()
    login(c, v)
    html = c.get(f"{P}/me/").content.decode()
    assert "2025年12月17日 14:00—17:00" in html
    found = [html.index(t) for t in ("2026年1月10日", "2026年1月3日", "2025年12月17日")]
    assert found == sorted(found)


# --- 8: the area picker speaks to volunteers --------------------------------------------------------------------------
def test_register_area_picker_placeholder_is_for_volunteers(tree):
    html = Client().get(f"{P}/register/").content.decode()
    assert 'data-search-placeholder="输入街道或社区名称搜索"' in html
    assert "拼音首字母或代码" not in html
