"""What the monitoring views share: who sees which incidents, and turning action errors into form errors."""

from __future__ import annotations

from typing import Any

from django import forms
from django.db.models import QuerySet
from django.http import Http404

from taizhang.core.errors import InvalidInput
from taizhang.monitor.models import Incident
from taizhang.org.roles import Cap
from taizhang.org.scoping import has_cap


def visible_incidents(user: Any) -> QuerySet[Incident]:
    """Staff (manage_work) see every incident; a unit's users see the incidents assigned to their subtree."""
    if has_cap(user, Cap.MANAGE_WORK):
        return Incident.objects.all()
    return Incident.objects.restrict(user, Cap.VIEW)


def get_incident(user: Any, pk: int) -> Incident:
    incident = visible_incidents(user).select_related("assigned_unit").filter(pk=pk).first()
    if incident is None:
        raise Http404("未找到该事件，或您无权查看。")
    return incident


def form_errors(form: forms.BaseForm, exc: InvalidInput) -> None:
    placed = False
    for field, messages_ in exc.errors.items():
        name = field if field in form.fields else None
        for message in messages_:
            form.add_error(name, message)
            placed = True
    if not placed or exc.message:
        form.add_error(None, exc.message)
