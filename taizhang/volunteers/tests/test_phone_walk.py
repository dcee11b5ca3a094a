"""Findings of the phone walk at 390 px on the volunteer pages: the scan page could not read the position (the
site's Permissions-Policy blocked geolocation) and an activity with a check-in radius took check-ins from anywhere;
a certificate could be looked up by its number alone; tall filter fields; the unstyled certificate check on the
portal; small tap targets; hours in three formats; the 随手拍 footer on pages without a description box. The
layout itself is measured in test_browser.py."""

from __future__ import annotations

import datetime
import io
import re
from decimal import Decimal
from pathlib import Path

import docx
import pytest
from django.core.cache import cache
from django.test import Client
from django.utils import timezone

from taizhang.core.errors import InvalidTransition
from taizhang.core.testing import make_user
from taizhang.volunteers import actions, certificates, tokens
from taizhang.volunteers.models import HourRecord, SignUp
from taizhang.volunteers.tests.factories import make_activity, make_team, make_volunteer
from taizhang.volunteers.tests.test_public import P, login

pytestmark = pytest.mark.django_db
STATIC = Path(__file__).resolve().parents[1] / "static" / "volunteers"
PUBLIC_CSS = Path(__file__).resolve().parents[2] / "citizen" / "static" / "citizen" / "public.css"
PLACE = {"latitude": Decimal("30.274084"), "longitude": Decimal("120.155070"), "geofence_m": 200}
HERE = {"lat": "30.274100", "lng": "120.155100"}  # a few metres from PLACE
FOOTER = "请勿在描述中填写他人的姓名"


def _scan_ready(tree, **place):
    """A volunteer signed in on a phone, approved for a shift that starts in 30 minutes, and the current code."""
    team = make_team(tree.street_a)
    activity = make_activity(team, start=timezone.now() + datetime.timedelta(minutes=30), hours=2, **place)
    shift = activity.shifts.get()
    v = make_volunteer(tree.community_a1)
    actions.sign_up(volunteer=v, shift=shift)
    c = Client()
    login(c, v)
    return c, activity, v, tokens.make_checkin_token(activity.pk, shift.pk)


def _policy(response) -> dict[str, str]:
    return dict(part.strip().split("=", 1) for part in response["Permissions-Policy"].split(","))


# --- 1. the scan page may read the position; with a radius, no position no check-in -------------------------------
def test_scan_page_allows_geolocation_for_itself_only(tree):
    c, activity, _v, token = _scan_ready(tree, **PLACE)
    r = c.get(f"{P}/scan/{activity.pk}/?t={token}")
    assert r.status_code == 200
    policy = _policy(r)
    assert policy["geolocation"] == "(self)"
    assert policy["camera"] == "()" and policy["microphone"] == "()"  # nothing else is opened
    refused = c.post(f"{P}/scan/{activity.pk}/", {"t": token, "what": "in"})  # the page again, with the refusal
    assert refused.status_code == 200 and _policy(refused)["geolocation"] == "(self)"
    assert _policy(c.get(f"{P}/"))["geolocation"] == "()"  # other pages keep the site's default


def test_radius_check_in_without_position_is_refused_with_what_to_do(tree):
    c, activity, v, token = _scan_ready(tree, **PLACE)
    html = c.post(f"{P}/scan/{activity.pk}/", {"t": token, "what": "in", "lat": "", "lng": ""}).content.decode()
    assert SignUp.objects.get(volunteer=v).state == "approved"
    error = re.search(r'<div class="tz-alert tz-alert--error">([^<]*)</div>', html)
    assert error is not None, html
    text = error.group(1)
    assert "200米范围内签到" in text and "没有获取到您的位置" in text
    assert "允许" in text and "重新扫码签到" in text  # what to do: allow the location and scan again
    assert "组织者" in text and "手工补录服务时长" in text  # … or the organiser records the hours
    assert 'type="submit">签到</button>' in html  # and the button is still there to try again
    c.post(f"{P}/scan/{activity.pk}/", {"t": token, "what": "in", **HERE})
    signup = SignUp.objects.get(volunteer=v)
    assert signup.state == "checked_in" and signup.check_in_location == "30.27410,120.15510"


