"""Assignment and response through the case loop (工单, kind "incident"): staff assign (a case is dispatched), the
unit sees its incidents and responds (the case is handled); overdue cases escalate once per level; closing the
incident closes its case; closed incidents keep their history."""

from __future__ import annotations

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from taizhang.cases import actions as case_actions
from taizhang.cases.escalation import escalate_overdue
from taizhang.cases.models import Case, CaseEvent
from taizhang.core.errors import InvalidInput, InvalidTransition, NotPermitted, StaleObjectError
from taizhang.core.models import Notification
from taizhang.core.testing import make_user
from taizhang.monitor import actions
from taizhang.monitor.models import Alert, Incident
from taizhang.monitor.views.common import visible_incidents

pytestmark = pytest.mark.django_db


def make_incident(label="西山路拆迁补偿", **kw):
    now = timezone.now()
    values = {"label": label, "key_terms": ["拆迁", "补偿"], "first_seen": now - datetime.timedelta(hours=3),
              "last_seen": now, "items_count": 12, "grade": "major", "negative_share": 0.7}
    values.update(kw)
    return Incident.objects.create(**values)


def test_assign_respond_close(tree, staff, client):
    inc = make_incident()
    other = make_incident("别的事件")
    liaison = make_user("liaison", tree.street_a, username="liaison_sa")
    viewer_sb = make_user("viewer", tree.street_b, username="viewer_sb")
    community = make_user("liaison", tree.community_a1, username="liaison_a1")
    assert not visible_incidents(liaison).exists(), "nothing assigned yet"
    with pytest.raises(NotPermitted):
        actions.assign_incident(acting_user=liaison, incident=inc, expected_version=inc.version, unit=tree.street_a)
    deadline = timezone.localdate() + datetime.timedelta(days=3)
    actions.assign_incident(acting_user=staff, incident=inc, expected_version=inc.version, unit=tree.street_a,
                            deadline=deadline, note="请核实后公开回应")
    inc.refresh_from_db()
    assert inc.status == "assigned" and inc.assigned_unit == tree.street_a and inc.deadline == deadline
    case = Case.objects.for_subject(inc).get()
    assert (case.kind, case.state, case.unit, case.deadline) == ("incident", "dispatched", tree.street_a, deadline)
    assert case.description == "请核实后公开回应" and case.subject == inc
    assert Notification.objects.filter(recipient=liaison, event="case.dispatched").exists()
    assert list(visible_incidents(liaison)) == [inc]
    assert not visible_incidents(viewer_sb).exists()
    assert not visible_incidents(community).exists(), "a community does not see its street's incidents"
    assert set(visible_incidents(staff)) == {inc, other}
    # the board: the unit's user sees its incident and can open it; others get 404
    client.force_login(liaison)
    page = client.get(reverse("monitor:incident_list"))
    assert page.status_code == 200 and inc.label in page.content.decode() and "别的事件" not in page.content.decode()
    assert client.get(reverse("monitor:incident_detail", args=[inc.pk])).status_code == 200
    assert client.get(reverse("monitor:incident_detail", args=[other.pk])).status_code == 404
    assert client.get(reverse("monitor:alert_list")).status_code == 403
    client.force_login(viewer_sb)
    assert client.get(reverse("monitor:incident_detail", args=[inc.pk])).status_code == 404
    # the response: by the unit, not by others
    with pytest.raises(NotPermitted):
        actions.record_response(acting_user=viewer_sb, incident=inc, published_text="x", where="y",
                                published_at=timezone.now())
    with pytest.raises(InvalidInput) as err:
        actions.record_response(acting_user=liaison, incident=inc, published_text="", where="",
                                published_at=timezone.now() + datetime.timedelta(days=1))
    assert set(err.value.errors) == {"published_text", "where", "published_at"}
    client.force_login(liaison)
    # a refused response comes back in its form with what was typed, the error beside its field
    refused = client.post(reverse("monitor:incident_respond", args=[inc.pk]), {
        "published_text": "东城街道情况说明（草）", "where": "", "url": "",
        "published_at": timezone.localtime().strftime("%Y-%m-%dT%H:%M")})
    body = refused.content.decode()
    assert refused.status_code == 400 and "东城街道情况说明（草）" in body and 'id="id_where_error"' in body
    assert not inc.responses.exists()
    resp = client.post(reverse("monitor:incident_respond", args=[inc.pk]), {
        "published_text": "东城街道发布情况说明：补偿款已发放九成，其余本月底前发放。", "where": "“东城发布”微信公众号",
        "url": "https://www.example.gov.cn/dc/1.html", "published_at": timezone.localtime().strftime("%Y-%m-%dT%H:%M"),
    })
    assert resp.status_code == 302
    inc.refresh_from_db()
    assert inc.status == "responded" and inc.responses.get().unit == tree.street_a
    case.refresh_from_db()
    assert case.state == "handled" and case.public_reply.startswith("东城街道发布情况说明")
    # the incident page shows the case panel with its timeline
    page = client.get(reverse("monitor:incident_detail", args=[inc.pk])).content.decode()
    assert f"工单 <a href=\"/cases/{case.pk}/\">#{case.pk}</a>" in page and "办理回复" in page
    # closing keeps the history
    with pytest.raises(StaleObjectError):
        actions.close_incident(acting_user=staff, incident=inc, expected_version=inc.version - 1)
    actions.close_incident(acting_user=staff, incident=inc, expected_version=inc.version, note="已回应，舆情平稳")
    inc.refresh_from_db()
    assert inc.status == "closed" and inc.closed_at
    assert [e.kind for e in inc.events.order_by("at", "id")] == ["respond", "close"]
    case.refresh_from_db()
    assert case.state == "closed" and case.closed_on_time is True
    with pytest.raises(InvalidTransition):
        actions.record_response(acting_user=liaison, incident=inc, published_text="x", where="y",
                                published_at=timezone.now())
    actions.reopen_incident(acting_user=staff, incident=inc, expected_version=inc.version)
    inc.refresh_from_db()
    case.refresh_from_db()
    assert inc.status == "assigned" and inc.assigned_unit == tree.street_a and case.state == "reopened"


