"""Runs: published results are frozen; a re-run makes a new version with a change log; schemes are versioned."""

from __future__ import annotations

from decimal import Decimal

import pytest

from taizhang.core.errors import InvalidInput, InvalidTransition, NotPermitted, StaleObjectError
from taizhang.core.models import AuditEntry
from taizhang.core.periods import parse_period
from taizhang.ledger import actions as ledger_actions
from taizhang.ledger.models import Placement
from taizhang.targets import actions
from taizhang.targets.models import AssessmentResult, AssessmentRun, SchemeVersion
from taizhang.targets.tests.factories import D, place

pytestmark = pytest.mark.django_db
MAY = parse_period("2024-05")


def frozen(run):
    return [(r.unit.code, r.score, r.rank, [(i.item_key, i.points, i.records) for i in r.items.all()])
            for r in AssessmentResult.objects.filter(run=run).order_by("unit__code")]


def test_publish_freezes_and_rerun_makes_a_new_version(world, users):
    scheme, tree = world["scheme"], world["tree"]
    run = actions.run_assessment(acting_user=users["staff"], scheme=scheme, period=MAY)
    assert run.status == "draft"
    assert run.number == 1
    actions.publish_run(acting_user=users["staff"], run=run)
    before = frozen(run)

    # Later edits to records: BE's municipal piece corrected to national; a new approved piece for SB.
    record = world["be_joint"]
    revision = ledger_actions.revise_record(acting_user=None, record=record)
    Placement.objects.filter(record=revision).update(outlet=Placement.objects.get(record=world["sa_nat"]).outlet,
                                                     outlet_level="national")
    revision.figures.update(outlet_level="national")
    ledger_actions.submit_record(acting_user=None, record=revision)
    ledger_actions.approve_record(acting_user=None, record=revision)
    place(tree.street_b, "national", day=D(2024, 5, 25))

    run.refresh_from_db()
    assert frozen(run) == before  # the published result does not move
    assert run.status == "published"

    rerun = actions.run_assessment(acting_user=users["staff"], scheme=scheme, period=MAY)
    assert (rerun.number, rerun.status, rerun.supersedes_id) == (2, "draft", run.pk)
    log = {c["unit"]: c for c in rerun.change_log["units"]}
    assert log["SB"]["score"] == ["22.50", "50.00"]  # + national 20, joint piece now half of 20 instead of 5
    assert log["BE"]["score"] == ["2.50", "10.00"]
    assert log["SB"]["items"][0]["item"] == "placement"
    assert "SA" not in log  # unchanged units are left out
    assert frozen(run) == before  # still

    # Running again while the new version is a draft replaces the draft (same version number).
    again = actions.run_assessment(acting_user=users["staff"], scheme=scheme, period=MAY)
    assert again.number == 2
    assert not AssessmentRun.objects.filter(pk=rerun.pk).exists()

    actions.publish_run(acting_user=users["staff"], run=again)
    run.refresh_from_db()
    assert run.status == "superseded"
    assert frozen(run) == before
    assert AuditEntry.objects.filter(action="publish", object_id=str(again.pk)).exists()
    with pytest.raises(InvalidTransition):
        actions.discard_run(acting_user=users["staff"], run=run)
    with pytest.raises(InvalidTransition):
        actions.publish_run(acting_user=users["staff"], run=again)


def test_editing_a_published_scheme_makes_a_new_version(world, users):
    scheme = world["scheme"]
    staff = users["staff"]
    # Before anything is published, edits change version 1 in place.
    v = actions.save_item(acting_user=staff, scheme=scheme, expected_version=scheme.version, original_key="placement",
                          data={**_item(scheme), "name": "用稿"})
    scheme.refresh_from_db()
    assert v.number == 1
    assert scheme.current.items.get().name == "用稿"

    run = actions.run_assessment(acting_user=staff, scheme=scheme, period=MAY, publish=True)
    assert SchemeVersion.objects.get(pk=run.scheme_version_id).frozen_at is not None
    data = _item(scheme)
    data["rule"] = {**data["rule"], "headline_multiplier": "3"}
    v2 = actions.save_item(acting_user=staff, scheme=scheme, expected_version=scheme.version,
                           original_key="placement", data=data)
    scheme.refresh_from_db()
    assert v2.number == 2
    assert scheme.current.pk == v2.pk
    assert run.scheme_version.items.get().rule["headline_multiplier"] == "2"  # the run keeps its version
    with pytest.raises(StaleObjectError):
        actions.save_item(acting_user=staff, scheme=scheme, expected_version=scheme.version - 1,
                          original_key="placement", data=data)

    rerun = actions.run_assessment(acting_user=staff, scheme=scheme, period=MAY)
    assert rerun.scheme_version_id == v2.pk
    assert rerun.change_log["scheme_version"] == [1, 2]
    assert {c["unit"]: c["score"] for c in rerun.change_log["units"]}["SA"] == ["50.00", "70.00"]


def _item(scheme):
    item = scheme.current.items.get(key="placement")
    return {"key": item.key, "name": item.name, "kind": item.kind, "rule": dict(item.rule), "line": item.line}


def test_only_staff_run_and_publish(world, users):
    scheme = world["scheme"]
    with pytest.raises(NotPermitted):
        actions.run_assessment(acting_user=users["liaison_sa"], scheme=scheme, period=MAY)
    run = actions.run_assessment(acting_user=users["staff"], scheme=scheme, period=MAY)
    with pytest.raises(NotPermitted):
        actions.publish_run(acting_user=users["viewer"], run=run)
    with pytest.raises(InvalidInput):
        actions.run_assessment(acting_user=users["staff"], scheme=scheme, period=parse_period("2999-01"))


def test_results_are_stored_with_items_and_records(world):
    run = actions.run_assessment(acting_user=None, scheme=world["scheme"], period=MAY, publish=True)
    sa = run.results.get(unit__code="SA")
    assert sa.score == Decimal("50.00")
    assert sa.rank == 1
    item = sa.items.get()
    assert sorted(item.records) == sorted([world["sa_nat"].pk, world["sa_prov"].pk])
    assert item.detail["levels"] == {"national": 1, "provincial": 1}
    assert sum(i.points for i in sa.items.all()) == sa.score
