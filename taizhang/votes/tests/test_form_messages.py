"""The citizen's forms of the public vote say plainly what to do, beside the field, with what was typed kept:
never Django's defaults ("确保该变量包含不超过 13 字符 (目前字符数 5000)。", "选择一个有效的选项…")."""

from __future__ import annotations

import pytest
from django.core.cache import cache
from django.test import Client

from taizhang.votes.forms import BallotForm, VerifyForm
from taizhang.votes.models import Poll
from taizhang.votes.tests.test_public import P, verified

pytestmark = pytest.mark.django_db
DJANGO_DEFAULTS = ("确保该", "确认总共", "输入一个", "输入整数", "选择一个有效的选项", "这个字段是必填项",
                   "该字段是必填项")


def field_error(html: str, auto_id: str) -> str:
    marker = f'<div id="{auto_id}_error">'
    assert marker in html, f"no error shown for {auto_id}"
    return html.split(marker, 1)[1].split("</div></div>", 1)[0]


def test_verify_with_a_too_long_phone_keeps_it_and_says_what_to_type(poll: Poll) -> None:
    cache.clear()
    typed = "139 1234 5678 转 8001"
    r = Client().post(f"{P}/{poll.code}/verify/", {"phone": typed, "code": "1234567", "verify": "1"})
    html = r.content.decode()
    assert r.status_code == 400
    assert f'value="{typed}"' in html and 'value="1234567"' in html
    assert "请填写11位手机号码" in field_error(html, "id_phone")
    assert "验证码是6位数字" in field_error(html, "id_code")
    assert not any(d in html for d in DJANGO_DEFAULTS)


def test_verify_with_nothing_typed(poll: Poll) -> None:
    cache.clear()
    r = Client().post(f"{P}/{poll.code}/verify/", {"send": "1"})
    html = r.content.decode()
    assert r.status_code == 400
    assert "请填写手机号码" in field_error(html, "id_phone")
    assert not any(d in html for d in DJANGO_DEFAULTS)


def test_ballot_with_an_option_that_is_not_there(poll: Poll) -> None:
    c = verified(poll)
    r = c.post(f"{P}/{poll.code}/", {"options": ["999999"]})
    html = r.content.decode()
    assert r.status_code == 400
    assert "选项无效，请重新选择" in field_error(html, "id_options")
    assert not any(d in html for d in DJANGO_DEFAULTS)


def test_every_form_here_has_plain_messages(poll: Poll) -> None:
    form = VerifyForm({"phone": "", "code": "x" * 50})
    assert not form.is_valid()
    assert form.errors == {"phone": ["请填写手机号码"], "code": ["验证码是6位数字"]}
    ballot = BallotForm({}, poll=poll)
    assert not ballot.is_valid() and ballot.errors["options"] == ["请至少选择一位候选对象。"]
