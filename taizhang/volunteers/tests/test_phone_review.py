"""Findings of a volunteer's walk through the public pages on a 390 px phone (registration, log-in, sign-up, scan,
my page, dispute, verification, rating): each assertion is one defect the screenshots showed."""

from __future__ import annotations

import datetime
import re
from decimal import Decimal
from pathlib import Path

import pytest
from django.test import Client
from django.utils import timezone

from taizhang.volunteers import tokens
from taizhang.volunteers.models import HourRecord, ServiceOrder, SignUp
from taizhang.volunteers.tests.factories import make_activity, make_team, make_volunteer
from taizhang.volunteers.tests.test_public import P, login

pytestmark = pytest.mark.django_db
CSS = Path(__file__).resolve().parents[1] / "static" / "volunteers" / "volunteers.css"


def _errors_of(html: str, name: str) -> str:
    """The error block under field `name` (rendered by public/_field.html), or ""."""
    m = re.search(rf'id="id_{name}_error">(.*?)</div></div>', html, re.S)
    return m.group(1) if m else ""


def test_no_template_comment_shows_as_text(tree):
    """A {# … #} comment over two lines is not a comment in Django: the scan and verify pages showed it as text."""
    team = make_team(tree.street_a)
    activity = make_activity(team, start=timezone.now() + datetime.timedelta(minutes=30))
    v = make_volunteer(tree.community_a1)
    from taizhang.volunteers import actions

    actions.sign_up(volunteer=v, shift=activity.shifts.get())
    c = Client()
    login(c, v)
    token = tokens.make_checkin_token(activity.pk, activity.shifts.get().pk)
    scan = c.get(f"{P}/scan/{activity.pk}/", {"t": token}).content.decode()
    assert 'name="what" value="in"' in scan, "the check-in form is shown"
    verify = Client().get(f"{P}/verify/", {"number": "ZYZM1", "code": "X"}).content.decode()
    for html in (scan, verify):
        assert "{#" not in html and "#}" not in html
    tpl = Path(__file__).resolve().parents[1] / "templates" / "volunteers" / "public"
    for path in tpl.glob("*.html"):
        for line in path.read_text(encoding="utf-8").splitlines():
            assert line.count("{#") == line.count("#}"), (path.name, line)


def test_register_send_code_refusal_beside_phone_and_code_note_beside_code(tree):
    c = Client()
    typed = {"real_name": "陈志愿", "id_type": "resident", "purpose": "register"}
    r = c.post(f"{P}/code/", {**typed, "phone": "1391234"})
    html = r.content.decode()
    assert r.status_code == 400
    assert "11位手机号码" in _errors_of(html, "phone"), "the problem beside the phone field, not above the page"
    assert 'value="陈志愿"' in html and 'value="1391234"' in html, "what was typed is kept"
    assert "请填写" not in _errors_of(html, "real_name"), "no 必填 noise on the other fields"
    tokens.OUTBOX.clear()
    r = c.post(f"{P}/code/", {**typed, "phone": "13912345678"})
    html = r.content.decode()
    assert r.status_code == 200 and tokens.OUTBOX
    code_input = re.search(r'<input[^>]*name="code"[^>]*>', html)
    assert code_input is not None and "autofocus" in code_input.group(0), "the cursor goes to the code box"
    note = re.search(r'id="id_code_helptext">([^<]*)<', html)
    assert note is not None and "139****5678" in note.group(1) and "10分钟" in note.group(1)
    assert "13912345678" not in note.group(1)


def test_register_shows_every_problem_at_once(tree):
    """A bad 证件号码 was only reported after 所在街道 and 同意 were fixed: one round per problem."""
    r = Client().post(f"{P}/register/", {"real_name": "陈志愿", "id_type": "resident",
                                        "id_number": "11010119900304123X", "phone": "13912345678", "code": "123456"})
    html = r.content.decode()
    assert r.status_code == 400
    assert "身份证号码无效" in _errors_of(html, "id_number")
    assert _errors_of(html, "unit") and _errors_of(html, "agree")
    assert not _errors_of(html, "birth_date"), "a birth date left empty (allowed) is not reported here"


def test_login_bad_phone_beside_field_and_code_step_focused(tree):
    c = Client()
    r = c.post(f"{P}/code/", {"phone": "123", "purpose": "login"})
    assert r.status_code == 400
    assert "11位手机号码" in _errors_of(r.content.decode(), "phone")
    v = make_volunteer(tree.community_a1)
    r = c.post(f"{P}/code/", {"phone": v.phone, "purpose": "login"}, follow=True)
    code_input = re.search(r'<input[^>]*name="code"[^>]*>', r.content.decode())
    assert code_input is not None and "autofocus" in code_input.group(0)


