"""Drill-down (数字溯源): a tile's or a card's link lists exactly the records behind its number, also beyond
DRILL_IDS_MAX records (the demo's 文明实践活动场次 239 opened a list of 240: the line's filter, holding a 实践站
record that carries another metric), and beyond DRILL_URL_MAX, where the record list filters by the figure itself
(?metric=&period=&unit=[&level=], `ledger.drill`): counts, stock metrics, outlet levels, a liaison's scope, bad
parameters and the Excel export."""

from __future__ import annotations

import datetime
import io
from typing import Any
from urllib.parse import urlencode

import pytest

from taizhang.core.periods import parse_period
from taizhang.core.testing import PASSWORD, make_record, make_user
from taizhang.ledger import dashboard
from taizhang.ledger.figures import compute

pytestmark = pytest.mark.django_db
D = datetime.date


@pytest.fixture(autouse=True)
def _fresh_cache() -> Any:
    from django.core.cache import cache

    cache.clear()
    yield
    cache.clear()


def _rows_behind(client: Any, url: str) -> tuple[str, int]:
    """Where a figure's link leads and how many records that list holds."""
    response = client.get(url)
    assert response.status_code == 302, url
    location: str = response["Location"]
    listed = client.get(location)
    assert listed.status_code == 200
    return location, listed.context["page"].paginator.count


@pytest.mark.parametrize("metric", ["practice_activities", "practice_participants"])
def test_link_lists_as_many_records_as_the_figure_counts(
    client: Any, taxonomy: Any, tree: Any, monkeypatch: Any, metric: str
) -> None:
    monkeypatch.setattr(dashboard, "DRILL_IDS_MAX", 2)  # the demo's 239 > 200, at a test's scale
    for i, (unit, kind) in enumerate([(tree.community_a1, "practice_activity"), (tree.community_a2,
                                      "practice_activity"), (tree.street_b, "practice_activity")]):
        make_record(unit, kind, {"practice_participants": 40 + i}, day=D(2024, 3 + i, 5))
    make_record(tree.street_a, "practice_site", {"practice_sites_built": 1}, day=D(2024, 6, 1))
    user = make_user("viewer", tree.district)
    client.login(username=user.username, password=PASSWORD)
    figure = compute(metric, period=parse_period("2024"), unit="D")
    assert figure.count == 3

    tile = client.get("/ledger/dashboard/kpi/practice/", {"period": "2024", "unit": "D"}).context["fig"]
    card = client.get("/ledger/dashboard/card/practice/", {"period": "2024", "unit": "D"}).context["card"]
    shown = next(f for f in card.figures if f.metric.key == metric)
    links = [shown.url] + ([tile.url] if tile.metric.key == metric else [])
    for url in links:
        location, rows = _rows_behind(client, url)
        # before: /ledger/records/?period=2024&unit=D&line=practice&status=approved, 4 rows (the 实践站 too)
        assert rows == figure.count, location
        assert location.startswith(f"/ledger/records/?metric={metric}&")


def _beyond_the_budget(monkeypatch: Any) -> None:
    """Every drill-down past the URL budget: the record list filtered by the figure itself."""
    monkeypatch.setattr(dashboard, "DRILL_IDS_MAX", 0)
    monkeypatch.setattr(dashboard, "DRILL_URL_MAX", 10)


def _listed(client: Any, url: str, **params: str) -> tuple[set[int], Any]:
    """The ids a record-list page holds (all its pages) and its response; `params` added to the url's."""
    if params:
        url = f"{url}{'&' if '?' in url else '?'}{urlencode(params)}"
    response = client.get(url)
    assert response.status_code == 200, url
    page = response.context["page"]
    ids = {r.pk for r in page.paginator.object_list}
    assert len(ids) == page.paginator.count
    return ids, response


@pytest.fixture
def practice(taxonomy: Any, tree: Any) -> dict[str, Any]:
    """文明实践活动 in SA1, SA2 and SB, a 实践站 record of the same line carrying another metric, a draft and
    last year's activity: the 2024 figure counts three records."""
    r: dict[str, Any] = {}
    for key, unit, month in (("a1", tree.community_a1, 3), ("a2", tree.community_a2, 4), ("sb", tree.street_b, 5)):
        r[key] = make_record(unit, "practice_activity", {"practice_participants": 40 + month}, day=D(2024, month, 5))
    r["site"] = make_record(tree.street_a, "practice_site", {"practice_sites_built": 1}, day=D(2024, 6, 1))
    r["draft"] = make_record(tree.community_a1, "practice_activity", {"practice_participants": 9},
                             day=D(2024, 7, 1), status="draft")
    r["old"] = make_record(tree.community_a1, "practice_activity", {"practice_participants": 9}, day=D(2023, 7, 1))
    return r


