"""The dashboard in real Chromium at phone width (390 px): tabs by group of lines of work switch without a reload
and load the tab shown, a count chart has integer ticks (its option JSON says minInterval 1 and ECharts draws whole
numbers only), and a period change applies at once. Needs Debian's chromium (skipped with a reason without it)."""

from __future__ import annotations

import datetime
import json
from typing import Any

import pytest

from taizhang.core.testing import make_record, make_user
from taizhang.ledger.tests.test_browser import login

pytestmark = pytest.mark.browser
D = datetime.date


@pytest.mark.django_db(transaction=True)
def test_tabs_switch_and_count_charts_have_integer_ticks(live_server: Any, browser: Any) -> None:
    from taizhang.core.testing import make_tree
    from taizhang.ledger.taxonomy import load_defaults

    load_defaults()
    tree = make_tree()
    make_user("viewer", tree.district, username="viewer")
    # three lectures and a placement: a handful of whole things, where a value axis would show 0.2 steps
    for unit, day in ((tree.community_a1, D(2024, 5, 12)), (tree.community_a2, D(2024, 6, 3)),
                      (tree.community_b1, D(2024, 6, 20))):
        make_record(unit, "lecture_event", {"lecture_audience": 40}, day=day)
    base = live_server.url

    context = browser.new_context(locale="zh-CN", viewport={"width": 390, "height": 844})
    page = context.new_page()
    login(page, base, "viewer")
    page.goto(f"{base}/ledger/dashboard/?period=2024&unit=D")

    # the first tab is open and its card loads; the others are hidden and not loaded yet
    theory, news = page.locator("#panel-theory"), page.locator("#panel-news")
    assert theory.is_visible() and not news.is_visible()
    assert page.locator("#tab-theory").get_attribute("aria-selected") == "true"
    page.locator("#card-slot-lectures [data-chart-json='dash-lectures-unit'] canvas").wait_for(timeout=20000)
    assert page.locator("#card-slot-news_external .tz-empty").count() == 1  # not fetched while hidden

    # a count chart: integer axis in the option JSON, bars, and ECharts' own ticks are whole numbers
    for chart_id in ("dash-lectures-unit", "dash-lectures-month"):
        option = json.loads(page.locator(f"script#{chart_id}").inner_text())
        assert option["yAxis"]["minInterval"] == 1, chart_id
        assert {s["type"] for s in option["series"]} == {"bar"}, chart_id
        assert not any(s.get("smooth") for s in option["series"])
    ticks = page.evaluate("""() => {
        const el = document.querySelector("[data-chart-json='dash-lectures-unit']");
        const chart = window.echarts.getInstanceByDom(el);
        return chart.getModel().getComponent('yAxis', 0).axis.scale.getTicks().map(t => t.value);
    }""")
    assert len(ticks) >= 2 and all(float(t).is_integer() for t in ticks), ticks

    # the phone layout: the page does not scroll sideways (the tab bar scrolls inside itself)
    overflow = page.evaluate("() => document.documentElement.scrollWidth - document.documentElement.clientWidth")
    assert overflow <= 1, overflow

    # switching tabs: no reload, the new panel shown and loaded, the address keeps the tab
    page.evaluate("() => { window.__same_page = true; }")
    page.locator("#tab-news").click()
    assert news.is_visible() and not theory.is_visible()
    assert page.locator("#tab-news").get_attribute("aria-selected") == "true"
    assert page.locator("#tab-theory").get_attribute("aria-selected") == "false"
    page.locator("#card-slot-news_external .tz-table, #card-slot-news_external .tz-chart").first.wait_for(
        timeout=20000)
    assert page.evaluate("() => window.__same_page === true")
    assert "tab=news" in page.url

    # one period control that applies at once: choosing 上半年 reloads with period=2024H1, on the same tab
    with page.expect_navigation():
        page.select_option("#dash-period_kind", "H1")
    assert "period=2024H1" in page.url and "tab=news" in page.url
    assert page.locator("h1").inner_text().endswith("2024年上半年")
    assert page.locator("#panel-news").is_visible()
    context.close()


@pytest.mark.django_db(transaction=True)
def test_phone_pages_do_not_scroll_sideways(live_server: Any, browser: Any) -> None:
    """390 px (the leader's phone): the dashboard (every tab) and a line's page are no wider than the screen. Before,
    the 单位 select took the width of its longest option (an indented deep unit's name) and ran the page to
    432 px on the demo."""
    from taizhang.core.testing import make_tree
    from taizhang.ledger.taxonomy import load_defaults
    from taizhang.org import actions as org_actions
    from taizhang.org.models import Unit

    load_defaults()
    tree = make_tree()
    deep = org_actions.create_unit(acting_user=None, code="SA1X", kind=Unit.Kind.COMMUNITY, parent=tree.community_a1,
                                   name="东一社区新时代文明实践站暨党群服务中心志愿服务队")
    make_user("viewer", tree.district, username="viewer")
    for unit, day in ((tree.community_a1, D(2024, 5, 12)), (deep, D(2024, 6, 3)), (tree.bureau, D(2024, 6, 20))):
        make_record(unit, "lecture_event", {"lecture_audience": 40}, day=day)
    base = live_server.url
    context = browser.new_context(locale="zh-CN", viewport={"width": 390, "height": 844})
    page = context.new_page()
    login(page, base, "viewer")

    def width() -> int:
        page.wait_for_load_state("networkidle")
        return int(page.evaluate("() => document.documentElement.scrollWidth"))

    page.goto(f"{base}/ledger/dashboard/?period=2024&unit=D")
    page.locator("#card-slot-lectures .tz-table").first.wait_for(timeout=20000)
    assert width() <= 391
    for tab in ("news", "civility", "culture", "team"):
        page.locator(f"#tab-{tab}").click()
        page.locator(f"#panel-{tab} .tz-kpi").first.wait_for(timeout=20000)
        assert width() <= 391, tab
    page.goto(f"{base}/ledger/dashboard/line/lectures/?period=2024&unit=D")
    page.locator(".tz-table").first.wait_for(timeout=20000)
    assert width() <= 391
    context.close()