def test_sign_up_message_says_what_to_do_next(tree):
    team = make_team(tree.street_a)
    activity = make_activity(team)
    v = make_volunteer(tree.community_a1)
    c = Client()
    login(c, v)
    r = c.post(f"{P}/shifts/{activity.shifts.get().pk}/sign-up/", follow=True)
    html = r.content.decode()
    assert SignUp.objects.get(volunteer=v).state == "approved"
    assert "扫描组织者出示的签到码签到" in html
    me = c.get(f"{P}/me/").content.decode()
    assert "到场后扫描组织者出示的签到码签到" in me, "my sign-ups say what to do on the day"


def test_my_page_hours_table_and_empty_certificates(tree):
    v = make_volunteer(tree.community_a1)
    c = Client()
    login(c, v)
    html = c.get(f"{P}/me/").content.decode()
    assert 'data-empty="certificates"' in html and "申请证明" in html, "an empty 证明 section says how to get one"
    assert "暂无服务时长记录" in html
    team = make_team(tree.street_a)
    HourRecord.objects.create(volunteer=v, unit=tree.street_a, team=team, day=datetime.date(2026, 3, 5),
                              hours=Decimal(3), content="服务", source="manual", status="confirmed")
    html = c.get(f"{P}/me/").content.decode()
    assert 'data-empty="certificates"' not in html, "with hours to certify the request form is shown instead"
    assert 'class="vp-table vp-hours"' in html and 'class="vp-hours__content"' in html
    css = CSS.read_text(encoding="utf-8")
    # the hours table on a phone: 时长 / 状态 / 申诉 were broken one character a line
    assert re.search(r"\.vp-hours th, \.vp-hours td \{[^}]*white-space: nowrap", css)


@pytest.mark.parametrize("bad", ["nan", "-1", "13", "inf", "abc"])
def test_dispute_bad_hours_beside_field_reason_kept(tree, bad):
    team = make_team(tree.street_a)
    v = make_volunteer(tree.community_a1)
    record = HourRecord.objects.create(volunteer=v, unit=tree.street_a, team=team, day=datetime.date(2026, 3, 5),
                                       hours=Decimal(3), content="服务", source="manual", status="confirmed")
    c = Client()
    login(c, v)
    r = c.post(f"{P}/hours/{record.pk}/dispute/", {"reason": "实际服务到12点", "claimed_hours": bad})
    html = r.content.decode()
    assert r.status_code == 400
    assert _errors_of(html, "claimed_hours"), html[-2000:]
    assert "实际服务到12点" in html


def test_rate_page_choices_are_a_group_of_rows(tree):
    from taizhang.core.testing import make_user
    from taizhang.volunteers import orders
    from taizhang.volunteers.models import Team

    station = make_team(tree.community_a1, "东一社区新时代文明实践站", Team.Kind.STATION)
    team = make_team(tree.street_a, "东城维修志愿服务队")
    station_staff, team_staff = make_user("liaison", tree.community_a1), make_user("liaison", tree.street_a)
    order = orders.place_order(acting_user=station_staff, station=station, orderer_kind="resident",
                               orderer_name="赵阿姨", orderer_phone="13800001111", category="repair",
                               title="修理楼道灯")
    orders.dispatch_order(acting_user=station_staff, order=order, team=team)
    orders.accept_order(acting_user=team_staff, order=order)
    orders.deliver_order(acting_user=team_staff, order=order, note="更换灯泡两只")
    url = f"{P}/rate/{orders.rating_token(order)}/"
    html = Client().get(url).content.decode()
    assert 'novalidate' in html, "a missing choice answered in Chinese beside it, not by the browser's bubble"
    assert "<fieldset" in html and "<legend>评价</legend>" in html
    assert html.count('class="vp-check vp-choice"') == 5
    r = Client().post(url, {"comment": "好"})
    assert r.status_code == 400 and _errors_of(r.content.decode(), "rating")
    r = Client().post(url, {"rating": "4", "comment": "好"}, follow=True)
    assert ServiceOrder.objects.get(pk=order.pk).state == ServiceOrder.State.RATED
    assert "已评价：满意" in r.content.decode(), "the rating in the words it was chosen by, not 4星"


def test_rate_page_layout_rules():
    css = CSS.read_text(encoding="utf-8")
    assert re.search(r"\.vp-form \.vp-choices \.vp-choice input \{[^}]*width: 20px", css), \
        "a radio box was stretched to the full width above its label"
    assert re.search(r"\.vp-check \{[^}]*min-height: 44px", css), "checkbox rows are 44 px tap targets"


def test_an_invalid_resident_id_does_not_also_ask_for_the_birth_date():
    """The birth date comes from a resident ID; a wrong ID is one problem, not also 请填写出生日期."""
    from taizhang.volunteers.actions import validate_person

    errors = validate_person({"real_name": "陈志愿", "id_type": "resident", "id_number": "123",
                              "phone": "13912345678"})
    assert errors["id_number"] == ["身份证号码无效，请核对。"] and "birth_date" not in errors
    other = validate_person({"real_name": "陈志愿", "id_type": "passport", "id_number": "E12345678",
                             "phone": "13912345678"})
    assert other["birth_date"] == ["请填写出生日期。"]  # no ID to read it from: still asked for
