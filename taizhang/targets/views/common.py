"""What the targets views share: permission checks, drill-down links to records, run visibility."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from django.http import Http404
from django.urls import NoReverseMatch, reverse

from taizhang.core.errors import InvalidInput
from taizhang.core.periods import Period
from taizhang.ledger.models import MetricDefinition
from taizhang.org.models import Unit
from taizhang.org.roles import Cap
from taizhang.org.scoping import can_in_unit, has_cap
from taizhang.targets.models import AssessmentRun, Scheme

DRILL_IDS_MAX = 200


def error_text(exc: InvalidInput) -> str:
    details = [m for messages in exc.errors.values() for m in messages]
    if len(details) == 1 and details[0] == exc.message:
        return exc.message
    return exc.message + ("：" + "；".join(details) if details else "")


def records_base() -> str:
    try:
        return reverse("ledger:record_list")
    except NoReverseMatch:
        return "/ledger/records/"


def records_url(ids: list[int], *, period: Period | None = None, unit: Unit | None = None,
                metric: MetricDefinition | None = None, limit: int = DRILL_IDS_MAX) -> str | None:
    """The record list of exactly these records (up to `limit` ids), else the same filter the figure used."""
    if not ids:
        return None
    base = records_base()
    if len(ids) <= limit:
        return f"{base}?ids={','.join(str(i) for i in sorted(ids))}"
    params: dict[str, str] = {"status": "approved"}
    if period is not None:
        params["period"] = period.spec
    if unit is not None:
        params["unit"] = unit.code
    if metric is not None:
        params["line"] = metric.line.key
    return f"{base}?{urlencode(params)}"


def can_manage(user: Any, unit: Unit) -> bool:
    return can_in_unit(user, Cap.MANAGE_WORK, unit)


def run_visible(user: Any, run: AssessmentRun) -> bool:
    """Published (and superseded) runs: everyone with `view`; drafts: staff of the scheme's owner only."""
    if run.status == AssessmentRun.Status.DRAFT:
        return can_manage(user, run.scheme.owner)
    return has_cap(user, Cap.VIEW)


def get_run(user: Any, pk: int) -> AssessmentRun:
    run = AssessmentRun.objects.select_related("scheme", "scheme__owner", "scheme_version").filter(pk=pk).first()
    if run is None or not run_visible(user, run):
        raise Http404("未找到该考核，或您无权查看。")
    return run


def get_scheme(key: str) -> Scheme:
    scheme = Scheme.objects.select_related("owner").filter(key=key).first()
    if scheme is None:
        raise Http404("未找到该考核方案。")
    return scheme


def unit_breakdown_visible(user: Any, run: AssessmentRun, unit: Unit) -> bool:
    """A unit's item breakdown: the unit's own users (and its ancestors') and the department's staff."""
    return can_in_unit(user, Cap.VIEW, unit) or can_manage(user, run.scheme.owner)


def visible_unit_ids(user: Any, cap: str = Cap.VIEW) -> frozenset[int]:
    """Ids of the units the user sees (``Unit.objects.visible_to``), for progress and result tables."""
    return frozenset(Unit.objects.visible_to(user, cap).values_list("pk", flat=True))
