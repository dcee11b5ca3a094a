"""Issue 17 in real Chromium: on the record list the unit tree-select searches and picks a unit and the period
picker sets a period, on a desktop and at 390 px. Skipped with a reason when chromium is missing."""

from __future__ import annotations

import datetime
from typing import Any

import pytest

from taizhang.core.testing import PASSWORD, make_record, make_user

pytestmark = pytest.mark.browser


def _login(page: Any, base: str, username: str) -> None:
    page.goto(f"{base}/accounts/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_load_state("networkidle")
    assert "/accounts/login/" not in page.url, page.content()[:2000]


def _pick_and_filter(page: Any, base: str, width: int) -> None:
    page.goto(f"{base}/ledger/records/")
    drawer = page.locator(".tz-filters-toggle")  # on a phone the filters sit in a drawer
    if drawer.count() and drawer.first.is_visible():
        drawer.first.click()
    box = page.locator(".tz-tree:has(select[name=unit])")
    toggle = box.locator(".tz-tree__toggle")
    assert toggle.inner_text().strip() == "全部单位"
    toggle.click()
    panel = box.locator(".tz-tree__panel")
    panel.wait_for(state="visible")
    # The tree: levels shown, the community indented below its street.
    street = box.locator(".tz-tree__item", has=page.get_by_text("东城街道", exact=True))
    assert street.locator(".tz-tree__level").inner_text() == "街道"
    community = box.locator(".tz-tree__item", has=page.get_by_text("东一社区", exact=True))
    assert "tz-tree__item--d2" in (community.get_attribute("class") or "")
    frame = panel.bounding_box()
    assert frame is not None and frame["x"] >= 0 and frame["x"] + frame["width"] <= width + 1
    page.keyboard.type("dysq")  # pinyin initials find 东一社区
    visible = box.locator(".tz-tree__item:visible")
    assert visible.count() == 1 and "东一社区" in visible.first.inner_text()
    box.locator(".tz-tree__search").fill("")
    page.keyboard.type("东一")
    visible = box.locator(".tz-tree__item:visible")
    assert visible.count() == 1
    assert "东城街道" in visible.first.locator(".tz-tree__path").inner_text()  # where the match sits
    page.keyboard.press("Enter")
    assert panel.is_hidden()
    assert toggle.inner_text().strip() == "东一社区"
    assert box.locator("select[name=unit]").input_value() == "SA1"

    picker = page.locator("[data-tz-period]")
    assert picker.locator("[data-part=month]").is_hidden()  # 不限时间: no parts but the range
    page.select_option("#id_period_kind", "quarter")
    assert picker.locator("[data-part=quarter]").is_visible()
    page.select_option("#id_period_year", "2024")
    page.select_option("#id_period_q", "2")
    page.select_option("#id_period_q2", "3")
    assert picker.locator("input[data-tz-period-value]").input_value() == "2024Q2-Q3"
    page.select_option("#id_period_kind", "H1")
    assert picker.locator("[data-part=quarter]").is_hidden()
    assert picker.locator("input[data-tz-period-value]").input_value() == "2024H1"

    page.locator("form.tz-filters button[type=submit]").first.click()
    page.wait_for_load_state("networkidle")
    assert "period=2024H1" in page.url and "unit=SA1" in page.url, page.url
    html = page.content()
    assert "上半年东一宣讲" in html
    assert "下半年东一宣讲" not in html and "西一宣讲" not in html
    # The page comes back with the choice shown in both pickers.
    assert page.locator(".tz-tree:has(select[name=unit]) .tz-tree__toggle").inner_text().strip() == "东一社区"
    assert page.locator("#id_period_kind").input_value() == "H1"
    assert page.locator("#id_period_year").input_value() == "2024"


def _collect_errors(page: Any) -> list[str]:
    """Script errors and CSP refusals of the page (the pickers must need no inline script or style)."""
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.on("console", lambda msg: errors.append(msg.text) if "Content Security Policy" in msg.text else None)
    return errors


@pytest.mark.django_db(transaction=True)
def test_record_list_tree_select_and_period_picker(live_server: Any, browser: Any) -> None:
    from taizhang.core.testing import make_tree
    from taizhang.ledger.taxonomy import load_defaults

    load_defaults()
    tree = make_tree()
    make_user("staff", tree.district, username="staff")
    make_record(tree.community_a1, "lecture_event", {"lecture_audience": 30}, day=datetime.date(2024, 5, 12),
                title="上半年东一宣讲")
    make_record(tree.community_a1, "lecture_event", {"lecture_audience": 30}, day=datetime.date(2024, 9, 12),
                title="下半年东一宣讲")
    make_record(tree.community_b1, "lecture_event", {"lecture_audience": 30}, day=datetime.date(2024, 5, 12),
                title="西一宣讲")
    base = live_server.url
    for width, height in ((1280, 900), (390, 844)):
        page = browser.new_context(locale="zh-CN", viewport={"width": width, "height": height}).new_page()
        errors = _collect_errors(page)
        _login(page, base, "staff")
        _pick_and_filter(page, base, width)
        assert errors == []
