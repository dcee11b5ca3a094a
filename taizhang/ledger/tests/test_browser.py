"""End to end in real Chromium: a liaison enters and submits a record, a reviewer approves it, and the dashboard
figure changes. Needs Debian's chromium (`make test` installs it); skipped with a reason when it is missing."""

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


def lecture_kpi(page: Any, base: str) -> str:
    page.goto(f"{base}/ledger/dashboard/?period=2024&unit=D")
    tile = page.locator(".tz-kpi", has_text="理论宣讲").first
    tile.locator(".tz-kpi__note", has_text="同比").wait_for(timeout=15000)
    return str(tile.locator(".tz-kpi__value").inner_text()).strip()


@pytest.mark.django_db(transaction=True)
def test_liaison_submits_reviewer_approves_dashboard_changes(live_server: Any, browser: Any) -> None:
    from taizhang.core.testing import make_tree
    from taizhang.ledger.models import ActivityType, Record
    from taizhang.ledger.taxonomy import load_defaults

    load_defaults()
    tree = make_tree()
    make_user("liaison", tree.street_a, username="liaison")
    make_user("reviewer", tree.district, username="reviewer")
    make_record(tree.community_b1, "lecture_event", {"lecture_audience": 30}, title="已有的宣讲")
    base = live_server.url

    reviewer_page = browser.new_context(locale="zh-CN").new_page()
    login(reviewer_page, base, "reviewer")
    before = lecture_kpi(reviewer_page, base)
    assert before.startswith("1"), before

    page = browser.new_context(locale="zh-CN").new_page()
    login(page, base, "liaison")
    page.goto(f"{base}/ledger/records/new/")
    page.select_option("select[name=unit]", label="　东一社区")
    atype = ActivityType.objects.get(key="lecture_event")
    page.select_option("select[name=activity_type]", value=str(atype.pk))
    page.locator("input[name=fig_lecture_audience]").wait_for(timeout=10000)
    page.fill("input[name=title]", "百姓宣讲进社区")
    page.fill("input[name=start_date]", "2024-05-12")
    page.fill("input[name=fig_lecture_audience]", "120")
    page.click("button[name=submit]")
    page.wait_for_load_state("networkidle")
    record = Record.objects.get(title="百姓宣讲进社区")
    assert record.status == Record.Status.SUBMITTED
    assert "已报送" in page.content()

    reviewer_page.goto(f"{base}/ledger/review/")
    item = reviewer_page.locator(f"form[action$='/review/{record.pk}/approve/']")
    item.locator("button[type=submit]").click()
    reviewer_page.wait_for_load_state("networkidle")
    record.refresh_from_db()
    assert record.status == Record.Status.APPROVED

    after = lecture_kpi(reviewer_page, base)
    assert after.startswith("2"), after
