"""The volunteer's side on the public site (/public/volunteers/ on the staff host): register with a one-time code,
log in, sign up, scan, see hours; never a staff session."""

from __future__ import annotations

import datetime
import re

import pytest
from django.test import Client
from django.utils import timezone

from taizhang.core.testing import make_user
from taizhang.volunteers import actions, certificates, tokens
from taizhang.volunteers.models import SignUp, Volunteer
from taizhang.volunteers.tests.factories import make_activity, make_team, make_volunteer, resident_id

pytestmark = pytest.mark.django_db
P = "/public/volunteers"


def last_code() -> str:
    return re.search(r"\d{6}", tokens.OUTBOX[-1][1]).group(0)  # type: ignore[union-attr]


def login(client: Client, volunteer: Volunteer) -> None:
    """The phone's way: 获取验证码 with the number, then only the code (the number is the pending one)."""
    tokens.OUTBOX.clear()
    client.post(f"{P}/code/", {"phone": volunteer.phone, "purpose": "login"})
    r = client.post(f"{P}/login/", {"code": last_code()})
    assert r.status_code == 302, r.content.decode()[:500]


def test_register_with_code_then_logged_in(tree):
    c = Client()
    tokens.OUTBOX.clear()
    c.post(f"{P}/code/", {"phone": "13912345678", "purpose": "register"})
    assert tokens.OUTBOX and tokens.OUTBOX[-1][0] == "13912345678"
    idn = resident_id(datetime.date(1988, 6, 1), 321)
    form = {"real_name": "陈志愿", "id_type": "resident", "id_number": idn, "phone": "13912345678",
            "unit": tree.community_a1.pk, "agree": "on"}
    r = c.post(f"{P}/register/", {**form, "code": "000000" if last_code() != "000000" else "111111"})
    assert r.status_code == 400 and "验证码错误" in r.content.decode()
    r = c.post(f"{P}/register/", {**form, "code": last_code()})
    assert r.status_code == 302
    v = Volunteer.objects.get()
    assert v.birth_date == datetime.date(1988, 6, 1)
    page = c.get(f"{P}/me/").content.decode()
    assert v.number in page and idn not in page and "13912345678" not in page


def test_login_code_is_one_time_and_limited(tree):
    v = make_volunteer(tree.community_a1)
    c = Client()
    login(c, v)
    assert c.get(f"{P}/me/").status_code == 200
    again = Client()
    r = again.post(f"{P}/login/", {"phone": v.phone, "code": last_code()})  # already used
    assert "验证码错误" in r.content.decode()
    assert again.get(f"{P}/me/").status_code == 302


def test_unknown_phone_gets_no_code_but_same_answer(tree):
    tokens.OUTBOX.clear()
    r = Client().post(f"{P}/code/", {"phone": "13500000000", "purpose": "login"}, follow=True)
    assert "如该手机号码可以使用" in r.content.decode()
    assert tokens.OUTBOX == []


def test_staff_session_is_not_a_volunteer_session(tree):
    staff = make_user("staff", tree.district)
    c = Client()
    c.force_login(staff)
    assert c.get(f"{P}/me/").status_code == 302  # to the volunteer log-in
    forged = Client()
    forged.cookies["tzpub_volunteer"] = "1:abc"
    assert forged.get(f"{P}/me/").status_code == 302


def test_sign_up_scan_and_see_hours(tree):
    team = make_team(tree.street_a)
    start = timezone.now() + datetime.timedelta(minutes=30)
    activity = make_activity(team, start=start, hours=2)
    shift = activity.shifts.get()
    v = make_volunteer(tree.community_a1)
    c = Client()
    login(c, v)
    assert "报名" in c.get(f"{P}/activities/{activity.pk}/").content.decode()
    c.post(f"{P}/shifts/{shift.pk}/sign-up/")
    assert SignUp.objects.get(volunteer=v).state == "approved"
    token = tokens.make_checkin_token(activity.pk, shift.pk)
    page = c.get(f"{P}/scan/{activity.pk}/?t={token}").content.decode()
    assert "签到" in page
    c.post(f"{P}/scan/{activity.pk}/", {"t": token, "what": "in", "lat": "", "lng": ""})
    assert SignUp.objects.get(volunteer=v).state == "checked_in"
    r = c.post(f"{P}/scan/{activity.pk}/", {"t": token, "what": "in"})
    assert "重复签到" in r.content.decode()
    r = c.post(f"{P}/scan/{activity.pk}/", {"t": "1.2.3.4", "what": "in"})
    assert "签到码无效" in r.content.decode()


