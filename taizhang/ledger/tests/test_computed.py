"""Computed metrics (ledger.providers): a metric answered by a provider an app registers works wherever a reported
metric does — compute() with breakdowns, the metric row, the dashboard card and drill-down, a target's progress, a
composed summary and check-report (a tampered number is caught)."""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import pytest

from taizhang.core.errors import InvalidInput
from taizhang.core.periods import parse_period
from taizhang.core.testing import PASSWORD, make_user
from taizhang.ledger import providers
from taizhang.ledger.figures import compute
from taizhang.ledger.models import MetricDefinition
from taizhang.ledger.taxonomy import sync_computed_metrics

pytestmark = pytest.mark.django_db
D = datetime.date
ROWS_PAGE = "ledger:record_list"  # any named page will do: the fake provider's "rows page"


@dataclass
class Row:
    id: int
    unit_id: int
    day: datetime.date
    closed: bool


class FakeCases:
    """A small table held in memory: the provider counts its rows (办结件数) and a rate (办结率)."""

    def __init__(self) -> None:
        self.rows: list[Row] = []
        self.calls = 0

    def add(self, unit: Any, day: datetime.date, closed: bool) -> Row:
        row = Row(len(self.rows) + 1, unit.pk, day, closed)
        self.rows.append(row)
        return row

    def select(self, q: providers.FigureQuery) -> list[Row]:
        self.calls += 1
        return [r for r in self.rows if q.period.start <= r.day <= q.period.end
                and (q.unit_ids is None or r.unit_id in q.unit_ids)]

    def closed(self, q: providers.FigureQuery) -> providers.Provided:
        rows = [r for r in self.select(q) if r.closed]
        return providers.Provided(Decimal(len(rows)), [r.id for r in rows])

    def rate(self, q: providers.FigureQuery) -> providers.Provided:
        rows = self.select(q)
        return providers.Provided(providers.rate(sum(r.closed for r in rows), len(rows)), [r.id for r in rows])


@pytest.fixture
def cases(taxonomy: Any, tree: Any, monkeypatch: Any) -> FakeCases:
    fake = FakeCases()
    monkeypatch.setitem(providers.PROVIDERS, "test_cases_closed", providers.Provider(
        metric="test_cases_closed", name="测试办结件数", measure_word="件", line="civility", source="test.case",
        compute=fake.closed, rows_url=ROWS_PAGE, description="已办结的测试工单"))
    monkeypatch.setitem(providers.PROVIDERS, "test_closure_rate", providers.Provider(
        metric="test_closure_rate", name="测试办结率", measure_word="%", line="civility", source="test.case",
        compute=fake.rate, rows_url=ROWS_PAGE, is_rate=True))
    sync_computed_metrics()
    # 2024: SA1 3 of 4 closed, SA2 1 of 1, SB1 0 of 2, BE 1 of 1; 2023: SA1 1 of 2.
    for day, closed in [(D(2024, 1, 5), True), (D(2024, 1, 20), True), (D(2024, 3, 1), True), (D(2024, 3, 2), False)]:
        fake.add(tree.community_a1, day, closed)
    fake.add(tree.community_a2, D(2024, 5, 1), True)
    fake.add(tree.community_b1, D(2024, 6, 1), False)
    fake.add(tree.community_b1, D(2024, 6, 2), False)
    fake.add(tree.bureau, D(2024, 7, 1), True)
    fake.add(tree.community_a1, D(2023, 4, 1), True)
    fake.add(tree.community_a1, D(2023, 4, 2), False)
    return fake


Y2024 = parse_period("2024")