def test_overdue_assignment_escalates_through_cases(tree, staff):
    reviewer = make_user("reviewer", tree.bureau, username="reviewer_be")
    inc = make_incident()
    actions.assign_incident(acting_user=staff, incident=inc, expected_version=inc.version, unit=tree.bureau)
    case = Case.objects.for_subject(inc).get()
    assert case.sla_days == 1  # TAIZHANG_MONITOR_RESPONSE_HOURS = 24 → one working day
    now = timezone.now()
    assert escalate_overdue(now) == 0
    Case.objects.filter(pk=case.pk).update(deadline=timezone.localdate() - datetime.timedelta(days=1))
    assert escalate_overdue(now) == 1
    assert escalate_overdue(now) == 0  # once per level
    assert CaseEvent.objects.filter(case=case, kind="escalate").count() == 1
    assert Notification.objects.filter(recipient=reviewer, event="case.overdue").count() == 1
    alert = Alert.objects.get(kind=Alert.Kind.OVERDUE)  # monitoring's alert channels still hear of it
    assert "区教育局" in alert.title and alert.incident == inc
    inc.refresh_from_db()
    assert inc.overdue
    # a new assignment (another unit) cancels the old case and starts a new deadline
    actions.assign_incident(acting_user=staff, incident=inc, expected_version=inc.version, unit=tree.street_b)
    case.refresh_from_db()
    assert case.state == "cancelled"
    new = Case.objects.for_subject(inc).exclude(pk=case.pk).get()
    assert new.unit == tree.street_b and new.escalation_level == 0
    inc = Incident.objects.get(pk=inc.pk)
    assert inc.assigned_unit == tree.street_b and not inc.overdue and inc.case == new


def test_send_back_upheld_returns_incident_to_new(tree, staff):
    liaison = make_user("liaison", tree.street_a, username="liaison_sa2")
    inc = make_incident()
    actions.assign_incident(acting_user=staff, incident=inc, expected_version=inc.version, unit=tree.street_a)
    case = Case.objects.for_subject(inc).get()
    case_actions.send_back_case(acting_user=liaison, case=case, reason="不在本街道")
    case_actions.arbitrate_send_back(acting_user=staff, case=case, uphold=True)
    inc.refresh_from_db()
    assert inc.status == "new" and inc.assigned_unit is None
    actions.assign_incident(acting_user=staff, incident=inc, expected_version=inc.version, unit=tree.street_b)
    case.refresh_from_db()
    inc.refresh_from_db()
    assert case.state == "dispatched" and case.unit == tree.street_b and inc.assigned_unit == tree.street_b


def test_deadline_must_not_be_past(tree, staff):
    inc = make_incident()
    with pytest.raises(InvalidInput):
        actions.assign_incident(acting_user=staff, incident=inc, expected_version=inc.version, unit=tree.street_a,
                                deadline=timezone.localdate() - datetime.timedelta(days=1))
    assert not Case.objects.for_subject(inc).exists()


def test_assign_through_the_page(tree, staff, client):
    inc = make_incident()
    client.force_login(staff)
    page = client.get(reverse("monitor:incident_detail", args=[inc.pk]))
    assert page.status_code == 200 and "交办" in page.content.decode()
    resp = client.post(reverse("monitor:incident_assign", args=[inc.pk]), {
        "unit": tree.street_b.pk, "version": inc.version, "note": "", "deadline": "",
    })
    assert resp.status_code == 302
    inc.refresh_from_db()
    assert inc.assigned_unit == tree.street_b and inc.status == "assigned"
    assert Case.objects.for_subject(inc).get().deadline is not None