def test_verify_page_valid_forged_revoked_shows_no_raw_personal_data(tree):
    from decimal import Decimal

    team = make_team(tree.street_a)
    v = make_volunteer(tree.community_a1)
    a, b = make_user("liaison", tree.street_a), make_user("liaison", tree.street_a)
    r = actions.add_manual_hours(acting_user=a, volunteer=v, team=team, day=timezone.localdate(),
                                 hours=Decimal(4), content="敬老")
    actions.second_approve(acting_user=b, record=r)
    cert = certificates.issue_certificate(acting_user=a, volunteer=v, issuer=team)
    c = Client()
    page = c.get(f"{P}/verify/?number={cert.number}&code={cert.verify_code}").content.decode()
    assert 'data-result="valid"' in page and v.id_number not in page and v.real_name not in page
    assert v.phone not in page
    assert 'data-result="wrong"' in c.get(f"{P}/verify/?number=ZYZM1&code=x").content.decode()
    certificates.revoke_certificate(acting_user=a, cert=cert, reason="有误")
    page = c.get(f"{P}/verify/?number={cert.number}&code={cert.verify_code}").content.decode()
    assert 'data-result="revoked"' in page


def test_volunteer_downloads_own_certificate_only(tree):
    from decimal import Decimal

    team = make_team(tree.street_a)
    v, other = make_volunteer(tree.community_a1), make_volunteer(tree.community_a1)
    a, b = make_user("liaison", tree.street_a), make_user("liaison", tree.street_a)
    r = actions.add_manual_hours(acting_user=a, volunteer=v, team=team, day=timezone.localdate(),
                                 hours=Decimal(4), content="敬老")
    actions.second_approve(acting_user=b, record=r)
    c = Client()
    login(c, v)
    c.post(f"{P}/certificates/request/", {"team": team.pk})
    cert = v.certificates.get()
    resp = c.get(f"{P}/certificates/{cert.pk}/download/")
    assert resp.status_code == 200 and resp.content[:2] == b"PK"
    o = Client()
    login(o, other)
    assert o.get(f"{P}/certificates/{cert.pk}/download/").status_code == 404


def test_rating_link(tree):
    from taizhang.volunteers import orders
    from taizhang.volunteers.models import Team

    station = make_team(tree.community_a1, "实践站", Team.Kind.STATION)
    team = make_team(tree.street_a)
    order = orders.place_order(acting_user=None, station=station, orderer_kind="community", orderer_name="东一社区",
                               category="lecture", title="理论宣讲进社区")
    orders.dispatch_order(acting_user=None, order=order, team=team)
    orders.accept_order(acting_user=None, order=order)
    orders.deliver_order(acting_user=None, order=order, note="已宣讲")
    c = Client()
    url = f"{P}/rate/{orders.rating_token(order)}/"
    assert c.post(url, {"rating": "4", "comment": "好"}).status_code == 302
    order.refresh_from_db()
    assert order.rating == 4
    assert c.get(f"{P}/rate/bad-token/").status_code == 404


def test_registration_says_an_id_is_taken_only_after_the_code(tree) -> None:
    """Whether an ID number is registered is personal data: a stranger typing ID numbers with a wrong code (or
    with a box left empty) learns nothing; the registrant who proved the phone is told to log in instead."""
    existing = make_volunteer(tree.community_a1)
    form = {"real_name": "陈志愿", "id_type": "resident", "id_number": existing.id_number, "phone": "13912345678",
            "unit": tree.community_a1.pk, "agree": "on"}
    c = Client()
    tokens.OUTBOX.clear()
    c.post(f"{P}/code/", {"phone": "13912345678", "purpose": "register"})
    wrong = "000000" if last_code() != "000000" else "111111"
    for data in ({**form, "code": wrong}, {**form, "agree": "", "code": wrong}):
        body = c.post(f"{P}/register/", data).content.decode()
        assert "已注册为志愿者" not in body and "已被注册" not in body
    body = c.post(f"{P}/register/", {**form, "code": last_code()}).content.decode()
    assert "该证件号码已注册为志愿者，请直接登录。" in body
    assert Volunteer.objects.count() == 1
