"""End to end in real Chromium: a reviewer returns a record; the liaison (on a phone-sized screen) sees it on the
workbench with its reason and the bell count, opens the notice, fixes the record and submits it again."""

from __future__ import annotations

from typing import Any

import pytest

from taizhang.core.testing import PASSWORD, make_record, make_user

pytestmark = pytest.mark.browser


def login(page: Any, base: str, username: str) -> None:
    page.goto(f"{base}/accounts/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_load_state("networkidle")
    assert "/accounts/login/" not in page.url, page.content()[:2000]


@pytest.mark.django_db(transaction=True)
def test_returned_record_reaches_the_liaison_who_fixes_and_resubmits(live_server: Any, browser: Any) -> None:
    from taizhang.core.testing import make_tree
    from taizhang.ledger.models import Record
    from taizhang.ledger.taxonomy import load_defaults

    load_defaults()
    tree = make_tree()
    make_user("liaison", tree.street_a, username="wb_liaison")
    make_user("reviewer", tree.district, username="wb_reviewer")
    record = make_record(tree.street_a, "lecture_event", {"lecture_audience": 10}, status="submitted",
                         title="东城百姓宣讲")
    base = live_server.url

    reviewer = browser.new_context(locale="zh-CN").new_page()
    login(reviewer, base, "wb_reviewer")
    reviewer.goto(f"{base}/ledger/records/{record.pk}/")
    reviewer.fill("#tz-return-reason", "请补充活动照片，人数与签到表不符")
    reviewer.locator(f"form[action$='/review/{record.pk}/return/'] button[type=submit]").click()
    reviewer.wait_for_load_state("networkidle")
    record.refresh_from_db()
    assert record.status == Record.Status.RETURNED
    assert "已通知填报单位" in reviewer.content()

    phone = browser.new_context(locale="zh-CN", viewport={"width": 390, "height": 844})
    page = phone.new_page()
    login(page, base, "wb_liaison")
    page.goto(f"{base}/")
    returned = page.locator("[data-testid=wb-returned]")
    assert "东城百姓宣讲" in returned.inner_text()
    assert "请补充活动照片" in returned.inner_text()
    assert page.locator("[data-testid=bell-count]").inner_text().strip() == "1"
    assert page.evaluate("document.documentElement.scrollWidth") <= 390 + 1  # no sideways scrolling on a phone
    # the header's controls are finger-sized and 修改密码 is not flush against 退出
    password = page.locator(".tz-topbar__user > a", has_text="修改密码").bounding_box()
    logout = page.locator(".tz-topbar__user button", has_text="退出").bounding_box()
    assert password is not None and logout is not None
    assert password["height"] >= 44 and logout["height"] >= 44
    assert logout["x"] - (password["x"] + password["width"]) >= 16 or logout["y"] >= password["y"] + password["height"]

    page.locator(".tz-bell").click()
    page.wait_for_load_state("networkidle")
    page.locator(".tz-notice-list a", has_text="东城百姓宣讲").click()
    page.wait_for_load_state("networkidle")
    assert page.url.endswith(f"/ledger/records/{record.pk}/")
    assert page.locator("[data-testid=bell-count]").count() == 0  # read

    page.goto(f"{base}/ledger/records/{record.pk}/edit/")
    page.locator("input[name=fig_lecture_audience]").wait_for(timeout=10000)
    page.fill("input[name=fig_lecture_audience]", "12")
    page.click("button[name=submit]")
    page.wait_for_load_state("networkidle")
    record.refresh_from_db()
    assert record.status == Record.Status.SUBMITTED
    page.goto(f"{base}/")
    assert page.locator("[data-testid=wb-returned]").count() == 0