def test_beyond_the_url_budget_the_list_holds_exactly_the_figures_records(
    client: Any, practice: Any, tree: Any, monkeypatch: Any
) -> None:
    _beyond_the_budget(monkeypatch)
    client.force_login(make_user("viewer", tree.district))
    figure = compute("practice_activities", period=parse_period("2024"), unit="D")
    assert figure.count == 3
    card = client.get("/ledger/dashboard/card/practice/", {"period": "2024", "unit": "D"}).context["card"]
    shown = next(f for f in card.figures if f.metric.key == "practice_activities")
    location, rows = _rows_behind(client, shown.url)
    # before: ?period=2024&unit=D&line=practice&type=…&status=approved, which also held the 实践站 record
    assert location == "/ledger/records/?metric=practice_activities&period=2024&unit=D"
    assert rows == figure.count
    ids, response = _listed(client, location)
    assert ids == set(figure.records) == {practice[k].pk for k in ("a1", "a2", "sb")}
    html = response.content.decode()
    assert "以下为「文明实践活动场次」2024年 测试区委宣传部（含下级） 的 3 条记录（与看板数字一致）" in html
    assert 'href="?period=2024&amp;unit=D">清除溯源条件</a>' in html
    # the filter bar keeps the figure when the list is sorted or filtered further
    assert '<input type="hidden" name="metric" value="practice_activities"' in html
    # further filters narrow the figure's records, and the notice says so
    ids, response = _listed(client, location, q=practice["a1"].title)
    assert ids == {practice["a1"].pk}
    assert "按其他筛选条件，列出其中 1 条" in response.content.decode()
    # another period: that period's figure
    ids, _response = _listed(client, "/ledger/records/", metric="practice_activities", period="2023", unit="D")
    assert ids == {practice["old"].pk}


def test_a_stock_metric_lists_each_units_highest_record(
    client: Any, taxonomy: Any, tree: Any, monkeypatch: Any
) -> None:
    """文明单位总数 (MAX): each unit's highest value, summed; the list holds the record of each unit's highest (the
    lowest id among equals, as the figure's ids), not every 统计 record of the period."""
    _beyond_the_budget(monkeypatch)

    def stats(unit: Any, value: int, month: int) -> Any:
        return make_record(unit, "civ_stats", {"civ_units_total": value}, day=D(2024, month, 1))

    sa_low, sa_high = stats(tree.street_a, 100, 2), stats(tree.street_a, 150, 5)
    a1 = stats(tree.community_a1, 80, 3)
    sb_first, sb_tie = stats(tree.street_b, 120, 4), stats(tree.street_b, 120, 6)
    client.force_login(make_user("viewer", tree.district))
    figure = compute("civ_units_total", period=parse_period("2024"), unit="D")
    assert (figure.value, figure.count) == (350, 3)
    location, rows = _rows_behind(client, "/ledger/dashboard/records/?metric=civ_units_total&period=2024&unit=D")
    assert location == "/ledger/records/?metric=civ_units_total&period=2024&unit=D"
    assert rows == figure.count
    ids, response = _listed(client, location)
    assert ids == set(figure.records) == {sa_high.pk, a1.pk, sb_first.pk}
    assert sa_low.pk not in ids and sb_tie.pk not in ids
    assert "每个单位取数值最高的一条" in response.content.decode()
    # a street's figure: its own highest and its community's
    ids, _response = _listed(client, "/ledger/records/", metric="civ_units_total", period="2024", unit="SA")
    assert ids == set(compute("civ_units_total", period=parse_period("2024"), unit="SA").records)
    assert ids == {sa_high.pk, a1.pk}


def test_a_liaison_sees_only_the_records_of_their_units(
    client: Any, practice: Any, tree: Any, monkeypatch: Any
) -> None:
    _beyond_the_budget(monkeypatch)
    liaison = make_user("liaison", tree.street_a)
    client.force_login(liaison)
    figure = compute("practice_activities", period=parse_period("2024"), unit="SA", user=liaison)
    location, rows = _rows_behind(client, "/ledger/dashboard/records/?metric=practice_activities&period=2024&unit=SA")
    assert location == "/ledger/records/?metric=practice_activities&period=2024&unit=SA"
    assert rows == figure.count == 2
    # without a unit: the figure over every unit the liaison sees, not the district's 3
    ids, response = _listed(client, "/ledger/records/", metric="practice_activities", period="2024")
    assert ids == {practice["a1"].pk, practice["a2"].pk}
    assert "全部单位 的 2 条记录" in response.content.decode()
    # a unit outside their view: a form error, no records passed off as the figure's
    response = client.get("/ledger/records/", {"metric": "practice_activities", "period": "2024", "unit": "SB"})
    assert response.status_code == 200
    assert response.context["figure"] is None
    assert "时间段或单位有误，无法列出该统计数字的记录" in response.content.decode()
    assert practice["sb"].pk not in {r.pk for r in response.context["page"].paginator.object_list}


