"""The REST API of targets and assessment (mounted in tests through tests/urls.py)."""

from __future__ import annotations

import pytest

from taizhang.core.periods import parse_period
from taizhang.core.testing import client_for
from taizhang.targets import actions
from taizhang.targets.tests.factories import target

pytestmark = [pytest.mark.django_db, pytest.mark.urls("taizhang.targets.tests.urls")]


def test_targets_and_progress(world, users):
    tree = world["tree"]
    t = target(tree.district, value=10)
    actions.save_allocations(acting_user=None, target=t, expected_version=t.version,
                             values={tree.street_a: 4, tree.street_b: 6})
    liaison = client_for(users["liaison_sa"])
    data = liaison.get("/api/targets/?year=2024").json()
    assert [x["key"] for x in data["results"]] == ["lectures"]
    assert data["results"][0]["allocations"] == [{"unit": "SA", "value": "4.0000"}]
    prog = liaison.get(f"/api/targets/{t.pk}/progress/?as_of=2024-12-31").json()
    assert [r["unit"] for r in prog["rows"]] == ["SA"]
    assert prog["rows"][0]["actual"] == 1 and prog["rows"][0]["completion"] == 25
    staff = client_for(users["staff"])
    rows = staff.get(f"/api/targets/{t.pk}/progress/?as_of=2024-12-31").json()["rows"]
    assert rows[0]["total"] and rows[0]["actual"] == 4


def test_schemes_runs_and_publish(world, users):
    staff = client_for(users["staff"])
    scheme = staff.get("/api/schemes/waixuan/").json()
    assert scheme["current"]["items"][0]["rule"]["points"]["national"] == "20"
    created = staff.post("/api/assessment-runs/", {"scheme": "waixuan", "period": "2024-05"},
                         content_type="application/json")
    assert created.status_code == 201
    run = created.json()
    assert run["status"] == "draft" and run["results"][0]["unit"] == "SA"
    assert client_for(users["liaison_sa"]).post("/api/assessment-runs/", {"scheme": "waixuan", "period": "2024-05"},
                                                content_type="application/json").status_code == 403
    published = staff.post(f"/api/assessment-runs/{run['id']}/publish/").json()
    assert published["status"] == "published"
    assert client_for(users["liaison_sb"]).get(f"/api/assessment-runs/{run['id']}/").status_code == 200


def test_adjustments_api(world, users):
    scheme = world["scheme"]
    actions.save_item(acting_user=None, scheme=scheme, expected_version=scheme.version,
                      data={"key": "minus", "name": "减分", "kind": "deduction", "rule": {"max": "5"}})
    liaison = client_for(users["liaison_sb"])
    response = liaison.post("/api/adjustments/", {"scheme": "waixuan", "item_key": "minus", "unit": "SB",
                                                  "date": "2024-05-03", "points": "2", "reason": "迟报",
                                                  "evidence_url": "https://example.com/x"})
    assert response.status_code == 201, response.content
    adj = response.json()
    assert adj["status"] == "proposed" and adj["direction"] == "deduction"
    assert liaison.post("/api/adjustments/", {"scheme": "waixuan", "item_key": "minus", "unit": "SA",
                                              "date": "2024-05-03", "points": "2", "reason": "x",
                                              "evidence_url": "https://example.com/x"}).status_code == 403
    too_much = liaison.post("/api/adjustments/", {"scheme": "waixuan", "item_key": "minus", "unit": "SB",
                                                  "date": "2024-05-03", "points": "9", "reason": "x"})
    assert too_much.status_code == 400 and set(too_much.json()["errors"]) == {"points", "evidence"}
    assert liaison.post(f"/api/adjustments/{adj['id']}/approve/").status_code == 403
    staff = client_for(users["staff"])
    assert staff.post(f"/api/adjustments/{adj['id']}/approve/").json()["status"] == "approved"
    assert client_for(users["liaison_sa"]).get(f"/api/adjustments/{adj['id']}/").status_code == 404
    run = actions.run_assessment(acting_user=None, scheme=scheme, period=parse_period("2024-05"), publish=True)
    assert run.results.get(unit__code="SB").items.get(item_key="minus").points == -2


def test_bulletins_api(world, users):
    run = actions.run_assessment(acting_user=None, scheme=world["scheme"], period=parse_period("2024-05"),
                                 publish=True)
    bulletin = actions.create_bulletin(acting_user=None, run=run)
    c = client_for(users["liaison_sb"])
    assert c.get("/api/bulletins/").json()["results"][0]["title"] == bulletin.title
    doc = c.get(f"/api/bulletins/{bulletin.pk}/document/").json()
    assert doc["title"] == bulletin.title and doc["figures"]
