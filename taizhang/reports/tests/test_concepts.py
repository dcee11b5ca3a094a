"""One value per concept in a summary: a ledger-reported metric and a computed metric of another app that count the
same thing are written once (the system of record's value), figures that are not achievements are left out, a
paragraph lists a few figures, not all; the checker warns when a document states two values for one concept; and
去年同期 is the dashboard's (year to date for a period still running), stock figures included."""

from __future__ import annotations

import datetime
from decimal import Decimal
from types import SimpleNamespace
from typing import Any

import pytest

from taizhang.core.periods import parse_period
from taizhang.ledger import providers
from taizhang.ledger.dashboard import Scope, change_between, make_scope
from taizhang.ledger.figures import compute
from taizhang.ledger.models import MetricDefinition
from taizhang.ledger.taxonomy import sync_computed_metrics
from taizhang.reports import concepts
from taizhang.reports.checker import check_document
from taizhang.reports.composer import ComposeOptions, compose
from taizhang.reports.composer.phrases import load_library
from taizhang.reports.document import Document, Figure, Paragraph

pytestmark = pytest.mark.django_db
D = datetime.date
ROWS_PAGE = "ledger:record_list"


def _provider(key: str, name: str, value: int | str, measure_word: str = "场") -> providers.Provider:
    """A computed metric of the lectures line answering `value` for the whole scope (one row per unit)."""

    def fn(q: providers.FigureQuery) -> providers.Provided:
        return providers.Provided(Decimal(str(value)), [1])

    return providers.Provider(metric=key, name=name, measure_word=measure_word, line="lectures", source="test.row",
                              compute=fn, rows_url=ROWS_PAGE, is_rate=measure_word == "%")


def _register(monkeypatch: Any, *items: providers.Provider) -> None:
    for item in items:
        monkeypatch.setitem(providers.PROVIDERS, item.metric, item)
    sync_computed_metrics([p.metric for p in items])


def _line(doc: Any, key: str) -> str:
    roles = doc.meta["roles"]
    return str(doc.blocks[roles.index(f"line:{key}")].text)


def test_names_are_compared_without_verbs_and_counting_words() -> None:
    assert concepts.normalise("召开新闻发布会") == concepts.normalise("新闻发布会场次") == "新闻发布会"
    assert concepts.normalise("注册志愿者人数") == "注册志愿者"
    assert concepts.normalise("志愿服务队伍数") == "志愿服务队伍"


def test_a_reported_and_a_computed_metric_of_one_concept_are_written_once(ledger: Any, monkeypatch: Any) -> None:
    # 宣讲场次 (units report 12 in the ledger) and 组织宣讲场次 (an app's register: 7): one concept.
    _register(monkeypatch, _provider("test_lectures_held", "开展宣讲场次", 7))
    result = compose(ledger.tree.district, ledger.period, options=ComposeOptions(comparisons=False, ranks=False))
    text = _line(result.document, "lectures")
    # The line's own phrase, filled with the system of record's value; the ledger's 12场 is not written.
    assert text.startswith("二是理论宣讲深入人心。全年开展各类宣讲活动7场，受众570人次。"), text
    assert "12场" not in text and "同时" not in text
    cited = [f.source.get("metric") for f in result.document.figures() if f.source.get("kind") == "ledger"]
    assert "test_lectures_held" in cited and "lecture_events" not in cited
    assert any("开展宣讲场次" in n and "7场" in n and "12场" in n for n in result.notes), result.notes
    assert not [i for i in check_document(result.document).issues if i.kind == "conflict"]


def test_the_units_reports_win_when_the_library_prefers_them(ledger: Any, monkeypatch: Any) -> None:
    _register(monkeypatch, _provider("test_lectures_held", "宣讲场次", 7))
    library = load_library()
    library["concept_prefer"] = "reported"
    doc = compose(ledger.tree.district, ledger.period, library=library,
                  options=ComposeOptions(comparisons=False, ranks=False)).document
    text = _line(doc, "lectures")
    assert "全年开展各类宣讲活动12场" in text and "7场" not in text


def test_declared_pairs(ledger: Any, monkeypatch: Any) -> None:
    # Names that do not match, paired in the library.
    _register(monkeypatch, _provider("test_audience", "听讲群众登记", 400, "人次"))
    library = load_library()
    library["same_concept"] = [["lecture_audience", "test_audience"]]
    doc = compose(ledger.tree.district, ledger.period, library=library,
                  options=ComposeOptions(comparisons=False, ranks=False)).document
    text = _line(doc, "lectures")
    assert "受众400人次" in text and "570人次" not in text


def test_figures_that_are_not_achievements_and_the_cap(ledger: Any, monkeypatch: Any) -> None:
    _register(monkeypatch,
              _provider("test_a", "宣讲备课次数", 3, "次"), _provider("test_b", "宣讲点位", 4, "个"),
              _provider("test_c", "宣讲视频", 5, "部"), _provider("test_d", "宣讲书目", 6, "本"),
              _provider("test_e", "宣讲满意率", "97.5", "%"), _provider("test_points", "宣讲员积分", 88, "分"))
    library = load_library()
    library["unwritten_metrics"] = ["test_points"]
    doc = compose(ledger.tree.district, ledger.period, library=library,
                  options=ComposeOptions(comparisons=False, ranks=False)).document
    text = _line(doc, "lectures")
    more = text[text.index("同时，"):]
    assert "宣讲员积分" not in text and "88分" not in text  # an individual's points: not an achievement
    figures = [f for f in doc.figures() if f.source.get("metric", "").startswith("test_")]
    assert len(figures) == 4  # at most `more_max` (4) leftover figures
    assert "宣讲满意率" not in more  # counts before rates
    assert more.startswith("同时，宣讲备课次数3次，宣讲点位4个，宣讲视频5部，宣讲书目6本。"), more


