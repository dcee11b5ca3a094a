"""Incident assignment moves onto the case loop (工单): every assigned incident gets a case of kind "incident" with
its unit, deadline, escalation and state; then the old assignment fields go."""

import datetime
from typing import Any

from django.db import migrations
from django.utils import timezone

STATE = {"assigned": "dispatched", "responded": "handled", "closed": "closed"}


def _date(value: Any) -> datetime.date | None:
    if value is None:
        return None
    return timezone.localtime(value).date() if timezone.is_aware(value) else value.date()


def forwards(apps: Any, schema_editor: Any) -> None:
    incident_model = apps.get_model("monitor", "Incident")
    case_model = apps.get_model("cases", "Case")
    event_model = apps.get_model("cases", "CaseEvent")
    content_type_model = apps.get_model("contenttypes", "ContentType")
    ct, _ = content_type_model.objects.get_or_create(app_label="monitor", model="incident")
    for incident in incident_model.objects.filter(assigned_unit__isnull=False).iterator():
        if case_model.objects.filter(content_type=ct, object_id=incident.pk).exists():
            continue
        state = STATE.get(incident.status, "dispatched")
        assigned_at = incident.assigned_at or incident.created_at
        deadline = _date(incident.deadline)
        closed_at = incident.closed_at if state == "closed" else None
        case = case_model.objects.create(
            kind="incident", content_type=ct, object_id=incident.pk, unit_id=incident.assigned_unit_id,
            title=f"舆情事件：{incident.label}"[:200], description=incident.assign_note, state=state,
            deadline=deadline, sla_days=1, dispatched_at=assigned_at, created_at=assigned_at,
            handled_at=None, closed_at=closed_at,
            closed_on_time=(None if closed_at is None or deadline is None else _date(closed_at) <= deadline),
            escalation_level=1 if incident.escalated else 0,
        )
        event_model.objects.create(case=case, kind="dispatch", from_state="", to_state="dispatched",
                                   unit_id=incident.assigned_unit_id, at=assigned_at,
                                   text="派发（由舆情事件交办记录迁移）")
        if incident.escalated:
            event_model.objects.create(case=case, kind="escalate", from_state=state, to_state=state,
                                       unit_id=incident.assigned_unit_id, at=incident.escalated_at or assigned_at,
                                       text="逾期督办（由舆情事件记录迁移）")


class Migration(migrations.Migration):
    dependencies = [
        ("monitor", "0001_initial"),
        ("cases", "0002_default_escalation_rules"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [
        migrations.RunPython(forwards, migrations.RunPython.noop),
        migrations.RemoveIndex(model_name="incident", name="monitor_inc_status_44521a_idx"),
        migrations.RemoveField(model_name="incident", name="assign_note"),
        migrations.RemoveField(model_name="incident", name="assigned_at"),
        migrations.RemoveField(model_name="incident", name="deadline"),
        migrations.RemoveField(model_name="incident", name="escalated"),
        migrations.RemoveField(model_name="incident", name="escalated_at"),
    ]