def test_radius_check_out_without_position_is_refused_too(tree):
    _c, activity, v, _token = _scan_ready(tree, **PLACE)
    shift = activity.shifts.get()
    start = shift.starts_at
    token = tokens.make_checkin_token(activity.pk, shift.pk, now=start.timestamp())
    actions.check_in(volunteer=v, activity=activity, token=token, lat=30.2741, lng=120.1551, now=start)
    end = start + datetime.timedelta(hours=1)
    late = tokens.make_checkin_token(activity.pk, shift.pk, now=end.timestamp())
    with pytest.raises(InvalidTransition, match=r"200米范围内签退.*重新扫码签退"):
        actions.check_out(volunteer=v, activity=activity, token=late, now=end)
    with pytest.raises(InvalidTransition, match="不在活动地点附近"):
        actions.check_out(volunteer=v, activity=activity, token=late, lat=30.30, lng=120.155, now=end)
    record = actions.check_out(volunteer=v, activity=activity, token=late, lat=30.2741, lng=120.1551, now=end)
    assert record.hours == Decimal("1.00") and SignUp.objects.get(volunteer=v).check_out_location


def test_the_refusal_names_a_staff_path_that_exists(tree):
    """手工补录服务时长: the organiser's activity page has that form (one with EDIT_RECORDS in the team's unit)."""
    _c, activity, v, _token = _scan_ready(tree, **PLACE)
    organiser, second = make_user("liaison", tree.street_a), make_user("liaison", tree.street_a)
    staff = Client()
    staff.force_login(organiser)
    page = staff.get(f"/volunteers/activities/{activity.pk}/").content.decode()
    assert "手工补录时长" in page and f'action="/volunteers/activities/{activity.pk}/manual/#manual-hours"' in page
    record = actions.add_manual_hours(
        acting_user=organiser,
        volunteer=v,
        team=activity.team,
        day=timezone.localdate(),
        hours=Decimal(2),
        content=activity.title,
        activity=activity,
    )
    actions.second_approve(acting_user=second, record=record)
    v.refresh_from_db()
    assert v.total_hours == Decimal("2.0")


def test_without_a_radius_the_position_is_optional(tree):
    c, activity, v, token = _scan_ready(tree)
    html = c.get(f"{P}/scan/{activity.pk}/?t={token}").content.decode()
    note = re.search(r"<p[^>]*data-geo-note[^>]*>([^<]*)</p>", html)
    assert note is not None and "不允许也可以签到" in note.group(1) and "用于核验" not in note.group(1)
    assert "data-geo-required" not in html
    c.post(f"{P}/scan/{activity.pk}/", {"t": token, "what": "in", "lat": "", "lng": ""})
    signup = SignUp.objects.get(volunteer=v)
    assert signup.state == "checked_in" and signup.check_in_location == ""


def test_scan_note_with_a_radius_says_the_position_is_needed(tree):
    c, activity, _v, token = _scan_ready(tree, **PLACE)
    html = c.get(f"{P}/scan/{activity.pk}/?t={token}").content.decode()
    form = re.search(r"<form[^>]*data-geo[^>]*>", html)
    assert form is not None and "data-geo-required" in form.group(0) and 'data-geo-what="签到"' in form.group(0)
    note = re.search(r"<p[^>]*data-geo-note[^>]*>([^<]*)</p>", html)
    assert note is not None and "200米范围内" in note.group(1) and "允许" in note.group(1)
    js = (STATIC / "volunteers.js").read_text(encoding="utf-8")
    assert "data-geo-required" in js and "preventDefault" in js  # a form sent too early waits for the position


# --- 2. a certificate needs its number and its 核验码 ----------------------------------------------------------------
def _certificate(tree):
    team = make_team(tree.street_a)
    v = make_volunteer(tree.community_a1)
    a, b = make_user("liaison", tree.street_a), make_user("liaison", tree.street_a)
    r = actions.add_manual_hours(
        acting_user=a, volunteer=v, team=team, day=timezone.localdate(), hours=Decimal(4), content="敬老"
    )
    actions.second_approve(acting_user=b, record=r)
    return certificates.issue_certificate(acting_user=a, volunteer=v, issuer=team), v


def _answer(html: str) -> str:
    found = re.search(r'<div class="[^"]*" data-result="[^"]*">[^<]*</div>', html)
    return found.group(0) if found else ""


