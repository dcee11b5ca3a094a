"""The statistics page (/citizen/stats/) in a number of queries that does not depend on the number of units
(docs/scale.md), with the numbers the per-unit path gives: the page's rows by street and by handling unit compared
with the providers' `compute` for each street's subtree (the page's previous way), the grouped answers with
`compute` for each group."""

from __future__ import annotations

import datetime
import itertools
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from taizhang.accounts.tests.helpers import mfa_client
from taizhang.citizen import stats
from taizhang.citizen.models import AREA_KINDS, Category, Report
from taizhang.core.periods import month_periods, parse_period
from taizhang.core.testing import make_user
from taizhang.ledger.providers import PROVIDERS, FigureQuery
from taizhang.org import actions as org_actions
from taizhang.org.models import Unit

pytestmark = pytest.mark.django_db

_seq = itertools.count(1)
S = Report.Status
# (status, rating, closed on time, hours to close): a mix for every figure of the page
_KINDS = [
    (S.CLOSED, "satisfied", True, 30),
    (S.CLOSED, "unsatisfied", False, 200),
    (S.ANSWERED, "", True, 5),
    (S.REJECTED, "basically_satisfied", None, 49),
    (S.DISPATCHED, "", None, 0),
    (S.NEW, "", None, 0),
    (S.MERGED, "", None, 0),
]


def _report(area: Unit, unit: Unit | None, day: datetime.date, n: int) -> Report:
    status, rating, ontime, hours = _KINDS[n % len(_KINDS)]
    cats = list(Category.objects.order_by("sort_order", "key"))
    submitted = timezone.make_aware(datetime.datetime.combine(day, datetime.time(9, 17, n % 60)))
    closed = status in (S.CLOSED, S.ANSWERED, S.REJECTED)
    return Report.objects.create(
        category=cats[n % len(cats)], description=f"问题{n}", area=area, unit=unit, submitted_at=submitted,
        channel=list(Report.Channel.values)[n % len(Report.Channel.values)], status=status, rating=rating,
        closed_on_time=ontime if closed else None,
        closed_at=submitted + datetime.timedelta(hours=hours, minutes=n % 7, seconds=n % 11) if closed else None,
    )


def _add_streets(district: Unit, count: int) -> list[Unit]:
    """`count` streets with two communities each, and reports in April and May 2024 in every one of them."""
    out = []
    for _ in range(count):
        i = next(_seq)
        street = org_actions.create_unit(acting_user=None, code=f"ST{i}", name=f"街道{i}", kind=Unit.Kind.STREET,
                                         parent=district, sort_order=i)
        units = [street] + [
            org_actions.create_unit(acting_user=None, code=f"ST{i}C{j}", name=f"社区{i}-{j}",
                                    kind=Unit.Kind.COMMUNITY, parent=street)
            for j in (1, 2)
        ]
        for k, area in enumerate(units):
            for n in range(3 + i + k):
                day = datetime.date(2024, 4 + n % 2, 1 + (n * 3 + i) % 28)
                _report(area, units[(n + k) % 3] if n % 4 else None, day, n + i + k)
        out.append(street)
    return out


def _district() -> Unit:
    return org_actions.create_unit(acting_user=None, code="D", name="测试区", kind=Unit.Kind.DISTRICT)


def _client(user: Any) -> Client:
    return mfa_client(user)


def _queries(client: Client, spec: str) -> int:
    client.get("/citizen/stats/", {"period": spec})  # warm caches (menu, roles) as a second visit finds them
    with CaptureQueriesContext(connection) as ctx:
        response = client.get("/citizen/stats/", {"period": spec})
    assert response.status_code == 200
    return len(ctx.captured_queries)


@pytest.mark.parametrize("spec", ["2024-05", "2024Q2"])
def test_stats_page_queries_do_not_depend_on_the_number_of_units(spec: str) -> None:
    district = _district()
    streets = _add_streets(district, 2)
    staff = _client(make_user("staff", district))
    street_staff = _client(make_user("staff", streets[0]))
    few = _queries(staff, spec), _queries(street_staff, spec)
    _add_streets(district, 3)
    many = _queries(staff, spec), _queries(street_staff, spec)
    assert few == many
    assert few[0] < 50  # a row per category and channel: 2 queries each; streets, units and months: 2 each


