"""The score page at scale (docs/scale.md): its query count does not depend on the number of child units, and
every number and id behind a link is what the scoring gives each unit asked alone."""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from taizhang.civility import actions
from taizhang.civility.models import Problem, SiteType
from taizhang.civility.scoring import by_standard_rows, compute_score, problem_counts, trend
from taizhang.civility.tests.factories import framework, inspect, site, std
from taizhang.core.periods import parse_period
from taizhang.core.testing import make_user
from taizhang.org import actions as org_actions
from taizhang.org.models import Unit
from taizhang.org.scoping import subtree_ids

D = datetime.date
MAY = parse_period("2024-05")
URL = "/civility/score/?period=2024-05"


@pytest.fixture
def district(db: Any) -> Any:
    unit = org_actions.create_unit(acting_user=None, code="D", name="测试区委宣传部", kind=Unit.Kind.DISTRICT)
    return unit


def _street(district: Unit, fw: Any, n: int, staff: Any) -> Unit:
    """A street with a community, a market (in the community) and a back street, inspected twice in May (failures
    open problems, one closed in May, one overdue), a reviewed document and a survey."""
    street = org_actions.create_unit(acting_user=None, code=f"S{n}", name=f"第{n}街道", kind=Unit.Kind.STREET,
                                     parent=district, sort_order=n)
    community = org_actions.create_unit(acting_user=None, code=f"S{n}C", name=f"第{n}社区",
                                        kind=Unit.Kind.COMMUNITY, parent=street)
    market = site(community, f"M{n}", "market")
    back = site(street, f"B{n}", "back_street")
    first = inspect(market, fw, {"S1": n % 2 == 0, "S2": False}, D(2024, 5, 2 + n))
    inspect(market, fw, {"S1": True, "S2": n % 3 == 0}, D(2024, 5, 12 + n))
    inspect(back, fw, {"S2": n % 2 == 1}, D(2024, 5, 20))
    inspect(back, fw, {"S2": False}, D(2024, 4, 20))  # April: a problem found before the period, closed in it
    problems = list(Problem.objects.filter(inspection=first).order_by("id"))
    Problem.objects.filter(pk=problems[0].pk).update(status=Problem.Status.CLOSED, closed_on=D(2024, 5, 25),
                                                     deadline=D(2024, 5, 20 + n % 2 * 10))
    Problem.objects.filter(site=back, found_on=D(2024, 4, 20)).update(status=Problem.Status.CLOSED,
                                                                      closed_on=D(2024, 5, 3))
    Problem.objects.filter(site=market).exclude(pk=problems[0].pk).update(deadline=D(2024, 5, 18))
    doc = actions.submit_document(acting_user=None, standard=std(fw, "S3"), unit=community,
                                  uploaded=SimpleUploadedFile("方案.txt", "方案".encode()))
    actions.review_document(acting_user=staff, submission=doc, accept=n % 2 == 0, reason="" if n % 2 == 0 else "不全",
                            day=D(2024, 5, 21))
    actions.record_survey(acting_user=None, standard=std(fw, "S4"), unit=street, surveyed_on=D(2024, 5, 22),
                          respondents=100, satisfied=50 + n)
    return street


def _page(client: Client) -> tuple[Any, int]:
    client.get(URL)  # warm-up
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(URL)
    assert response.status_code == 200
    return response, len(ctx.captured_queries)


def test_score_page_queries_do_not_depend_on_units(district: Unit) -> None:
    fw = framework(district)
    staff = make_user("staff", district, username="wmb_staff")
    client = Client()
    client.force_login(staff)
    for n in (1, 2):
        _street(district, fw, n, staff)
    _response, two = _page(client)
    for n in (3, 4, 5):
        _street(district, fw, n, staff)
    response, five = _page(client)
    assert len(response.context["report"]["children"]) == 5
    assert five == two, (two, five)


