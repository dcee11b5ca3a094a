"""In real Chromium on a phone (390 px): a user whose password the security administrator reset opens the mailed
one-time link, sets a new password, signs in and issues an API token that is shown once. Skipped with a reason
when Debian's chromium is missing."""

from __future__ import annotations

import re
from typing import Any

import pytest

from taizhang.core.testing import make_user

pytestmark = pytest.mark.browser
NEW_PASSWORD = "Phone#Reset2026"


def fits(page: Any) -> None:
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 392, f"页面宽 {width}px，超出手机屏幕"


@pytest.mark.django_db(transaction=True)
def test_reset_link_and_token_on_a_phone(live_server: Any, browser: Any, mailoutbox: Any) -> None:
    from taizhang.accounts import actions
    from taizhang.core.testing import make_tree

    tree = make_tree()
    user = make_user("liaison", tree.street_a, email="phone@example.cn")
    actions.reset_password(acting_user=None, user=user)
    link = re.search(r"/accounts/reset/[\w-]+/", mailoutbox[0].body).group(0)  # type: ignore[union-attr]
    page = browser.new_page(viewport={"width": 390, "height": 844})
    page.goto(f"{live_server.url}{link}")
    fits(page)
    page.fill("#id_new_password1", NEW_PASSWORD)
    page.fill("#id_new_password2", NEW_PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(re.compile(r".*/accounts/login/.*"))
    assert "请用新密码登录" in page.content()
    page.fill("#id_username", user.username)
    page.fill("#id_password", NEW_PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_load_state("networkidle")
    assert "/accounts/login/" not in page.url
    page.goto(f"{live_server.url}/accounts/tokens/")
    fits(page)
    page.fill("#id_name", "手机测试")
    page.click("form:has(#id_name) button[type=submit]")
    page.wait_for_load_state("networkidle")
    key = page.locator("#tz-new-token").input_value().strip()
    assert key.startswith("tz")
    fits(page)
    page.reload()
    assert key not in page.content()  # shown once


@pytest.mark.django_db(transaction=True)
def test_authenticator_enrolment_page_fits_a_phone(live_server: Any, browser: Any) -> None:
    from taizhang.core.testing import PASSWORD, make_tree

    tree = make_tree()
    admin = make_user("sysadmin", tree.district)
    page = browser.new_page(viewport={"width": 390, "height": 844})
    page.goto(f"{live_server.url}/accounts/login/")
    page.fill("#id_username", admin.username)
    page.fill("#id_password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(re.compile(r".*/accounts/totp/setup/.*"))
    assert page.locator("#id_enrolment_code").is_visible()
    fits(page)
