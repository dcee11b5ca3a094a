"""The REST API: token auth, NetBox-style permission tests, records workflow, figures, schema."""

from __future__ import annotations

import pytest
from rest_framework.test import APIClient

from taizhang.core.testing import make_record, make_user
from taizhang.ledger.models import Record

pytestmark = pytest.mark.django_db


def client_for(user=None) -> APIClient:
    client = APIClient()
    if user is not None:
        from taizhang.accounts.tokens import key_for

        client.credentials(HTTP_AUTHORIZATION=f"Token {key_for(user)}")
    return client


@pytest.fixture
def records(taxonomy, tree):
    return {
        "a": make_record(tree.community_a1, "lecture_event", {"lecture_audience": 120}),
        "b": make_record(tree.community_b1, "lecture_event", {"lecture_audience": 45}),
    }


@pytest.mark.parametrize("url", ["/api/records/", "/api/units/", "/api/figures/?metric=lecture_audience",
                                 "/api/taxonomy/metrics/", "/api/outlets/", "/api/placements/"])
def test_anonymous_is_refused(records, url):
    assert client_for().get(url).status_code in (401, 403)


def test_user_without_role_gets_403(records):
    response = client_for(make_user()).get("/api/records/")
    assert response.status_code == 403
    assert "权限" in response.json()["detail"]


def test_viewer_sees_only_their_subtree(records, tree):
    viewer = make_user("viewer", tree.street_a)
    data = client_for(viewer).get("/api/records/").json()
    assert [r["id"] for r in data["results"]] == [records["a"].pk]
    assert data["results"][0]["figures"] == {"lecture_events": 1, "lecture_audience": 120}
    assert client_for(viewer).get(f"/api/records/{records['b'].pk}/").status_code == 404
    units = [u["code"] for u in client_for(viewer).get("/api/units/").json()["results"]]
    assert units == ["SA", "SA1", "SA2"]


def test_liaison_creates_submits_reviewer_approves(records, tree):
    liaison = make_user("liaison", tree.street_a)
    reviewer = make_user("reviewer", tree.district)
    payload = {"unit": "SA1", "activity_type": "lecture_event", "title": "API宣讲", "start_date": "2024-05-12",
               "figures": {"lecture_audience": "120"}}
    response = client_for(liaison).post("/api/records/", payload, format="json", HTTP_IDEMPOTENCY_KEY="abc")
    assert response.status_code == 201, response.content
    again = client_for(liaison).post("/api/records/", payload, format="json", HTTP_IDEMPOTENCY_KEY="abc")
    assert again.json()["id"] == response.json()["id"]
    rid = response.json()["id"]
    assert response.json()["source"] == "api" and response.json()["status"] == "draft"
    assert client_for(liaison).post(f"/api/records/{rid}/approve/").status_code == 403
    assert client_for(liaison).post(f"/api/records/{rid}/submit/").json()["status"] == "submitted"
    bad = client_for(reviewer).post(f"/api/records/{rid}/return/", {"reason": ""}, format="json")
    assert bad.status_code == 400 and "退回原因" in bad.json()["detail"]
    assert client_for(reviewer).post(f"/api/records/{rid}/approve/").json()["status"] == "approved"
    refused = client_for(reviewer).post(f"/api/records/{rid}/approve/")
    assert refused.status_code == 400 and "不能审核通过" in refused.json()["detail"]


def test_liaison_cannot_create_outside_scope(records, tree):
    liaison = make_user("liaison", tree.street_a)
    payload = {"unit": "SB1", "activity_type": "lecture_event", "title": "越权", "start_date": "2024-05-12",
               "figures": {"lecture_audience": "1"}}
    before = Record.objects.count()
    assert client_for(liaison).post("/api/records/", payload, format="json").status_code == 403
    assert Record.objects.count() == before


def test_bad_figures_give_chinese_field_errors(records, tree):
    liaison = make_user("liaison", tree.street_a)
    payload = {"unit": "SA1", "activity_type": "lecture_event", "title": "错", "start_date": "2024-05-12",
               "figures": {"lecture_audience": "很多"}}
    response = client_for(liaison).post("/api/records/", payload, format="json")
    assert response.status_code == 400
    assert "应填写数字" in response.json()["errors"]["figure:lecture_audience"][0]


def test_stale_update_is_409(records, tree):
    liaison = make_user("liaison", tree.street_a)
    record = make_record(tree.community_a1, "lecture_event", {"lecture_audience": 10}, status="draft")
    url = f"/api/records/{record.pk}/"
    ok = client_for(liaison).patch(url, {"title": "新标题", "version": record.version}, format="json")
    assert ok.status_code == 200
    stale = client_for(liaison).patch(url, {"title": "旧版本上的修改", "version": record.version}, format="json")
    assert stale.status_code == 409 and "已被他人修改" in stale.json()["detail"]
    assert Record.objects.get(pk=record.pk).title == "新标题"


def test_figures_endpoint_matches_compute_and_scope(records, tree):
    staff = make_user("staff", tree.district)
    data = client_for(staff).get("/api/figures/?metric=lecture_audience&period=2024&by=unit").json()
    assert data["value"] == 165 and sorted(data["records"]) == sorted([records["a"].pk, records["b"].pk])
    assert {row["key"]: row["value"] for row in data["breakdown"]}["SA"] == 120
    viewer = make_user("viewer", tree.street_a)
    assert client_for(viewer).get("/api/figures/?metric=lecture_audience&period=2024").json()["value"] == 120
    assert client_for(viewer).get("/api/figures/?metric=lecture_audience&unit=SB").status_code == 403
    bad = client_for(staff).get("/api/figures/?metric=lecture_audience&period=2024年")
    assert bad.status_code == 400 and "无法识别的时间段" in bad.json()["detail"]


def test_schema_is_served(records, tree):
    response = client_for(make_user("viewer", tree.district)).get("/api/schema/")
    assert response.status_code == 200
    assert b"/api/figures/" in response.content and b"/api/records/{id}/approve/" in response.content


def test_long_lists_count_up_to_the_cap_and_next_still_reaches_every_row(taxonomy, tree, monkeypatch):
    """The API's count stops at the cap (or the end of the page asked for); `count_capped` says more rows match,
    and following `next` reads every row once."""
    monkeypatch.setattr("taizhang.core.api_base.COUNT_CAP", 3)
    made = [make_record(tree.community_a1, "lecture_event", {"lecture_audience": n}).pk for n in range(1, 8)]
    staff = make_user("staff", tree.district)
    client = client_for(staff)
    first = client.get("/api/records/?limit=2").json()
    assert (first["count"], first["count_capped"]) == (3, True)
    assert first["previous"] is None and "offset=2" in first["next"]
    seen, url, pages = [], "/api/records/?limit=2", 0
    while url:
        body = client.get(url).json()
        seen += [r["id"] for r in body["results"]]
        url, pages = body["next"], pages + 1
    assert sorted(seen) == sorted(made) and pages == 4
    assert (body["count"], body["count_capped"]) == (7, False)  # the last page counts to its end: exact
    deep = client.get("/api/records/?limit=2&offset=4").json()
    assert (deep["count"], deep["count_capped"]) == (6, True)
    monkeypatch.setattr("taizhang.core.api_base.COUNT_CAP", 100)
    whole = client.get("/api/records/?limit=2").json()
    assert (whole["count"], whole["count_capped"]) == (7, False)
