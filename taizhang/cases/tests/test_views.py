"""Case pages: scoping (a unit never sees another unit's case), actions through the forms, the rows page."""

from __future__ import annotations

from typing import Any

from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from taizhang.cases import actions
from taizhang.cases.models import Case, CaseAttachment
from taizhang.core.testing import PASSWORD

PNG = (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00\x1f\x15\xc4\x89"
       b"\x00\x00\x00\rIDATx\x9cc\xf8\x0f\x00\x00\x01\x01\x00\x05\x18\xd8N\x00\x00\x00\x00IEND\xaeB`\x82")


def login(user: Any) -> Client:
    client = Client()
    assert client.login(username=user.username, password=PASSWORD)
    return client


def test_scoping_list_detail(tree: Any, people: Any, clock: Any) -> None:
    mine = actions.dispatch_case(acting_user=None, kind="general", unit=tree.community_a1, title="东一路灯")
    other = actions.dispatch_case(acting_user=None, kind="general", unit=tree.community_b1, title="西一井盖")
    client = login(people.liaison_a1)
    page = client.get("/cases/").content.decode()
    assert "东一路灯" in page and "西一井盖" not in page
    assert client.get(f"/cases/{mine.pk}/").status_code == 200
    assert client.get(f"/cases/{other.pk}/").status_code == 404
    # the street's liaison sees its communities' cases; the rows page is scoped too
    page = login(people.liaison_sa).get(f"/cases/?ids={mine.pk},{other.pk}").content.decode()
    assert "东一路灯" in page and "西一井盖" not in page
    # staff see both, with the overdue filter working
    page = login(people.staff).get("/cases/?state=dispatched").content.decode()
    assert "东一路灯" in page and "西一井盖" in page
    # acting on another unit's case: 404, nothing changes
    assert client.post(f"/cases/{other.pk}/act/accept/").status_code == 404
    assert Case.objects.get(pk=other.pk).state == Case.State.DISPATCHED


def test_the_loop_through_the_pages(tree: Any, people: Any, clock: Any, settings: Any, tmp_path: Any) -> None:
    settings.MEDIA_ROOT = str(tmp_path)
    staff, liaison = login(people.staff), login(people.liaison_a1)
    response = staff.post("/cases/new/", {"kind": "general", "unit": tree.community_a1.pk, "title": "广场垃圾",
                                          "description": "请清理"})
    case = Case.objects.get(title="广场垃圾")
    assert response.status_code == 302 and case.state == Case.State.DISPATCHED
    page = liaison.get(f"/cases/{case.pk}/").content.decode()
    assert "签收" in page and "登记办理情况" in page and "核查" not in page
    # staff cannot handle (403)
    assert staff.post(f"/cases/{case.pk}/act/handle/", {"reply": "x"}).status_code == 403
    liaison.post(f"/cases/{case.pk}/act/accept/")
    photo = SimpleUploadedFile("after.png", PNG, content_type="image/png")
    liaison.post(f"/cases/{case.pk}/act/handle/", {"reply": "已清理", "evidence": photo})
    case.refresh_from_db()
    assert case.state == Case.State.HANDLED
    assert liaison.post(f"/cases/{case.pk}/act/verify/", {"passed": "1"}).status_code == 403  # only staff verify
    attachment = CaseAttachment.objects.get(case=case)
    assert attachment.phase == "after" and attachment.is_image
    assert liaison.get(f"/cases/attachments/{attachment.pk}/").status_code == 200
    assert login(people.liaison_b1).get(f"/cases/attachments/{attachment.pk}/").status_code == 404
    # a missing reason is a clear message, not a 500
    response = staff.post(f"/cases/{case.pk}/act/verify/", {"passed": "0", "reason": ""}, follow=True)
    assert "核查未通过必须填写意见" in response.content.decode()
    staff.post(f"/cases/{case.pk}/act/verify/", {"passed": "1"})
    case.refresh_from_db()
    assert case.state == Case.State.CLOSED and case.closed_on_time is True
    page = staff.get(f"/cases/{case.pk}/").content.decode()
    assert "核查通过" in page and "按时办结" in page


def test_wrong_state_is_a_message(tree: Any, people: Any, clock: Any) -> None:
    case = actions.dispatch_case(acting_user=None, kind="general", unit=tree.community_a1, title="x")
    response = login(people.staff).post(f"/cases/{case.pk}/act/close/", {}, follow=True)
    assert response.status_code == 409  # the case page again, with the message
    assert "不能办结" in response.content.decode()


def test_rules_page(tree: Any, people: Any) -> None:
    client = login(people.staff)
    assert client.get("/cases/rules/").status_code == 200
    client.post("/cases/rules/", {"kind": "", "after_working_days": "5", "level": "2", "is_active": "on"})
    from taizhang.cases.models import EscalationRule

    assert EscalationRule.objects.filter(after_working_days=5, level=2).exists()
    assert login(people.liaison_a1).get("/cases/rules/").status_code == 403
