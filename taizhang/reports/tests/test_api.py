"""The reports API (mounted under /api/ by core.api_urls): compose, read, export, extract, slots, fill, check.

The whole site's URLs are used: submitting a record notifies its reviewers with a link to the ledger."""

from __future__ import annotations

import io
from typing import Any

import pytest
from rest_framework.test import APIClient

from taizhang.core.testing import make_user
from taizhang.reports.models import Summary

pytestmark = [pytest.mark.django_db]



@pytest.fixture
def api(ledger: Any) -> APIClient:
    client = APIClient()
    client.force_authenticate(make_user("staff", ledger.tree.district))
    return client


def test_compose_read_finalize_export(api: APIClient) -> None:
    response = api.post("/api/summaries/", {"unit": "D", "period": "2024"}, format="json")
    assert response.status_code == 201, response.content
    data = response.json()
    assert data["title"] == "2024年测试区委宣传部工作总结"
    assert data["document"]["figures"]
    pk = data["id"]
    assert api.get("/api/summaries/").json()["results"][0]["id"] == pk
    assert api.get(f"/api/summaries/{pk}/check/").json()["ok"] is True
    docx = api.get(f"/api/summaries/{pk}/docx/")
    assert docx.status_code == 200
    assert docx.content[:2] == b"PK"
    done = api.post(f"/api/summaries/{pk}/finalize/", {"version": 1}, format="json")
    assert done.json()["status"] == Summary.Status.FINAL
    stale = api.post(f"/api/summaries/{pk}/finalize/", {"version": 1}, format="json")
    assert stale.status_code in (400, 409)


def test_compose_needs_manage_work(ledger: Any) -> None:
    client = APIClient()
    client.force_authenticate(make_user("liaison", ledger.tree.street_a))
    response = client.post("/api/summaries/", {"unit": "SA", "period": "2024"}, format="json")
    assert response.status_code == 403


def test_extract_and_slots_shapes(api: APIClient) -> None:
    figures = api.post("/api/reports/extract/", {"text": "组织开展主题报告会近300余场。"}, format="json").json()
    assert figures == {"figures": [{"text": "近300余场", "value": 300, "value_max": None, "approximate": True,
                                    "unit": "场", "qualifier": ["近", "余"], "subject": "主题报告会", "section": [],
                                    "span": [9, 15], "metric": "lecture_events", "metric_name": "宣讲场次",
                                    "confidence": 0.82, "sure": True, "outlet_level": None, "outlet_level_name": "",
                                    "change": None, "role": "result", "part_of": None}], "ranks": []}
    slots = api.post("/api/reports/slots/", {"text": "开展宣讲活动===场。"}, format="json").json()["slots"]
    assert slots[0]["kind"] == "equals"
    assert slots[0]["digits"] == 3
    assert slots[0]["metric"] == "lecture_events"
    assert 0 < slots[0]["confidence"] <= 1


def test_fill_and_check(api: APIClient) -> None:
    data = api.post("/api/reports/fill/", {"text": "开展宣讲活动X场。", "unit": "D", "period": "2024"},
                    format="json").json()
    assert data["text"] == "开展宣讲活动12场。"
    assert data["filled"] == 1
    figure = next(iter(data["figures"].values()))
    assert figure["source"]["metric"] == "lecture_events"
    from taizhang.core.periods import parse_period
    from taizhang.org.models import Unit
    from taizhang.reports.composer import compose
    from taizhang.reports.output import docx_bytes

    doc = compose(Unit.objects.get(code="D"), parse_period("2024")).document
    upload = io.BytesIO(docx_bytes(doc))
    upload.name = "summary.docx"
    report = api.post("/api/reports/check/", {"file": upload}, format="multipart").json()
    assert report["ok"] is True
    assert report["figures"] == report["verified"]