def _old_summary(period: Any, user: Any) -> dict[str, Any]:
    """The page's tables as it computed them before: each row's figures by `compute`, one call per row."""
    ids = stats.scope_ids(user)
    tables = [stats.Table("合计", [stats._row("全部", period, ids)])]
    tables.append(stats.Table("按类别", [stats._row(c.name, period, ids, category=c.key)
                                       for c in Category.objects.all()]))
    tables.append(stats.Table("按渠道", [stats._row(label, period, ids, channel=key)
                                       for key, label in Report.Channel.choices]))
    root = Unit.objects.filter(parent__isnull=True).order_by("sort_order", "id").first()
    streets = list(Unit.objects.filter(parent=root, kind__in=AREA_KINDS).order_by("sort_order", "code")) if root else []
    rows = []
    for street in streets:
        sub = stats.subtree(street)
        if ids is not None:
            sub = [i for i in sub if i in ids]
            if not sub:
                continue
        rows.append(stats._row(street.name, period, sub))
    tables.append(stats.Table("按街道（问题所在片区）", rows))
    unit_ids = (Report.objects.filter(submitted_at__date__range=(period.start, period.end), unit__isnull=False)
                .values_list("unit_id", flat=True).distinct())
    units = Unit.objects.filter(pk__in=list(unit_ids)).order_by("path")
    tables.append(stats.Table("按责任单位", [stats._row(u.name, period, [u.pk], unit_field="unit") for u in units
                                           if ids is None or u.pk in ids]))
    if period.kind != "month" and (period.end - period.start).days > 40:
        tables.append(stats.Table("按月", [stats._row(m.short_label, m, ids) for m in month_periods(period)]))
    return {"header": [PROVIDERS[k].name.removeprefix("随手拍") for k in stats.KEYS], "tables": tables}


@pytest.mark.parametrize("spec", ["2024-05", "2024Q2", "2024-04-03..2024-05-20"])
def test_stats_page_numbers_are_the_per_unit_numbers(spec: str) -> None:
    district = _district()
    streets = _add_streets(district, 4)
    period = parse_period(spec)
    for user, shown in ((None, 4), (make_user("staff", district), 4), (make_user("staff", streets[1]), 1)):
        new, old = stats.summary(period, user=user), _old_summary(period, user)
        assert new == old
        by_street = next(t for t in new["tables"] if t.title.startswith("按街道"))
        assert len(by_street.rows) == shown
        assert any(v != "0件" for row in by_street.rows for v in row.values[:1])
        by_unit = next(t for t in new["tables"] if t.title == "按责任单位")
        assert by_unit.rows


def test_grouped_answers_are_compute_per_group() -> None:
    district = _district()
    streets = _add_streets(district, 3)
    period = parse_period("2024Q2")
    units = list(Unit.objects.order_by("path"))
    groups = {u.pk: str(next((s.pk for s in streets if u.path.startswith(s.path)), district.pk)) for u in units}
    some = [u.pk for u in units if u.pk != streets[2].pk]  # a scope leaving one unit out
    checked = 0
    for unit_ids, filters in ((None, {}), (some, {}), (None, {"unit_field": "unit"}), (some, {"category": "garbage"}),
                              (some, {"unit_field": "unit", "channel": "web"})):
        for k in stats.KEYS:
            provider = PROVIDERS[k]
            assert provider.grouped is not None
            query = FigureQuery(period=period, unit_ids=unit_ids, filters=filters)
            answered = provider.grouped(query, groups)
            for key in set(groups.values()):
                members = [u for u, g in groups.items() if g == key and (unit_ids is None or u in unit_ids)]
                expected = provider.compute(FigureQuery(period=period, unit_ids=members, filters=filters))
                got = answered.get(key)
                if got is None:
                    assert expected.value == 0 and expected.count == 0
                    continue
                assert got.value == expected.value and got.count == expected.count
                assert sorted(got.ids) == sorted(expected.ids)
                checked += 1
    assert checked > 40
