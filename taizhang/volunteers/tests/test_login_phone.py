"""The volunteer's phone number between 获取验证码 and 登录: kept in an encrypted ten-minute cookie, never in a URL
(access logs, browser history, Referer), shown masked on the code page with 更换号码 and 重新获取验证码."""

from __future__ import annotations

import datetime
import re
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone
from lxml import html as lxml_html

from taizhang.core.crypto import mask
from taizhang.volunteers import tokens
from taizhang.volunteers.models import LoginCode
from taizhang.volunteers.public_views import PENDING_COOKIE
from taizhang.volunteers.tests.factories import make_volunteer
from taizhang.volunteers.tests.test_public import P, last_code

pytestmark = pytest.mark.django_db


def links(response: Any) -> list[str]:
    """Every address a page holds: links, form actions, sources."""
    page = lxml_html.fromstring(response.content.decode())
    return [str(v) for v in page.xpath("//@href | //@action | //@src | //@formaction")]


def assert_no_phone_in_addresses(response: Any, phone: str) -> None:
    assert phone not in response.get("Location", ""), response.get("Location")
    if response.status_code == 200 and response.content:
        for address in links(response):
            assert phone not in address, address


def send(client: Client, phone: str, **extra: Any) -> Any:
    tokens.OUTBOX.clear()
    return client.post(f"{P}/code/", {"phone": phone, "purpose": "login", **extra})


def test_send_code_redirects_without_the_phone_and_keeps_it_encrypted(tree: Any) -> None:
    v = make_volunteer(tree.community_a1)
    c = Client()
    r = send(c, v.phone)
    assert r.status_code == 302 and r["Location"] == f"{P}/login/"
    assert_no_phone_in_addresses(r, v.phone)
    cookie = r.cookies[PENDING_COOKIE]
    assert cookie.value and v.phone not in cookie.value and v.phone[-4:] not in cookie.value
    assert cookie["httponly"] and cookie["path"] == f"{P}/" and int(cookie["max-age"]) == tokens.PENDING_MAX_AGE
    assert tokens.read_pending_login(cookie.value) == v.phone
    assert tokens.OUTBOX and tokens.OUTBOX[-1][0] == v.phone


def test_code_page_shows_the_number_masked_and_logs_in_with_the_code_only(tree: Any) -> None:
    v = make_volunteer(tree.community_a1)
    c = Client()
    send(c, v.phone)
    page = c.get(f"{P}/login/")
    body = page.content.decode()
    assert page.status_code == 200 and mask(v.phone, "phone") in body and v.phone not in body
    assert re.fullmatch(r"\d{3}\*{4}\d{4}", mask(v.phone, "phone"))
    assert 'name="phone"' not in body and 'name="code"' in body and 'id="change-phone"' in body
    assert_no_phone_in_addresses(page, v.phone)
    done = c.post(f"{P}/login/", {"code": last_code()})
    assert done.status_code == 302 and done["Location"] == f"{P}/me/"
    assert_no_phone_in_addresses(done, v.phone)
    assert done.cookies[PENDING_COOKIE].value == ""  # the pending number is forgotten once logged in
    me = c.get(f"{P}/me/")
    assert me.status_code == 200 and v.phone not in me.content.decode()


def test_wrong_code_keeps_the_code_page(tree: Any) -> None:
    v = make_volunteer(tree.community_a1)
    c = Client()
    send(c, v.phone)
    code = last_code()
    r = c.post(f"{P}/login/", {"code": "000000" if code != "000000" else "111111"})
    body = r.content.decode()
    assert r.status_code == 400 and "验证码错误" in body and mask(v.phone, "phone") in body
    assert_no_phone_in_addresses(r, v.phone)
    assert c.post(f"{P}/login/", {"code": code}).status_code == 302


def test_change_number_forgets_the_pending_phone(tree: Any) -> None:
    v = make_volunteer(tree.community_a1)
    c = Client()
    send(c, v.phone, next=f"{P}/teams/")
    code_page = c.get(f"{P}/login/?next={P}/teams/")
    change = lxml_html.fromstring(code_page.content.decode()).xpath("//a[@id='change-phone']/@href")[0]
    assert v.phone not in change and "next=" in change
    r = c.get(change)
    assert r.status_code == 302 and r["Location"] == f"{P}/login/?next=%2Fpublic%2Fvolunteers%2Fteams%2F"
    assert r.cookies[PENDING_COOKIE].value == ""
    form = c.get(r["Location"]).content.decode()
    assert 'name="phone"' in form and mask(v.phone, "phone") not in form


def test_resend_uses_the_pending_number(tree: Any) -> None:
    v = make_volunteer(tree.community_a1)
    c = Client()
    send(c, v.phone)
    again = c.post(f"{P}/code/", {"purpose": "login"})  # 重新获取验证码 within the minute: refused, page kept
    assert again.status_code == 302 and again["Location"] == f"{P}/login/"
    assert "秒后再获取验证码" in c.get(f"{P}/login/").content.decode()
    LoginCode.objects.update(created_at=timezone.now() - datetime.timedelta(minutes=2))
    tokens.OUTBOX.clear()
    later = c.post(f"{P}/code/", {"purpose": "login"})
    assert later.status_code == 302 and tokens.OUTBOX and tokens.OUTBOX[-1][0] == v.phone
    assert_no_phone_in_addresses(later, v.phone)
    assert LoginCode.objects.count() == 2  # the refused resend made none
    assert c.post(f"{P}/login/", {"code": last_code()})["Location"] == f"{P}/me/"


