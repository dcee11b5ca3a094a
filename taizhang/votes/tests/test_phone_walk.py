"""Findings of the phone walk at 390 px on the vote pages: the sub-menu's links were 24 px tall, and the 随手拍
footer about descriptions showed on pages that have no description box."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from django.core.cache import cache
from django.test import Client

from taizhang.votes.models import Poll

pytestmark = pytest.mark.django_db
P = "/public/votes"
CSS = Path(__file__).resolve().parents[1] / "static" / "votes" / "votes.css"


def test_sub_menu_links_are_finger_sized(poll: Poll) -> None:
    css = CSS.read_text(encoding="utf-8")
    rule = re.search(r"\.vt-nav a\s*\{([^}]*)\}", css)
    assert rule is not None, "a rule for the links of the sub-menu"
    height = re.search(r"min-height:\s*(\d+)px", rule.group(1))
    assert height is not None and int(height.group(1)) >= 44
    assert "inline-flex" in rule.group(1) and "align-items: center" in rule.group(1)
    html = Client().get(f"{P}/{poll.code}/results/").content.decode()
    nav = re.search(r'<nav class="vt-nav"[^>]*>(.*?)</nav>', html, re.S)
    assert nav is not None and nav.group(1).count("<a ") == 3  # 正在投票 / 投票 / 公布的票数


def test_no_description_footer_on_vote_pages(poll: Poll) -> None:
    cache.clear()
    c = Client()
    for url in (f"{P}/", f"{P}/{poll.code}/", f"{P}/{poll.code}/verify/", f"{P}/{poll.code}/results/"):
        r = c.get(url)
        assert r.status_code == 200, url
        assert "请勿在描述中填写" not in r.content.decode(), url