def test_score_page_numbers_and_ids_are_each_units_own(district: Unit) -> None:
    fw = framework(district)
    staff = make_user("staff", district, username="wmb_staff")
    streets = [_street(district, fw, n, staff) for n in range(1, 6)]
    client = Client()
    client.force_login(staff)
    response, _n = _page(client)
    report, ctx = response.context["report"], response.context

    def entry(unit: Unit) -> dict[str, Any]:
        result = compute_score(fw, MAY, unit)
        counts = problem_counts(MAY, set(subtree_ids(unit)))
        return {
            "unit": unit.code, "score": None if result.score is None else float(result.score),
            "earned": float(result.earned), "max": float(result.max),
            "projects": [(p.key, float(p.points), float(p.max), float(p.full), p.inspections, p.reviews, p.surveys)
                         for p in result.projects],
            "problems": counts.to_dict(),
            "problem_ids": {"found": counts.found, "rectified": counts.rectified, "overdue": counts.overdue,
                            "recurring": counts.recurring},
        }

    def shown(e: dict[str, Any]) -> dict[str, Any]:
        return {
            "unit": e["unit"], "score": e["score"], "earned": e["earned"], "max": e["max"],
            "projects": [(p["key"], p["points"], p["max"], p["full"], p["inspections"], p["reviews"], p["surveys"])
                         for p in e["projects"]],
            "problems": e["problems"], "problem_ids": e["problem_ids"],
        }

    assert shown(report) == entry(district)
    assert [shown(c) for c in report["children"]] == [entry(s) for s in streets]
    assert any(c["problems"]["rectified"] and c["problems"]["overdue"] for c in report["children"])
    assert report["score"] is not None and any(c["problem_ids"]["recurring"] for c in [report])
    # the links: the ids behind the head's figures, by project, by site type; the standards and the trend
    alone = problem_counts(MAY, set(subtree_ids(district)))
    page = response.content.decode()
    for name, ids in (("found", alone.found), ("rectified", alone.rectified), ("overdue", alone.overdue),
                      ("recurring", alone.recurring)):
        url = ctx["problem_urls"][name]
        assert url == f"/civility/problems/?ids={','.join(str(i) for i in sorted(ids))}" and url in page
    head = compute_score(fw, MAY, district)
    for shown_p, p in zip(report["projects"], head.projects, strict=True):
        assert shown_p["inspections_url"] == (
            f"/civility/inspections/?ids={','.join(map(str, p.inspections))}" if p.inspections else None)
        assert shown_p["reviews_url"] == (
            f"/civility/documents/?ids={','.join(map(str, p.reviews))}" if p.reviews else None)
    by_type = []
    for value, label in SiteType.choices:
        r = compute_score(fw, MAY, district, site_type=value)
        if r.score is not None:
            by_type.append({"label": label, "score": r.score, "url": (
                f"/civility/inspections/?ids={','.join(map(str, r.inspection_ids))}" if r.inspection_ids else None)})
    assert ctx["by_type"] == by_type and len(by_type) == 2
    assert ctx["standards"] == [r for r in by_standard_rows(head) if r["rate"] is not None]
    weeks = trend(fw, MAY, district)
    assert ctx["chart"]["series"][0]["data"] == [float(s) if s is not None else None for _w, s in weeks]
    assert any(s is not None and s > Decimal(0) for _w, s in weeks)


def test_batched_helpers_equal_each_scope_alone(district: Unit) -> None:
    """`scope_ids` and `problem_counts_of` of many scopes (nested, unrelated, None = everything, an as-of day inside
    the period) equal `subtree_ids` and `problem_counts` of each alone, lists in the same order."""
    from taizhang.civility.scoring import problem_counts_of, scope_ids

    fw = framework(district)
    staff = make_user("staff", district, username="wmb_staff")
    streets = [_street(district, fw, n, staff) for n in range(1, 4)]
    community = Unit.objects.get(code="S2C")
    units: list[Unit | None] = [streets[2], None, community, district, streets[0], streets[1]]
    with CaptureQueriesContext(connection) as ctx:
        scopes = scope_ids(units)
    assert len(ctx.captured_queries) == 1
    assert scopes == {u.pk if u else None: None if u is None else set(subtree_ids(u)) for u in units}
    for today in (None, D(2024, 5, 19)):
        with CaptureQueriesContext(connection) as ctx:
            got = problem_counts_of(MAY, [scopes[u.pk if u else None] for u in units], today=today)
        assert len(ctx.captured_queries) == 1
        assert got == [problem_counts(MAY, None if u is None else set(subtree_ids(u)), today=today) for u in units]
        assert any(c.ontime for c in got) and any(c.overdue for c in got)
