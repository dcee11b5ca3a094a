"""The cases API: scoped list and retrieve (404 outside scope), dispatch and transitions, Chinese errors."""

from __future__ import annotations

from typing import Any

from rest_framework.test import APIClient

from taizhang.cases import actions
from taizhang.cases.models import Case


def api(user: Any) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


def test_scoped_list_and_retrieve(tree: Any, people: Any, clock: Any) -> None:
    mine = actions.dispatch_case(acting_user=None, kind="general", unit=tree.community_a1, title="东一")
    other = actions.dispatch_case(acting_user=None, kind="general", unit=tree.community_b1, title="西一")
    client = api(people.liaison_a1)
    data = client.get("/api/cases/").json()
    rows = data["results"] if isinstance(data, dict) else data
    assert [r["id"] for r in rows] == [mine.pk] and rows[0]["unit"] == "SA1"
    assert client.get(f"/api/cases/{other.pk}/").status_code == 404
    detail = client.get(f"/api/cases/{mine.pk}/").json()
    assert detail["events"][0]["kind"] == "dispatch"
    assert client.post(f"/api/cases/{other.pk}/accept/").status_code == 404
    staff = api(people.staff).get("/api/cases/?unit=SB").json()
    staff_rows = staff["results"] if isinstance(staff, dict) else staff
    assert [r["id"] for r in staff_rows] == [other.pk]


def test_dispatch_and_transitions(tree: Any, people: Any, clock: Any) -> None:
    staff, liaison = api(people.staff), api(people.liaison_a1)
    assert liaison.post("/api/cases/", {"kind": "general", "unit": "SA1", "title": "x"}).status_code == 403
    r = staff.post("/api/cases/", {"kind": "general", "unit": "SA1", "title": "广场垃圾"}, format="json")
    assert r.status_code == 201, r.content
    pk = r.json()["id"]
    bad = liaison.post(f"/api/cases/{pk}/send-back/", {"reason": ""}, format="json")
    assert bad.status_code == 400 and "理由" in bad.json()["detail"]
    assert liaison.post(f"/api/cases/{pk}/close/", {}, format="json").status_code == 400  # wrong state
    assert liaison.post(f"/api/cases/{pk}/accept/").json()["state"] == "accepted"
    r = liaison.post(f"/api/cases/{pk}/handle/", {"reply": "已清理", "public_reply": "已处理"}, format="json")
    assert r.json()["state"] == "handled"
    assert liaison.post(f"/api/cases/{pk}/verify/", {"passed": True}, format="json").status_code == 403
    assert staff.post(f"/api/cases/{pk}/verify/", {"passed": "yes"}, format="json").json()["state"] == "closed"
    assert staff.post(f"/api/cases/{pk}/frobnicate/", {}, format="json").status_code == 400
    assert Case.objects.get(pk=pk).closed_on_time is True
