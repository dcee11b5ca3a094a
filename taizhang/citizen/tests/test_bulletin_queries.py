"""The monthly 随手拍 bulletin in a number of queries that does not depend on the number of streets (docs/scale.md),
with the numbers each street's figures give when asked alone (`stats.value` of the street's subtree)."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from taizhang.citizen import stats
from taizhang.citizen.bulletin import build_document
from taizhang.core.periods import parse_period
from taizhang.org import actions as org_actions
from taizhang.org.models import Unit
from taizhang.reports.document import Document, Figure, Table

from .test_stats_queries import _add_streets, _district, _report

pytestmark = pytest.mark.django_db

ISSUED = datetime.date(2024, 6, 3)
STREET_METRICS = [("citizen_reports_received", "受理量"), ("citizen_closure_rate", "办结率"),
                  ("citizen_ontime_rate", "按时办结率"), ("citizen_satisfaction_rate", "满意率")]


def _build(spec: str) -> tuple[int, Document]:
    with CaptureQueriesContext(connection) as ctx:
        doc = build_document(parse_period(spec), issued_on=ISSUED)
    return len(ctx.captured_queries), doc


def _street_table(doc: Document) -> Table:
    return next(b for b in doc.blocks if isinstance(b, Table) and b.caption.endswith("各街道随手拍办理情况"))


@pytest.mark.parametrize("spec", ["2024-05", "2024Q2"])
def test_bulletin_queries_do_not_depend_on_the_number_of_streets(spec: str) -> None:
    district = _district()
    for n in range(140):  # reports of the district itself in every category, channel and state, in May
        _report(district, None, datetime.date(2024, 5, 1 + n % 28), n)
    _add_streets(district, 2)
    _build(spec)  # warm caches (the providers' registry, settings) as a second bulletin finds them
    few, doc = _build(spec)
    assert len(_street_table(doc).rows) == 2
    _add_streets(district, 3)
    many, doc = _build(spec)
    assert len(_street_table(doc).rows) == 5
    assert few == many


def _alone(street: Unit, spec: str) -> list[tuple[str, Decimal, list[int], list[int]]]:
    """The street's row as each figure gives it asked alone: (metric, value, sorted record ids, unit ids)."""
    period = parse_period(spec)
    sub = stats.subtree(street)
    out = []
    for metric, _label in STREET_METRICS:
        value, ids = stats.value(metric, period, sub)
        out.append((metric, value, sorted(ids), sub))
    return out


@pytest.mark.parametrize("spec", ["2024-05", "2024Q2", "2024-04-03..2024-05-20"])
def test_bulletin_street_rows_are_each_street_asked_alone(spec: str) -> None:
    district = _district()
    streets = _add_streets(district, 4)
    empty = org_actions.create_unit(acting_user=None, code="STX", name="无报告街道", kind=Unit.Kind.STREET,
                                    parent=district, sort_order=0)
    _count, doc = _build(spec)
    rows = _street_table(doc).rows
    assert [r[0] for r in rows] == [s.name for s in streets]  # the street without reports left out, order kept
    assert empty.name not in [r[0] for r in rows]
    for street, row in zip(streets, rows, strict=True):
        figures = row[1:]
        assert all(isinstance(f, Figure) for f in figures)
        got = [(f.source["metric"], f.value, sorted(f.source["records"]), f.source["units"])
               for f in figures if isinstance(f, Figure)]
        assert got == _alone(street, spec)
        for f, (_metric, label) in zip(figures, STREET_METRICS, strict=True):
            assert isinstance(f, Figure)
            assert f.source["label"] == f"{street.name}{label}" and f.source["value"] == str(f.value)
        received = figures[0]
        assert isinstance(received, Figure) and received.value > 0 and received.text == str(int(received.value))
    # the district's figures (whole tree) are unchanged: 受理量 of the district is every street's sum
    total = next(f for f in doc.figures() if f.source["metric"] == "citizen_reports_received"
                 and not f.source["filters"] and f.source["units"] is None)
    assert total.value == sum(r[1].value for r in rows if isinstance(r[1], Figure))
