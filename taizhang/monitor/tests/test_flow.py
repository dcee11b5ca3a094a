"""Assignment and response with permissions: staff assign, the unit sees its incidents and responds; overdue
assignments escalate once; closed incidents keep their history."""

from __future__ import annotations

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from taizhang.core.errors import InvalidInput, InvalidTransition, NotPermitted, StaleObjectError
from taizhang.core.testing import make_user
from taizhang.monitor import actions
from taizhang.monitor.models import Alert, Incident, IncidentEvent
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
    deadline = timezone.now() + datetime.timedelta(hours=12)
    actions.assign_incident(acting_user=staff, incident=inc, expected_version=inc.version, unit=tree.street_a,
                            deadline=deadline, note="请核实后公开回应")
    inc.refresh_from_db()
    assert inc.status == "assigned" and inc.assigned_unit == tree.street_a and inc.deadline == deadline
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
    resp = client.post(reverse("monitor:incident_respond", args=[inc.pk]), {
        "published_text": "东城街道发布情况说明：补偿款已发放九成，其余本月底前发放。", "where": "“东城发布”微信公众号",
        "url": "https://www.example.gov.cn/dc/1.html", "published_at": timezone.localtime().strftime("%Y-%m-%dT%H:%M"),
    })
    assert resp.status_code == 302
    inc.refresh_from_db()
    assert inc.status == "responded" and inc.responses.get().unit == tree.street_a
    # closing keeps the history
    with pytest.raises(StaleObjectError):
        actions.close_incident(acting_user=staff, incident=inc, expected_version=inc.version - 1)
    actions.close_incident(acting_user=staff, incident=inc, expected_version=inc.version, note="已回应，舆情平稳")
    inc.refresh_from_db()
    assert inc.status == "closed" and inc.closed_at
    assert [e.kind for e in inc.events.order_by("at", "id")] == ["assign", "respond", "close"]
    with pytest.raises(InvalidTransition):
        actions.record_response(acting_user=liaison, incident=inc, published_text="x", where="y",
                                published_at=timezone.now())
    actions.reopen_incident(acting_user=staff, incident=inc, expected_version=inc.version)
    inc.refresh_from_db()
    assert inc.status == "assigned"


def test_overdue_assignment_escalates_once(tree, staff):
    inc = make_incident()
    actions.assign_incident(acting_user=staff, incident=inc, expected_version=inc.version, unit=tree.bureau,
                            deadline=timezone.now() + datetime.timedelta(hours=1))
    assert actions.escalate_overdue() == []
    later = timezone.now() + datetime.timedelta(hours=2)
    alerts = actions.escalate_overdue(now=later)
    assert len(alerts) == 1 and alerts[0].kind == Alert.Kind.OVERDUE and "区教育局" in alerts[0].title
    inc.refresh_from_db()
    assert inc.escalated and inc.escalated_at == later
    assert actions.escalate_overdue(now=later + datetime.timedelta(hours=1)) == []
    assert IncidentEvent.objects.filter(incident=inc, kind="escalate").count() == 1
    # a new deadline starts over
    inc.refresh_from_db()
    actions.assign_incident(acting_user=staff, incident=inc, expected_version=inc.version, unit=tree.bureau,
                            deadline=later + datetime.timedelta(hours=5))
    assert len(actions.escalate_overdue(now=later + datetime.timedelta(hours=6))) == 1


def test_deadline_must_be_in_the_future(tree, staff):
    inc = make_incident()
    with pytest.raises(InvalidInput):
        actions.assign_incident(acting_user=staff, incident=inc, expected_version=inc.version, unit=tree.street_a,
                                deadline=timezone.now() - datetime.timedelta(minutes=1))


def test_assign_through_the_page(tree, staff, client):
    inc = make_incident()
    client.force_login(staff)
    page = client.get(reverse("monitor:incident_detail", args=[inc.pk]))
    assert page.status_code == 200 and "交办" in page.content.decode()
    resp = client.post(reverse("monitor:incident_assign", args=[inc.pk]), {
        "unit": tree.street_b.pk, "version": inc.version, "note": "",
        "deadline": (timezone.localtime() + datetime.timedelta(hours=8)).strftime("%Y-%m-%dT%H:%M"),
    })
    assert resp.status_code == 302
    inc.refresh_from_db()
    assert inc.assigned_unit == tree.street_b and inc.status == "assigned"
