"""In real Chromium: a liaison finds the Excel import from the record list, imports drafts, opens the imported
records and submits them in bulk; an address outside anyone's reach gives the Chinese not-found page."""

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
    assert "/accounts/login/" not in page.url


@pytest.mark.django_db(transaction=True)
def test_import_is_found_from_the_record_list_and_drafts_are_submitted_in_bulk(
        live_server: Any, browser: Any, tmp_path: Any) -> None:
    from taizhang.core.testing import make_tree
    from taizhang.ledger.excel.testing import fill_template
    from taizhang.ledger.models import ActivityType, Record
    from taizhang.ledger.taxonomy import load_defaults

    load_defaults()
    tree = make_tree()
    liaison = make_user("liaison", tree.street_a, username="liaison")
    atype = ActivityType.objects.get(key="lecture_event")
    rows = [{"单位代码": "SA1", "日期": datetime.date(2024, 3, 1 + i), "标题": f"百姓宣讲第{i + 1}场",
             "受众人数": 40 + i} for i in range(3)]
    path = tmp_path / "宣讲.xlsx"
    path.write_bytes(fill_template(atype, rows, user=liaison))
    base = live_server.url

    page = browser.new_context(locale="zh-CN").new_page()
    login(page, base, "liaison")
    page.goto(f"{base}/ledger/records/")
    page.get_by_role("link", name="Excel 导入").first.click()
    page.wait_for_load_state("networkidle")
    assert "/excel/import/" in page.url
    page.set_input_files("input[type=file]", str(path))
    page.get_by_role("button", name="上传并校验").click()
    page.get_by_role("link", name="查看导入的记录").wait_for(timeout=20000)
    assert Record.objects.filter(status=Record.Status.DRAFT).count() == 3
    page.get_by_role("link", name="查看导入的记录").click()
    page.wait_for_load_state("networkidle")
    assert "Excel 导入的记录" in page.content()
    boxes = page.locator("input[name=selected]")
    assert boxes.count() == 3
    for i in range(3):
        boxes.nth(i).check()
    page.get_by_role("button", name="批量报送").click()
    page.wait_for_load_state("networkidle")
    assert Record.objects.filter(status=Record.Status.SUBMITTED).count() == 3

    page.goto(f"{base}/ledger/records/987654/")
    text = page.content()
    assert "找不到您要访问的页面" in text and "Page not found" not in text and "Not Found" not in text
