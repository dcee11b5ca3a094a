"""The summary editor in Chromium (issue 17, "the summary editor loses edits"): leaving with unsaved paragraphs asks
first, and "保存全部" saves every changed paragraph in one request, after which leaving no longer asks."""

from __future__ import annotations

from typing import Any

import pytest
from django.conf import settings
from django.test import Client

from taizhang.core.testing import make_user
from taizhang.reports import actions
from taizhang.reports.document import Paragraph
from taizhang.reports.models import Summary

pytestmark = pytest.mark.browser


def texts(summary: Summary) -> list[str]:
    summary.refresh_from_db()
    return [b.text for b in actions.load_document(summary).blocks if isinstance(b, Paragraph)]


def _editor(live_server: Any, browser: Any, ledger: Any, **options: Any) -> tuple[Summary, Any]:
    """A draft summary of the district and a browser context logged in as the staff member who may edit it."""
    staff = make_user("staff", ledger.tree.district)
    summary = actions.compose_summary(acting_user=staff, unit=ledger.tree.district, period="2024")
    client = Client()
    client.force_login(staff)
    context = browser.new_context(locale="zh-CN", **options)
    context.add_cookies([{"name": settings.SESSION_COOKIE_NAME,
                          "value": client.cookies[settings.SESSION_COOKIE_NAME].value, "url": live_server.url}])
    return summary, context


@pytest.mark.django_db(transaction=True)
def test_unsaved_edits_warn_on_leave_and_save_all_saves_them(live_server: Any, browser: Any, ledger: Any) -> None:
    summary, context = _editor(live_server, browser, ledger, viewport={"width": 1280, "height": 900})
    before = texts(summary)
    page = context.new_page()
    page.goto(f"{live_server.url}/reports/{summary.pk}/edit/")
    save_all = page.locator("[data-tz-save-all-button]")
    assert save_all.is_visible()
    boxes = page.locator(".tz-block .tz-rich")
    # two paragraphs edited, not saved
    for n in (1, 2):
        box = boxes.nth(n)
        box.click()
        page.keyboard.press("End")
        page.keyboard.type(f"（补充第{n}处）")
    assert "2 处修改未保存" in page.locator("[data-tz-dirty-status]").inner_text()
    # leaving asks first; staying keeps the edits
    dialogs: list[str] = []

    def stay(dialog: Any) -> None:
        dialogs.append(dialog.type)
        dialog.dismiss()

    page.on("dialog", stay)
    page.locator(".tz-nav__item").first.click()
    page.wait_for_timeout(500)
    assert dialogs == ["beforeunload"]
    assert "/edit/" in page.url and "（补充第1处）" in boxes.nth(1).inner_text()
    page.remove_listener("dialog", stay)
    # one click saves both
    with page.expect_response(lambda r: r.url.endswith("/edit/all/")) as response:
        save_all.click()
    assert response.value.status == 200
    page.wait_for_selector("text=已保存全部修改（2段）")
    after = texts(summary)
    assert after[1] == before[1] + "（补充第1处）" and after[2] == before[2] + "（补充第2处）"
    assert after[3:] == before[3:]
    assert summary.version == 2  # one save
    assert "没有未保存的修改" in page.locator("[data-tz-dirty-status]").inner_text()
    # nothing unsaved: leaving does not ask any more
    page.on("dialog", stay)
    page.locator(".tz-nav__item").first.click()
    page.wait_for_load_state()
    assert dialogs == ["beforeunload"] and "/edit/" not in page.url


@pytest.mark.django_db(transaction=True)
def test_full_text_page_saves_all_on_a_phone_without_scripts(live_server: Any, browser: Any, ledger: Any) -> None:
    summary, context = _editor(live_server, browser, ledger, viewport={"width": 390, "height": 844},
                               java_script_enabled=False)
    before = texts(summary)
    page = context.new_page()
    page.goto(f"{live_server.url}/reports/{summary.pk}/edit/")
    page.get_by_role("link", name="全文编辑").click()
    page.wait_for_url(f"**/reports/{summary.pk}/edit/text/")
    areas = page.locator("textarea.tz-block__text")
    assert areas.count() == len(before)
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 390, f"the page is {width} px wide at 390 px"
    for n in (1, 2):
        areas.nth(n).fill(areas.nth(n).input_value() + f"（全文补充第{n}处）")
    page.get_by_role("button", name="保存全部").click()
    page.wait_for_url(f"**/reports/{summary.pk}/edit/")
    assert "已保存全部修改（2段）" in page.content()
    after = texts(summary)
    assert after[1].endswith("（全文补充第1处）") and after[2].endswith("（全文补充第2处）")
    assert after[0] == before[0] and after[3:] == before[3:]
    context.close()