def test_a_rate_goes_with_the_counts_it_was_computed_from() -> None:
    def m(key: str, name: str, source: str, kind: str = "count") -> SimpleNamespace:
        return SimpleNamespace(key=key, name=name, source=source, kind=kind, aliases=[], line_id=1)

    submitted, adopted = m("corr_submitted", "报送条数", "reported"), m("corr_adopted", "采用条数", "reported")
    rate = m("corr_rate", "采用率", "reported", "percent")
    app_submitted, app_adopted = m("app_submitted", "通讯员投稿", "computed"), m("app_adopted", "稿件采用", "computed")
    data = {x.key: x for x in (submitted, adopted, rate, app_submitted, app_adopted)}
    pairs = [["corr_submitted", "app_submitted"], ["corr_adopted", "app_adopted"]]
    kept, dropped = concepts.one_per_concept(data, pairs)
    assert kept == {"corr_submitted": app_submitted, "corr_adopted": app_adopted}  # in the reported metrics' places
    assert (rate, None) in dropped and (submitted, app_submitted) in dropped
    kept, _dropped = concepts.one_per_concept(data, pairs, "reported")
    assert kept == {"corr_submitted": submitted, "corr_adopted": adopted, "corr_rate": rate}


def _figure(fig_id: str, metric: str, label: str, value: int, text: str, unit: str = "D") -> Figure:
    source = {"kind": "ledger", "metric": metric, "label": label, "unit": unit,
              "period": {"start": "2024-01-01", "end": "2024-12-31"}, "filters": {}, "value": str(value),
              "records": [], "display": {"format": "number", "measure_word": text[-1]}}
    return Figure(fig_id, text, Decimal(value), source)


def test_the_checker_warns_of_two_values_for_one_concept(ledger: Any, monkeypatch: Any) -> None:
    _register(monkeypatch, _provider("test_lectures_held", "召开宣讲场次", 7))
    runs: list[Any] = ["开展宣讲活动", _figure("f1", "lecture_events", "宣讲场次", 12, "12场"), "。同时，召开宣讲",
                       _figure("f2", "test_lectures_held", "召开宣讲场次", 7, "7场"), "；宣讲",
                       _figure("f3", "lecture_events", "宣讲场次", 12, "12场"), "；南城街道宣讲",
                       _figure("f4", "lecture_events", "宣讲场次", 3, "3场", unit="SC"), "。"]
    doc = Document(title="测试", blocks=[Paragraph("body", runs)])
    report = check_document(doc, recompute=False)
    found = [i for i in report.issues if i.kind == "conflict"]
    assert [(i.figure, i.severity) for i in found] == [("f2", "warning")]  # f3: same value; f4: another unit
    assert "12场" in found[0].message and "7场" in found[0].message
    assert report.ok  # a warning, not a failure of provenance
    assert any("同一范围、同一时间段有两个不同数值" in line for line in report.lines())


def test_year_on_year_is_the_dashboards_for_a_running_period(ledger: Any) -> None:
    """A stock figure (志愿服务队伍数: each unit's highest count, summed) of a year still running: compared with last
    year up to the same day, as the dashboard does, not with the whole of last year."""
    from taizhang.core.testing import make_record

    tree = ledger.tree
    make_record(tree.street_a, "vol_stats", {"vol_teams": 20, "vol_registered": 500}, day=D(2025, 3, 1))
    make_record(tree.street_a, "vol_stats", {"vol_teams": 25, "vol_registered": 600}, day=D(2025, 11, 1))  # after
    make_record(tree.street_a, "vol_stats", {"vol_teams": 30, "vol_registered": 700}, day=D(2026, 5, 1))
    period, today = parse_period("2026"), D(2026, 6, 15)
    doc = compose(tree.district, period, options=ComposeOptions(today=today, ranks=False)).document
    change = next(f for f in doc.figures() if f.source["kind"] == "change" and f.source["metric"] == "vol_teams")
    assert change.source["previous_period"] == {"start": "2025-01-01", "end": "2025-06-15"}
    scope: Scope = make_scope(tree.district, period, user=None, today=today)
    metric = MetricDefinition.objects.get(key="vol_teams")
    current, previous = scope.figure(metric), scope.figure(metric, previous=True)
    dashboard = change_between(metric, current.value, previous.value, previous.count > 0)
    assert (current.value, previous.value) == (30, 20)
    assert change.value == dashboard.value == Decimal("50.0")
    assert "现有志愿服务队伍30支，比去年同期增长50%" in _line(doc, "volunteers")
    # A finished period is compared with the whole of last year, whatever today is.
    whole = compose(tree.district, parse_period("2025"), options=ComposeOptions(today=today, ranks=False)).document
    assert all(f.source["previous_period"]["end"] == "2024-12-31" for f in whole.figures()
               if f.source["kind"] == "change")
    assert compute("vol_teams", period=parse_period("2025"), unit=tree.district).value == 25


def test_the_draft_page_tells_the_writer_which_value_was_written(ledger: Any, monkeypatch: Any, client: Any) -> None:
    from django.urls import reverse

    from taizhang.core.testing import make_user
    from taizhang.reports import actions

    _register(monkeypatch, _provider("test_lectures_held", "开展宣讲场次", 7))
    staff = make_user("staff", ledger.tree.district)
    summary = actions.compose_summary(acting_user=staff, unit=ledger.tree.district, period="2024")
    client.force_login(staff)
    page = client.get(reverse("reports:summary_detail", args=[summary.pk])).content.decode()
    assert "数据口径提示" in page
    assert "“开展宣讲场次”与“宣讲场次”是同一项数据，文中采用系统计算的7场，未写台账填报的12场" in page
