"""The top bar on a phone: the bell is drawn (an emoji showed as an empty box where no emoji font is installed) and
the menu button and the drawer's entries are 44 px targets."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from django.test import Client

from taizhang.core.testing import make_tree, make_user

STATIC = Path(__file__).resolve().parents[1] / "static" / "taizhang"


@pytest.mark.django_db
def test_the_bell_is_an_svg_not_an_emoji() -> None:
    tree = make_tree()
    c = Client()
    c.force_login(make_user("staff", tree.district))
    html = c.get("/").content.decode()
    bell = re.search(r'<a class="tz-bell[^"]*"[^>]*>(.*?)</a>', html, re.S)
    assert bell is not None
    assert "<svg" in bell.group(1) and "&#128276;" not in bell.group(1) and "\U0001f514" not in bell.group(1)


def test_the_menu_button_and_drawer_entries_are_44px() -> None:
    css = (STATIC / "phone.css").read_text(encoding="utf-8")
    for selector in (".tz-js .tz-menu-toggle {", ".tz-js .tz-nav__item {"):
        rule = css[css.index(selector):]
        rule = rule[:rule.index("}")]
        assert "min-height: 44px" in rule, selector
