"""The score formula on hand-computed examples, and framework editions that never rewrite old scores."""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import Any

import pytest

from taizhang.civility import actions
from taizhang.civility.models import Standard
from taizhang.civility.scoring import compute_score, compute_scores
from taizhang.civility.tests.factories import inspect, std
from taizhang.core.errors import InvalidTransition
from taizhang.core.periods import parse_period
from taizhang.core.testing import make_user

MAY = parse_period("2024-05")
D = datetime.date


def _data(w: dict[str, Any]) -> None:
    fw, tree = w["fw"], w["tree"]
    inspect(w["market"], fw, {"S1": True, "S2": False}, D(2024, 5, 6))
    inspect(w["market"], fw, {"S1": True, "S2": True}, D(2024, 5, 13))
    inspect(w["street"], fw, {"S2": False}, D(2024, 5, 14))
    inspect(w["street"], fw, {"S2": True}, D(2024, 6, 3))  # June: outside the period
    from django.core.files.uploadedfile import SimpleUploadedFile

    staff = w["staff"]
    doc_a = actions.submit_document(acting_user=None, standard=std(fw, "S3"), unit=tree.community_a1,
                                    uploaded=SimpleUploadedFile("方案.txt", "创建工作方案".encode()))
    actions.review_document(acting_user=staff, submission=doc_a, accept=True, day=D(2024, 5, 20))
    doc_b = actions.submit_document(acting_user=None, standard=std(fw, "S3"), unit=tree.street_b,
                                    uploaded=SimpleUploadedFile("方案.txt", "方案".encode()))
    actions.review_document(acting_user=staff, submission=doc_b, accept=False, reason="内容不全", day=D(2024, 5, 21))
    actions.record_survey(acting_user=None, standard=std(fw, "S4"), unit=tree.street_a,
                          surveyed_on=D(2024, 5, 22), respondents=100, satisfied=80)
    actions.record_survey(acting_user=None, standard=std(fw, "S4"), unit=tree.street_b,
                          surveyed_on=D(2024, 5, 22), respondents=100, satisfied=60)


def test_district_score_by_hand(world: dict[str, Any]) -> None:
    """S1 2/2×4 = 4; S2 1/3×6 = 2; S3 1/2×5 = 2.5; S4 140/200×10 = 7 → 15.5 / 25 × 100 = 62.00."""
    _data(world)
    result = compute_score(world["fw"], MAY, world["tree"].district)
    assert result.score == Decimal("62.00")
    p1, p2 = result.projects
    assert (p1.key, p1.points, p1.max) == ("P1", Decimal("6.00"), Decimal("10.00"))
    assert (p2.key, p2.points, p2.max) == ("P2", Decimal("9.50"), Decimal("15.00"))
    assert len(p1.inspections) == 3 and len(p2.reviews) == 2 and len(p2.surveys) == 2


def test_street_scores_by_hand(world: dict[str, Any]) -> None:
    """SA: 4 + 1/2×6 + 5 + 0.8×10 = 20 of 25 → 80.00. SB: S2 0/1 of 6, S3 0 of 5, S4 6 of 10 → 6/21 → 28.57."""
    _data(world)
    tree = world["tree"]
    sa, sb, be = compute_scores(world["fw"], MAY, [tree.street_a, tree.street_b, tree.bureau])
    assert sa.score == Decimal("80.00")
    assert sb.score == Decimal("28.57")
    assert be.score is None  # nothing assessed: no score, not zero


def test_site_type_score(world: dict[str, Any]) -> None:
    """Back streets only: S2 0/1 → 0.00; markets: S1 4 + S2 3 of 10 → 70.00."""
    _data(world)
    assert compute_score(world["fw"], MAY, None, site_type="back_street").score == Decimal("0.00")
    assert compute_score(world["fw"], MAY, None, site_type="market").score == Decimal("70.00")


def test_new_edition_never_rewrites_old_scores(world: dict[str, Any]) -> None:
    _data(world)
    fw1 = world["fw"]
    before = compute_score(fw1, MAY, world["tree"].district).score
    with pytest.raises(InvalidTransition):
        actions.update_standard(acting_user=None, standard=std(fw1, "S1"), text="改", points="40", method="field",
                                site_types=["market"])
    fw2 = actions.new_edition(acting_user=None, framework=fw1)
    assert fw2.edition == 2 and Standard.objects.filter(framework=fw2).count() == 4
    actions.update_standard(acting_user=None, standard=std(fw2, "S1"), text="地面干净", points="40",
                            method="field", site_types=["market"])
    actions.activate_framework(acting_user=None, framework=fw2)
    inspect(world["market"], fw2, {"S1": False, "S2": False}, D(2024, 5, 28))
    assert compute_score(fw1, MAY, world["tree"].district).score == before == Decimal("62.00")
    assert std(fw1, "S1").points == Decimal("4.00")
    assert compute_score(fw2, MAY, world["tree"].district).score == Decimal("0.00")


def test_score_cli_json(world: dict[str, Any], capsys: Any) -> None:
    import json

    from django.core.management import call_command

    _data(world)
    call_command("civility", "score", "--period", "2024-05", "--unit", "D", "--json")
    out = json.loads(capsys.readouterr().out)
    assert out["period"] == "2024-05" and out["unit"] == "D" and out["score"] == 62.0
    assert [p["key"] for p in out["projects"]] == ["P1", "P2"]
    assert out["projects"][0]["points"] == 6.0 and out["projects"][0]["max"] == 10.0
    assert len(out["projects"][0]["inspections"]) == 3
    assert set(out["problems"]) == {"found", "rectified", "overdue", "recurring"}
    assert out["problems"]["found"] == 2
    children = {c["unit"]: c["score"] for c in out["children"]}
    assert children == {"SA": 80.0, "SB": 28.57}


def test_providers(world: dict[str, Any]) -> None:
    from taizhang.ledger.providers import FigureQuery, get

    _data(world)
    tree = world["tree"]
    ids = [tree.street_a.pk, tree.community_a1.pk, tree.community_a2.pk]
    q = FigureQuery(period=MAY, unit_ids=ids)
    assert get("civility_sites_inspected").compute(q).value == 1  # type: ignore[union-attr]
    assert get("civility_problems_found").compute(q).value == 1  # type: ignore[union-attr]
    assert get("civility_score").compute(q).value == Decimal("80.00")  # type: ignore[union-attr]
    assert get("civility_score").compute(FigureQuery(period=MAY, unit_ids=None)).value == Decimal(  # type: ignore[union-attr]
        "62.00")


def test_viewer_cannot_edit_framework(world: dict[str, Any]) -> None:
    from taizhang.core.errors import NotPermitted

    viewer = make_user("liaison", world["tree"].street_a)
    with pytest.raises(NotPermitted):
        actions.new_edition(acting_user=viewer, framework=world["fw"])


def test_trend_week_by_week(world: dict[str, Any]) -> None:
    """Week of May 6: S1 met, S2 not → 4/10 = 40.00. Week of May 13: market S1, S2 met and street S2 not →
    (4 + 1/2×6) / 10 = 70.00. Other weeks: no data."""
    from taizhang.civility.scoring import trend

    _data(world)
    weeks = {w.start: s for w, s in trend(world["fw"], MAY, world["tree"].district)}
    assert weeks[D(2024, 5, 6)] == Decimal("40.00")
    assert weeks[D(2024, 5, 13)] == Decimal("70.00")
    assert weeks[D(2024, 5, 20)] is None