def test_next_survives_the_two_steps(tree: Any) -> None:
    v = make_volunteer(tree.community_a1)
    c = Client()
    r = send(c, v.phone, next=f"{P}/teams/")
    assert r["Location"] == f"{P}/login/?next=%2Fpublic%2Fvolunteers%2Fteams%2F"
    page = c.get(r["Location"])
    assert f'name="next" value="{P}/teams/"' in page.content.decode()
    done = c.post(f"{P}/login/", {"code": last_code(), "next": f"{P}/teams/"})
    assert done.status_code == 302 and done["Location"] == f"{P}/teams/"


def test_a_bad_number_is_shown_again_without_a_redirect_or_a_cookie(tree: Any) -> None:
    c = Client()
    r = send(c, "1391234")
    body = r.content.decode()
    assert r.status_code == 400 and "请填写11位手机号码" in body and 'value="1391234"' in body  # refused: 400
    assert PENDING_COOKIE not in r.cookies
    assert_no_phone_in_addresses(r, "1391234")


def test_unknown_number_gets_the_same_code_page(tree: Any) -> None:
    c = Client()
    r = send(c, "13500000000")
    assert r.status_code == 302 and r["Location"] == f"{P}/login/" and tokens.OUTBOX == []
    page = c.get(f"{P}/login/").content.decode()
    assert "135****0000" in page and "13500000000" not in page


def test_forged_or_expired_pending_cookie_shows_the_number_form(tree: Any, monkeypatch: Any) -> None:
    v = make_volunteer(tree.community_a1)
    forged = Client()
    forged.cookies[PENDING_COOKIE] = "13912345678"
    assert 'name="phone"' in forged.get(f"{P}/login/").content.decode()
    c = Client()
    send(c, v.phone)
    monkeypatch.setattr(tokens, "PENDING_MAX_AGE", -1)  # every value is now older than allowed
    page = c.get(f"{P}/login/").content.decode()
    assert 'name="phone"' in page and mask(v.phone, "phone") not in page
    r = c.post(f"{P}/login/", {"code": last_code()})
    assert r.status_code == 400 and 'name="phone"' in r.content.decode()  # asked for the number again
    assert c.get(f"{P}/me/").status_code == 302


def test_phone_and_code_in_one_form_still_log_in(tree: Any) -> None:
    v = make_volunteer(tree.community_a1)
    send(Client(), v.phone)
    other = Client()  # no pending cookie: a code asked for on another page
    r = other.post(f"{P}/login/", {"phone": v.phone, "code": last_code()})
    assert r.status_code == 302 and r["Location"] == f"{P}/me/"


def test_no_page_takes_a_phone_from_the_url(tree: Any) -> None:
    for page in ("login", "register"):
        body = Client().get(f"{P}/{page}/", {"phone": "13912345678"}).content.decode()
        assert "13912345678" not in body, page


def test_asking_again_within_the_minute_says_when_instead_of_sent(tree: Any, monkeypatch: Any) -> None:
    """No SMS within a minute of the last: the page says how long to wait, not that a code was sent."""
    v = make_volunteer(tree.community_a1)
    c = Client()
    send(c, v.phone)
    assert "验证码已发送" in c.get(f"{P}/login/").content.decode()  # the first one was sent
    asked = LoginCode.objects.get().created_at
    now = asked + datetime.timedelta(seconds=18)
    monkeypatch.setattr(timezone, "now", lambda: now)  # a fixed clock: 18 seconds later
    tokens.OUTBOX.clear()
    again = c.post(f"{P}/code/", {"purpose": "login"})
    assert again.status_code == 302 and not tokens.OUTBOX and LoginCode.objects.count() == 1
    page = c.get(f"{P}/login/").content.decode()
    assert "请于42秒后再获取验证码。" in page and "验证码已发送" not in page
    assert 'name="code"' in page  # still the code page: the code sent before can be typed
    now = asked + datetime.timedelta(seconds=59, milliseconds=500)
    c.post(f"{P}/code/", {"purpose": "login"})
    assert "请于1秒后再获取验证码。" in c.get(f"{P}/login/").content.decode()
    now = asked + datetime.timedelta(seconds=61)
    c.post(f"{P}/code/", {"purpose": "login"})
    assert tokens.OUTBOX and "验证码已发送" in c.get(f"{P}/login/").content.decode()


FOOT = "请勿在描述中填写"


def test_the_log_in_pages_have_no_footer_about_descriptions(tree: Any) -> None:
    v = make_volunteer(tree.community_a1)
    c = Client()
    first = c.get(f"{P}/login/").content.decode()
    assert 'name="phone"' in first and FOOT not in first and 'class="pub-foot"' not in first
    send(c, v.phone)
    code_page = c.get(f"{P}/login/").content.decode()
    assert 'name="code"' in code_page and FOOT not in code_page
    # kept where something is described (the 随手拍 report form); no volunteer page has a description box
    # (registration neither: its free text is one's own skills; test_phone_walk.py covers the others)
    assert FOOT in Client().get("/public/report/").content.decode()
    assert FOOT not in Client().get(f"{P}/register/").content.decode()
