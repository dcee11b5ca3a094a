"""In real Chromium at a phone's width (390 px): a citizen opens the vote from the portal, verifies their phone with
a one-time code, votes, is told the daily limit is used up on a second try, and sees published counts only."""

from __future__ import annotations

import datetime
import re
from typing import Any

import pytest

pytestmark = pytest.mark.browser
PHONE = {"width": 390, "height": 844}


@pytest.mark.django_db(transaction=True)
def test_citizen_votes_on_a_phone(live_server: Any, browser: Any) -> None:
    from django.utils import timezone

    from taizhang.core.testing import make_tree
    from taizhang.volunteers import tokens
    from taizhang.votes import actions
    from taizhang.votes.models import Ballot

    tree = make_tree()
    now = timezone.now()
    poll = actions.open_poll(acting_user=None, code="PHONE-2026", title="最美社区工作者投票", subject=tree.district,
                             options=[(tree.community_a1, "张*华（东一社区）"), (tree.community_a2, "李*（东二社区）")],
                             opens_at=now - datetime.timedelta(days=2), closes_at=now + datetime.timedelta(days=5))
    base = f"{live_server.url}/public"
    page = browser.new_context(locale="zh-CN", viewport=PHONE, is_mobile=True, has_touch=True).new_page()
    page.goto(f"{base}/")
    page.click("text=最美社区工作者投票")
    page.wait_for_load_state("networkidle")
    assert page.url.endswith("/votes/PHONE-2026/")
    page.click("text=验证手机号码后投票")
    page.fill("#id_phone", "13912340000")
    tokens.OUTBOX.clear()
    page.click("text=获取验证码")
    page.wait_for_load_state("networkidle")
    assert "验证码已发送" in page.content()
    code = re.search(r"\d{6}", tokens.OUTBOX[-1][1]).group(0)  # type: ignore[union-attr]
    page.fill("#id_code", code)
    page.click("text=验证并投票")
    page.wait_for_load_state("networkidle")
    assert "还可以投" in page.content()
    page.click("text=李*（东二社区）")
    page.click("button:has-text('投票')")
    page.wait_for_load_state("networkidle")
    errors = re.findall(r"tz-alert[^<]*<|field__error[^<]*<", page.content())
    assert "投票成功" in page.content() and "今天的投票次数已用完" in page.content(), errors
    assert Ballot.objects.filter(poll=poll).count() == 1
    # the page fits the phone: nothing wider than the viewport
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= PHONE["width"], width
    # counts are published once a day: nothing yet, and the phone number is nowhere on the page
    body = page.content()
    assert "13912340000" not in body and "票数每天公布一次" in body
    page.goto(f"{base}/votes/PHONE-2026/results/")
    assert "首次公布在投票开始的次日" in page.content()
    menu = [b["height"] for b in (a.bounding_box() for a in page.locator(".vt-nav a").all()) if b]
    assert len(menu) == 3 and min(menu) >= 44, menu  # 正在投票 / 投票 / 公布的票数: finger-sized