@pytest.mark.parametrize(("params", "message"), [
    ({"metric": "no_such_metric", "period": "2024"}, "指标“no_such_metric”不存在"),
    ({"metric": "practice_activities", "period": "2024", "level": "galactic"}, "媒体级别“galactic”无效"),
    ({"level": "national", "period": "2024"}, "按媒体级别筛选记录时须同时指定指标"),
    ({"metric": "practice_activities"}, "按指标“文明实践活动场次”查看记录时须指定时间段"),
    ({"metric": "x" * 300, "period": "2024"}, "指标或媒体级别参数无效"),
    ({"metric": "practice_activities", "period": "2024H3"}, "时间段或单位有误"),
])
def test_bad_figure_parameters_give_a_chinese_error(
    client: Any, practice: Any, tree: Any, params: dict[str, str], message: str
) -> None:
    client.force_login(make_user("viewer", tree.district))
    response = client.get("/ledger/records/", params)
    assert response.status_code == 200
    assert response.context["figure"] is None
    assert message in response.content.decode()
    assert "与看板数字一致" not in response.content.decode()
    # no rows under the error: other records would pass for the figure's
    assert response.context["page"].paginator.count == 0


def test_a_computed_metric_is_not_a_ledger_filter(client: Any, taxonomy: Any, tree: Any) -> None:
    from taizhang.ledger.models import MetricDefinition

    computed = MetricDefinition.objects.filter(source=MetricDefinition.Source.COMPUTED).first()
    assert computed is not None  # the apps' providers (cases, volunteers…) are synced with the taxonomy
    client.force_login(make_user("viewer", tree.district))
    response = client.get("/ledger/records/", {"metric": computed.key, "period": "2024"})
    assert response.status_code == 200
    assert f"“{computed.name}”由系统计算" in response.content.decode()


@pytest.fixture
def placements(taxonomy: Any, tree: Any) -> dict[str, list[Any]]:
    """用稿: two national in SA1, three provincial in SB, one whose figure has no outlet level (未分级)."""
    from taizhang.ledger.actions import PlacementInput
    from taizhang.ledger.models import Outlet, RecordFigure

    national = Outlet.objects.filter(level="national")[0]
    provincial = Outlet.objects.filter(level="provincial")[0]

    def placed(unit: Any, outlet: Any, n: int, name: str) -> list[Any]:
        return [make_record(unit, "placement", {}, day=D(2024, 3, 1 + i),
                            placement=PlacementInput(outlet=outlet, article_title=f"{name}{i}")) for i in range(n)]

    found = {"national": placed(tree.community_a1, national, 2, "国家级稿"),
             "provincial": placed(tree.street_b, provincial, 4, "省级稿")}
    unlevelled = found["provincial"].pop()
    RecordFigure.objects.filter(record=unlevelled).update(outlet_level="")
    found["none"] = [unlevelled]
    return found


@pytest.mark.parametrize("level", ["national", "provincial", "none"])
def test_the_level_filter_lists_one_outlet_level(
    client: Any, placements: Any, tree: Any, monkeypatch: Any, level: str
) -> None:
    _beyond_the_budget(monkeypatch)
    client.force_login(make_user("viewer", tree.district))
    expected = {r.pk for r in placements[level]}
    figure = compute("placements", period=parse_period("2024"), unit="D", outlet_level=level)
    assert set(figure.records) == expected
    link = f"/ledger/dashboard/records/?metric=placements&period=2024&unit=D&level={level}"
    location, rows = _rows_behind(client, link)
    assert location == f"/ledger/records/?metric=placements&period=2024&unit=D&level={level}"
    assert rows == figure.count == len(expected)
    ids, response = _listed(client, location)
    assert ids == expected
    label = {"national": "中央", "provincial": "省级", "none": "未分级"}[level]
    assert f"（媒体级别：{label}）" in response.content.decode()
    # without a level: every placement
    ids, _response = _listed(client, "/ledger/records/", metric="placements", period="2024", unit="D")
    assert ids == {r.pk for rows_ in placements.values() for r in rows_}


def test_a_drill_down_link_with_a_bad_level_is_not_found(client: Any, placements: Any, tree: Any) -> None:
    client.force_login(make_user("viewer", tree.district))
    for level in ("galactic", "NATIONAL"):
        response = client.get("/ledger/dashboard/records/", {"metric": "placements", "period": "2024", "level": level})
        assert response.status_code == 404