def test_sync_makes_an_ordinary_metric_row(cases: FakeCases, monkeypatch: Any) -> None:
    m = MetricDefinition.objects.select_related("line").get(key="test_closure_rate")
    assert (m.source, m.line.key, m.name, m.measure_word, m.kind, m.is_active) == (
        "computed", "civility", "测试办结率", "%", "percent", True)
    provider = providers.PROVIDERS["test_closure_rate"]
    monkeypatch.setitem(providers.PROVIDERS, "test_closure_rate",
                        providers.Provider(**{**provider.__dict__, "name": "测试按期办结率"}))
    assert sync_computed_metrics() == 0
    m.refresh_from_db()
    assert (m.name, m.version) == ("测试按期办结率", 2)
    monkeypatch.delitem(providers.PROVIDERS, "test_closure_rate")
    sync_computed_metrics()
    m.refresh_from_db()
    assert not m.is_active  # provider gone: deactivated, history kept


def test_compute_calls_the_provider_with_breakdowns(cases: FakeCases, tree: Any) -> None:
    whole = compute("test_cases_closed", period=Y2024, unit="D")
    assert whole.value == 5
    assert whole.records == [1, 2, 3, 5, 8]
    assert whole.provider == "test.case"
    src = whole.source()
    assert src["provider"] == "test.case"
    assert src["rows_url"].endswith("?ids=1,2,3,5,8")

    rate = compute("test_closure_rate", period=Y2024, unit="D", by="unit")
    assert rate.value == Decimal("62.5")  # 5 of 8: computed on the whole, never summed from the parts
    rows = {r.key: r for r in rate.breakdown}
    assert rows["SA"].value == Decimal(80) and rows["SA"].records == [1, 2, 3, 4, 5]
    assert rows["SB"].value == 0 and rows["SB"].records == [6, 7]
    assert rows["BE"].value == 100
    assert "D" not in rows  # nothing at the district itself

    months = compute("test_cases_closed", period=Y2024, unit=tree.street_a, by="month")
    assert [r.value for r in months.breakdown][:5] == [2, 0, 1, 0, 1]
    assert len(months.breakdown) == 12

    with pytest.raises(InvalidInput, match="不能按媒体级别分组"):
        compute("test_cases_closed", period=Y2024, by="level")


def test_user_scope_reaches_the_provider(cases: FakeCases, tree: Any) -> None:
    liaison = make_user("viewer", tree.street_b)
    result = compute("test_cases_closed", period=Y2024, unit="D", user=liaison)
    assert (result.value, result.records) == (0, [])
    assert compute("test_closure_rate", period=Y2024, unit="D", user=liaison).records == [6, 7]


def test_dashboard_card_shows_and_links_the_computed_figure(cases: FakeCases, tree: Any, client: Any) -> None:
    from django.core.cache import cache

    cache.clear()
    user = make_user("viewer", tree.district)
    client.login(username=user.username, password=PASSWORD)
    body = client.get("/ledger/dashboard/card/civility/", {"period": "2024", "unit": "D"}).content.decode()
    assert "测试办结率" in body and "62.5" in body
    link = "/ledger/dashboard/records/?metric=test_cases_closed&amp;period=2024&amp;unit=D"
    assert link in body
    # opened, the link leads to the provider's rows page with exactly the rows behind the figure
    response = client.get(link.replace("&amp;", "&"))
    assert response.status_code == 302 and response["Location"].endswith("?ids=1,2,3,5,8")
    from taizhang.ledger import dashboard

    info = next(i for i in dashboard.lines_with_metrics("civility"))
    scope = dashboard.make_scope(tree.district, Y2024, user=user, today=D(2025, 1, 10))
    fig = next(f for f in dashboard.line_card(scope, info).figures if f.metric.key == "test_closure_rate")
    assert fig.value == Decimal("62.5")
    assert fig.previous_value == 50  # 2023: 1 of 2
    assert fig.change.text == "↑12.5个百分点"  # a rate's 同比 is a difference in points
    assert fig.url is not None
    assert client.get(fig.url)["Location"].endswith("?ids=1,2,3,4,5,6,7,8")