def test_number_alone_shows_nothing_and_a_wrong_pair_one_neutral_answer(tree):
    cache.clear()
    cert, v = _certificate(tree)
    c = Client()
    alone = c.get(f"{P}/verify/?number={cert.number}").content.decode()
    assert 'data-result="missing"' in alone and "请输入证明上的编号和核验码" in alone
    for secret in ("证明有效", v.number, "敬老", cert.issuer_name, "小时</td>"):
        assert secret not in alone, secret
    wrong = c.get(f"{P}/verify/?number={cert.number}&code=000000000000").content.decode()
    unknown = c.get(f"{P}/verify/?number=ZYZM2099010100001&code=000000000000").content.decode()
    assert "编号或核验码不正确" in _answer(wrong) and _answer(wrong) == _answer(unknown)
    assert v.number not in wrong and "证明有效" not in wrong
    assert Client().get(f"{P}/verify/?number={cert.number}&code=核验码").status_code == 200  # not ASCII: no 500
    good = c.get(f"{P}/verify/?number={cert.number}&code={cert.verify_code}").content.decode()
    assert 'data-result="valid"' in good and v.number in good


def test_verify_look_ups_are_limited_per_address(tree, monkeypatch):
    monkeypatch.setattr(certificates, "current_minute", lambda: 29_000_000)  # one minute, however slow the run
    cache.clear()
    cert, v = _certificate(tree)
    c = Client(REMOTE_ADDR="198.51.100.7")
    assert c.get(f"{P}/verify/").status_code == 200  # the empty form is not a look-up
    codes = [
        c.get(f"{P}/verify/?number=ZYZM2099010100{i:03d}&code=0").status_code
        for i in range(certificates.VERIFY_PER_MINUTE)
    ]
    assert codes == [200] * certificates.VERIFY_PER_MINUTE
    r = c.get(f"{P}/verify/?number={cert.number}&code={cert.verify_code}")
    html = r.content.decode()
    assert r.status_code == 429 and "核验过于频繁" in html and v.number not in html
    other = Client(REMOTE_ADDR="198.51.100.8").get(f"{P}/verify/?number={cert.number}&code={cert.verify_code}")
    assert other.status_code == 200 and 'data-result="valid"' in other.content.decode()
    monkeypatch.setattr(certificates, "current_minute", lambda: 29_000_001)  # the next minute
    assert c.get(f"{P}/verify/?number={cert.number}&code={cert.verify_code}").status_code == 200


# --- 3. filter fields are as tall as their content on a phone -----------------------------------------------------
def test_inline_filter_fields_do_not_grow_in_a_column(tree):
    css = (STATIC / "volunteers.css").read_text(encoding="utf-8")
    phone = re.sub(r"/\*.*?\*/", "", css, flags=re.S).split("@media")[0]  # the rules for phones
    rule = re.search(r"\.vp-inline \.tz-field\s*\{([^}]*)\}", phone)
    assert rule is not None and re.search(r"flex:\s*0 0 auto", rule.group(1))
    for page in ("", "teams/"):
        html = Client().get(f"{P}/{page}").content.decode()
        form = re.search(r'<form method="get" class="([^"]*)"', html)
        assert form is not None and {"tz-filters", "vp-inline"} <= set(form.group(1).split()), page


# --- 4. the portal's certificate check has styled text boxes ------------------------------------------------------
def test_portal_verify_inputs_are_text_boxes(tree):
    html = Client().get("/public/").content.decode()  # the portal's home page, with its 志愿服务证明核验 section
    for name in ("number", "code"):
        box = re.search(rf'<input[^>]*name="{name}"[^>]*>', html)
        assert box is not None
        assert 'type="text"' in box.group(0) and 'autocomplete="off"' in box.group(0), box.group(0)
    assert ".pub-field input[type=text]" in PUBLIC_CSS.read_text(encoding="utf-8")  # the style they get


# --- 5. tap targets --------------------------------------------------------------------------------------------------
def _tall(css: str, selector: str) -> bool:
    rule = re.search(re.escape(selector) + r"\s*\{([^}]*)\}", css)
    height = re.search(r"min-height:\s*(\d+)px", rule.group(1)) if rule else None
    return bool(
        rule
        and height
        and int(height.group(1)) >= 44
        and "inline-flex" in rule.group(1)
        and "align-items: center" in rule.group(1)
    )


