"""In real Chromium at phone width (390 px): a liaison finds the dispatched case on the list (rows as cards, the
overdue one in red), signs for it and records the handling; staff verify it on a desktop."""

from __future__ import annotations

import datetime
from typing import Any

import pytest

from taizhang.core.testing import PASSWORD, make_user

pytestmark = pytest.mark.browser


def login(page: Any, base: str, username: str) -> None:
    page.goto(f"{base}/accounts/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_load_state("networkidle")
    assert "/accounts/login/" not in page.url, page.content()[:2000]


@pytest.mark.django_db(transaction=True)
def test_liaison_handles_a_case_on_a_phone(live_server: Any, browser: Any) -> None:
    from taizhang.cases import actions
    from taizhang.cases.models import Case
    from taizhang.core.testing import make_tree

    tree = make_tree()
    make_user("liaison", tree.community_a1, username="liaison")
    make_user("staff", tree.district, username="staff")
    case = actions.dispatch_case(acting_user=None, kind="general", unit=tree.community_a1, title="宣传栏内容陈旧")
    late = actions.dispatch_case(acting_user=None, kind="general", unit=tree.community_a1, title="公益广告破损")
    Case.objects.filter(pk=late.pk).update(deadline=datetime.date(2020, 3, 2))
    actions.dispatch_case(acting_user=None, kind="general", unit=tree.community_b1, title="别的社区的工单")
    base = live_server.url

    page = browser.new_context(locale="zh-CN", viewport={"width": 390, "height": 844}).new_page()
    login(page, base, "liaison")
    page.goto(f"{base}/cases/")
    rows = page.locator("table.tz-case-table tbody tr")
    assert rows.count() == 2 and "别的社区的工单" not in page.content()
    # rows become cards: the header is hidden and a cell shows its label
    assert not page.locator("table.tz-case-table thead").is_visible()
    late_row = page.locator("tr.tz-case-overdue")
    assert late_row.count() == 1 and "公益广告破损" in late_row.inner_text()
    color = late_row.evaluate("el => getComputedStyle(el).color")
    assert color == "rgb(207, 19, 34)", color
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 400, width
    page.click("text=宣传栏内容陈旧")
    page.click("button:has-text('签收')")
    page.wait_for_load_state("networkidle")
    page.fill("textarea[name=reply]", "已更新为本季度主题宣传内容")
    page.click("form[action*='/act/handle/'] button[type=submit]")
    page.wait_for_load_state("networkidle")
    assert "已登记办理情况" in page.content()
    case.refresh_from_db()
    assert case.state == "handled"

    desk = browser.new_context(locale="zh-CN").new_page()
    login(desk, base, "staff")
    desk.goto(f"{base}/cases/{case.pk}/")
    desk.select_option("form[action*='/act/verify/'] select[name=passed]", value="1")
    desk.click("form[action*='/act/verify/'] button[type=submit]")
    desk.wait_for_load_state("networkidle")
    case.refresh_from_db()
    assert case.state == "closed" and "核查通过" in desk.content()


@pytest.mark.django_db(transaction=True)
def test_a_refused_action_is_in_view_on_a_phone(live_server: Any, browser: Any) -> None:
    """390 px, a long case page: 申请延期 to the current deadline is refused by the server; the page comes back at
    the form, the error summary on the screen (clear of the sticky top bar) with the focus, the field's own error
    under it, the text kept."""
    from taizhang.cases import actions
    from taizhang.core.testing import make_tree

    tree = make_tree()
    make_user("liaison", tree.community_a1, username="liaison")
    description = "\n".join(f"第{i}处：宣传栏玻璃破损，内容为去年的主题宣传，需要更换。" for i in range(1, 31))
    case = actions.dispatch_case(acting_user=None, kind="general", unit=tree.community_a1, title="宣传栏破损",
                                 description=description)
    assert case.deadline is not None
    base = live_server.url
    height = 844

    page = browser.new_context(locale="zh-CN", viewport={"width": 390, "height": height}).new_page()
    login(page, base, "liaison")
    page.goto(f"{base}/cases/{case.pk}/")
    page.click("#case-action-extension > summary")
    form = "form[action*='/act/extension/']"
    page.fill(f"{form} input[name=until]", case.deadline.isoformat())  # not later than the deadline: refused
    page.fill(f"{form} textarea[name=reason]", "需等待物业配合更换宣传栏底座")
    page.click(f"{form} button[type=submit]")
    page.wait_for_load_state("networkidle")
    assert page.url.endswith(f"/cases/{case.pk}/act/extension/#case-action-extension-errors"), page.url
    assert page.evaluate("window.scrollY") > 0  # the page is longer than the screen: it was scrolled to the form

    summary = page.locator("#case-action-extension-errors[role=alert]")
    assert summary.is_visible() and "申请延至：申请延至的日期应晚于当前办理期限" in summary.inner_text()
    topbar = page.locator(".tz-topbar").bounding_box()
    box = summary.bounding_box()
    assert topbar is not None and box is not None
    assert topbar["y"] + topbar["height"] <= box["y"] and box["y"] + box["height"] <= height, (topbar, box)
    field_error = page.locator("#case-action-extension .tz-field__error")
    assert field_error.is_visible() and "应晚于当前办理期限" in field_error.inner_text()
    box = field_error.bounding_box()
    assert box is not None and box["y"] + box["height"] <= height, box
    assert page.evaluate("document.activeElement.id") == "case-action-extension-errors"
    assert page.input_value(f"{form} textarea[name=reason]") == "需等待物业配合更换宣传栏底座"