def test_target_progress_on_a_computed_metric(cases: FakeCases, tree: Any) -> None:
    from taizhang.targets import actions as target_actions
    from taizhang.targets.progress import target_progress

    target = target_actions.create_target(
        acting_user=None, year=2024, key="closed", name="工单办结", owner=tree.district,
        metric=MetricDefinition.objects.get(key="test_cases_closed"), value=10)
    progress = target_progress(target, as_of=D(2024, 12, 31))
    assert progress.total is not None
    assert progress.total.actual.value == 5
    assert progress.total.actual.records == [1, 2, 3, 5, 8]
    assert progress.total.completion == Decimal(50)


def test_summary_figure_and_check_report_on_a_computed_metric(cases: FakeCases, tree: Any) -> None:
    from taizhang.reports.actions import compose_summary
    from taizhang.reports.checker import check_document
    from taizhang.reports.document import Document

    summary = compose_summary(acting_user=None, unit=tree.district, period="2024")
    doc = Document.from_dict(summary.document)
    figs = [f for f in doc.figures() if f.source.get("metric") == "test_closure_rate"]
    assert figs, "the composed summary names the computed metric"
    fig = figs[0]
    assert fig.text == "62.5%"
    assert fig.source["provider"] == "test.case"
    report = check_document(doc)
    assert not [i for i in report.errors if i.figure == fig.id]
    # The system of record changes after the summary was written: check-report catches the stale number.
    cases.add(tree.community_b1, D(2024, 8, 1), True)
    report = check_document(doc)
    stale = [i for i in report.errors if i.figure == fig.id]
    assert [i.kind for i in stale] == ["stale"]
    assert "66.7%" in stale[0].message


def test_real_case_providers_on_dashboard_summary_and_check(taxonomy: Any, tree: Any, client: Any) -> None:
    """The cases app's registered providers (受理量, 办结率…) through the same paths as any metric."""
    from django.core.cache import cache
    from django.utils import timezone

    from taizhang.cases.models import Case
    from taizhang.cases.tests.helpers import case_in
    from taizhang.reports.actions import compose_summary
    from taizhang.reports.checker import check_document
    from taizhang.reports.document import Document

    cache.clear()
    closed = case_in(Case.State.CLOSED, tree.community_a1)
    case_in(Case.State.ACCEPTED, tree.community_a1)
    case_in(Case.State.CLOSED, tree.community_b1)
    case_in(Case.State.CANCELLED, tree.community_b1)  # left out of the cohort
    year = parse_period(str(timezone.localdate().year))
    m = MetricDefinition.objects.get(key="case_closure_rate")
    assert (m.source, m.line.key, m.measure_word) == ("computed", "civility", "%")
    result = compute("case_closure_rate", period=year, unit="D", by="unit")
    assert result.value == Decimal("66.7") and result.provider == "cases.case"
    rows = {r.key: r for r in result.breakdown}
    assert rows["SA"].value == 50 and rows["SB"].value == 100 and rows["BE"].value == 0
    assert closed.pk in rows["SA"].records

    user = make_user("viewer", tree.district)
    client.login(username=user.username, password=PASSWORD)
    body = client.get("/ledger/dashboard/card/civility/", {"period": year.spec, "unit": "D"}).content.decode()
    assert "办结率" in body and "66.7" in body
    link = f"/ledger/dashboard/records/?metric=case_closure_rate&period={year.spec}&unit=D"
    assert client.get(link)["Location"].startswith("/cases/")

    summary = compose_summary(acting_user=None, unit=tree.district, period=year.spec)
    doc = Document.from_dict(summary.document)
    fig = next(f for f in doc.figures() if f.source.get("metric") == "case_closure_rate")
    assert fig.text == "66.7%" and fig.source["provider"] == "cases.case"
    assert not [i for i in check_document(doc).errors if i.figure == fig.id]
    case_in(Case.State.CLOSED, tree.bureau)  # 3 of 4 now
    stale = [i for i in check_document(doc).errors if i.figure == fig.id]
    assert [i.kind for i in stale] == ["stale"] and "75%" in stale[0].message