def test_menu_and_dispute_links_are_finger_sized(tree):
    css = (STATIC / "volunteers.css").read_text(encoding="utf-8").split("@media")[0]
    assert _tall(css, ".vp-nav a") and _tall(css, ".vp-cell-link")
    team = make_team(tree.street_a)
    v = make_volunteer(tree.community_a1)
    HourRecord.objects.create(
        volunteer=v,
        unit=tree.street_a,
        team=team,
        day=datetime.date(2026, 3, 5),
        hours=Decimal(3),
        content="服务",
        source="manual",
        status="confirmed",
    )
    c = Client()
    login(c, v)
    html = c.get(f"{P}/me/").content.decode()
    link = re.search(r'<a[^>]*href="/public/volunteers/hours/\d+/dispute/"[^>]*>申诉</a>', html)
    assert link is not None and 'class="vp-cell-link"' in link.group(0)


# --- 6. hours: one decimal everywhere a volunteer sees them ----------------------------------------------------------
def test_format_hours():
    from taizhang.volunteers.models import format_hours

    assert [format_hours(x) for x in (Decimal(4), Decimal("3.80"), Decimal("2.88"), Decimal("2.85"), 0)] == [
        "4.0",
        "3.8",
        "2.9",
        "2.9",
        "0.0",
    ]
    assert format_hours(None) == "" and format_hours("x") == "" and format_hours(Decimal("NaN")) == ""


def test_my_page_shows_hours_in_one_format(tree):
    team = make_team(tree.street_a)
    v = make_volunteer(tree.community_a1)
    for hours in ("4", "3.80", "2.88"):
        HourRecord.objects.create(
            volunteer=v,
            unit=tree.street_a,
            team=team,
            day=datetime.date(2026, 3, 5),
            hours=Decimal(hours),
            content="服务",
            source="scan",
            status="confirmed",
        )
    actions.recompute_total(v)
    c = Client()
    login(c, v)
    html = c.get(f"{P}/me/").content.decode()
    cells = re.findall(r"<td>(\d+(?:\.\d+)?)</td>", html)
    assert sorted(cells) == ["2.9", "3.8", "4.0"], cells
    assert re.search(r"data-hours>10\.7<small>", html)  # 10.68 confirmed hours
    assert "（10.7小时）" in html  # the team in 申请证明


def test_certificate_and_check_out_message_use_the_same_format(tree):
    cert, _v = _certificate(tree)
    data = certificates.write_docx(cert)
    text = "\n".join(p.text for p in docx.Document(io.BytesIO(data)).paragraphs)
    assert "累计志愿服务时长4.0小时" in text
    cache.clear()
    page = Client().get(f"{P}/verify/?number={cert.number}&code={cert.verify_code}").content.decode()
    assert "<td>4.0小时</td>" in page
    c, activity, v, token = _scan_ready(tree)
    c.post(f"{P}/scan/{activity.pk}/", {"t": token, "what": "in"})
    SignUp.objects.filter(volunteer=v).update(checked_in_at=timezone.now() - datetime.timedelta(hours=1))
    r = c.post(f"{P}/scan/{activity.pk}/", {"t": token, "what": "out"}, follow=True)
    message = re.search(r"签退成功，本次服务([^小]*)小时", r.content.decode())
    assert message is not None and re.fullmatch(r"\d+\.\d", message.group(1)), message


# --- 7. the 随手拍 footer only where there is a box to describe something in --------------------------------------
def test_footer_only_on_pages_with_a_free_text_box(tree):
    _cert, v = _certificate(tree)
    activity = make_activity(make_team(tree.street_a))
    c = Client()
    for url in (
        f"{P}/",
        f"{P}/teams/",
        f"{P}/verify/",
        f"{P}/register/",
        f"{P}/login/",
        f"{P}/activities/{activity.pk}/",
    ):
        assert FOOTER not in c.get(url).content.decode(), url
    login(c, v)
    assert FOOTER not in c.get(f"{P}/me/").content.decode()
    dispute = c.get(f"{P}/hours/{HourRecord.objects.get(volunteer=v).pk}/dispute/").content.decode()
    assert "请勿在申诉理由中填写他人的姓名" in dispute and FOOTER not in dispute