def test_the_level_ring_counts_what_its_link_lists(client: Any, placements: Any, tree: Any) -> None:
    """未分级 in the ring (by="level") and the drill-down's level=none are the same records."""
    by_level = compute("placements", period=parse_period("2024"), unit="D", by="level")
    row = next(r for r in by_level.breakdown if r.key == "")
    assert set(row.records) == {r.pk for r in placements["none"]}
    assert row.count == compute("placements", period=parse_period("2024"), unit="D", outlet_level="none").count


def test_the_export_honours_the_figure_filter(
    client: Any, practice: Any, tree: Any, monkeypatch: Any
) -> None:
    """导出Excel on a figure's list exports the figure's records (the list's query string goes to the export)."""
    from openpyxl import load_workbook

    from taizhang.core.errors import InvalidInput
    from taizhang.ledger.excel.filters import filter_records
    from taizhang.ledger.models import Record

    expected = {practice[k].pk for k in ("a1", "a2", "sb")}
    params = {"metric": "practice_activities", "period": "2024", "unit": "D"}
    assert set(filter_records(Record.objects.all(), params).values_list("pk", flat=True)) == expected
    with pytest.raises(InvalidInput):
        filter_records(Record.objects.all(), {"metric": "nope", "period": "2024"})
    liaison = make_user("liaison", tree.street_a)
    client.force_login(liaison)
    listed = client.get("/ledger/records/", {"metric": "practice_activities", "period": "2024", "unit": "SA"})
    export_url = listed.context["export_url"]
    assert "metric=practice_activities" in export_url
    response = client.get(export_url)
    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(response.content)).active
    assert sheet is not None
    header, *rows = list(sheet.iter_rows(values_only=True))
    titles = [row[header.index("标题")] for row in rows]
    assert sorted(titles) == sorted([practice["a1"].title, practice["a2"].title])
    bad = client.get(export_url.replace("practice_activities", "nope"))
    assert bad.status_code == 400 and "指标“nope”不存在" in bad.content.decode()


def test_the_figures_subquery_is_its_ids(taxonomy: Any, tree: Any) -> None:
    """`FigureResult.id_query()` (the list's filter) selects exactly `records` (the ids `LedgerQuery.ids` lists),
    for sums and for stock metrics with ties, whole and partial months, every scope."""
    from taizhang.ledger.models import Record

    units = [tree.district, tree.street_a, tree.community_a1, tree.community_a2, tree.street_b, tree.bureau]
    for i in range(30):
        day = D(2024, 1 + (i * 5) % 12, 1 + (i * 11) % 28)
        make_record(units[i % len(units)], "civ_stats", {"civ_units_total": 100 + (i * 7) % 4}, day=day)
        make_record(units[(i + 1) % len(units)], "practice_activity", {"practice_participants": i + 5}, day=day)
    checked = 0
    for metric in ("civ_units_total", "practice_activities", "practice_participants"):
        for spec in ("2024", "2024Q2", "2024-03-15..2024-08-20"):
            for unit in (None, "D", "SA", "SA1", "SB"):
                figure = compute(metric, period=parse_period(spec), unit=unit)
                chosen = set(Record.objects.filter(pk__in=figure.id_query()).values_list("pk", flat=True))
                assert chosen == set(figure.records)
                assert len(chosen) == figure.count
                checked += bool(chosen)
    assert checked >= 30


def test_ids_too_many_for_the_url_are_never_fetched(taxonomy: Any) -> None:
    """Opening a ledger figure's link goes to the figure's filter without listing its ids in Python, however few."""
    from decimal import Decimal

    from taizhang.ledger.figures import FigureResult
    from taizhang.ledger.models import MetricDefinition

    metric = MetricDefinition.objects.get(key="practice_activities")

    def refuse() -> list[int]:
        raise AssertionError("the ids were fetched")

    many = FigureResult(metric, None, parse_period("2024"), Decimal(5000), count=5000, loader=refuse)
    url = dashboard.opened_records_url(many, period=parse_period("2024"), unit="D", metric=metric)
    assert url == "/ledger/records/?metric=practice_activities&period=2024&unit=D"
    few = FigureResult(metric, None, parse_period("2024"), Decimal(3), count=3, loader=refuse)
    assert dashboard.opened_records_url(few, period=parse_period("2024"), unit="D", metric=metric) == (
        "/ledger/records/?metric=practice_activities&period=2024&unit=D")
    none = FigureResult(metric, None, parse_period("2024"), Decimal(0), count=0, loader=refuse)
    assert dashboard.opened_records_url(none, period=parse_period("2024"), unit="D", metric=metric) is None
