"""The civility bulletin in a number of queries that does not depend on the number of units (docs/scale.md), with
the numbers each unit's score and problem counts give when asked alone (`compute_score`, `problem_counts`)."""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from taizhang.civility.bulletin import build_document
from taizhang.civility.models import Framework
from taizhang.civility.scoring import compute_score, problem_counts
from taizhang.civility.tests.factories import framework
from taizhang.core.periods import parse_period
from taizhang.core.testing import make_user
from taizhang.org import actions as org_actions
from taizhang.org.models import Unit
from taizhang.org.scoping import subtree_ids
from taizhang.reports.document import Document, Figure, Table

from .test_score_queries import _street

MAY = parse_period("2024-05")
ISSUED = datetime.date(2024, 6, 3)
FIELDS = ["found", "rectified", "overdue", "recurring"]


@pytest.fixture
def district(db: Any) -> Unit:
    return org_actions.create_unit(acting_user=None, code="D", name="测试区委宣传部", kind=Unit.Kind.DISTRICT)


def _build(owner: Unit, fw: Framework) -> tuple[int, Document]:
    with CaptureQueriesContext(connection) as ctx:
        doc = build_document(owner, MAY, "monthly", issued_on=ISSUED, framework=fw)
    assert doc is not None
    return len(ctx.captured_queries), doc


def _unit_table(doc: Document) -> Table:
    return next(b for b in doc.blocks if isinstance(b, Table) and b.caption.endswith("各单位文明创建测评情况"))


def test_bulletin_queries_do_not_depend_on_the_number_of_units(district: Unit) -> None:
    fw = framework(district)
    staff = make_user("staff", district, username="wmb_staff")
    for n in (1, 2):
        _street(district, fw, n, staff)
    _build(district, fw)  # warm-up
    two, doc = _build(district, fw)
    assert len(_unit_table(doc).rows) == 2
    for n in (3, 4, 5):
        _street(district, fw, n, staff)
    five, doc = _build(district, fw)
    assert len(_unit_table(doc).rows) == 5
    assert two == five, (two, five)


def test_bulletin_numbers_are_each_units_own(district: Unit) -> None:
    fw = framework(district)
    staff = make_user("staff", district, username="wmb_staff")
    streets = [_street(district, fw, n, staff) for n in range(1, 6)]
    quiet = org_actions.create_unit(acting_user=None, code="SQ", name="无测评街道", kind=Unit.Kind.STREET,
                                    parent=district, sort_order=9)
    _n, doc = _build(district, fw)
    rows = _unit_table(doc).rows
    by_name = {s.name: s for s in streets}
    assert sorted(str(r[0]) for r in rows) == sorted(by_name)  # the street without data left out
    assert quiet.name not in [r[0] for r in rows]

    def expected(unit: Unit) -> list[tuple[str, Decimal, list[int]]]:
        result = compute_score(fw, MAY, unit)
        counts = problem_counts(MAY, set(subtree_ids(unit)))
        assert result.score is not None
        return [("civility_score", result.score, result.inspection_ids)] + [
            (f"civility_problems_{field}", Decimal(len(getattr(counts, field))), sorted(getattr(counts, field)))
            for field in FIELDS]

    scores = []
    for row in rows:
        unit = by_name[str(row[0])]
        figures = [f for f in row[1:] if isinstance(f, Figure)]
        assert len(figures) == 5
        assert [(f.source["metric"], f.value, f.source["records"]) for f in figures] == expected(unit)
        assert all(f.source["unit"] == unit.code and f.source["value"] == str(f.value) for f in figures)
        scores.append(figures[0].value)
    assert scores == sorted(scores, reverse=True)  # ranked by score
    # the head's figures: the district asked alone
    head = {f.source["metric"]: f for f in doc.figures() if f.source["unit"] == district.code}
    alone = problem_counts(MAY, set(subtree_ids(district)))
    for field in FIELDS:
        got = head[f"civility_problems_{field}"]
        assert got.source["records"] == sorted(getattr(alone, field)) and got.value == len(getattr(alone, field))
    assert head["civility_score"].value == compute_score(fw, MAY, district).score
    assert any(head[f"civility_problems_{field}"].value for field in FIELDS)
    # the overdue units named in the 督促 paragraph, with the overdue counts each has alone
    late = [f for f in doc.figures() if f.source["metric"] == "civility_problems_overdue"
            and f.source["unit"] != district.code and f.text.endswith("个")]
    assert late and all(
        f.value == len(problem_counts(MAY, set(subtree_ids(Unit.objects.get(code=f.source["unit"])))).overdue)
        for f in late)


def test_a_bulletins_figures_open_their_source(district: Unit) -> None:
    """Figures were href="#" (a tap on a phone jumped to the top); each opens its source page."""
    import re

    from django.test import Client
    from django.urls import reverse

    from taizhang.civility import actions

    fw = framework(district)
    staff = make_user("staff", district, username="wmb_staff")
    _street(district, fw, 1, staff)
    bulletin = actions.create_bulletin(acting_user=None, owner=district, kind="monthly", period_spec="2024-05")
    client = Client()
    client.force_login(staff)
    page = client.get(reverse("civility:bulletin_detail", args=[bulletin.pk])).content.decode()
    links = dict(re.findall(r'<a class="tz-figure" data-figure="(\w+)" href="([^"]+)"', page))
    figures = Document.from_dict(bulletin.document).figure_map()
    assert figures and set(links) == set(figures)
    fig_id, figure = next(iter(figures.items()))
    opened = client.get(links[fig_id])
    assert opened.status_code == 200 and figure.text in opened.content.decode()
    assert "数据来源" in opened.content.decode()
