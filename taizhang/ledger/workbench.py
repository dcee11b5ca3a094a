"""Ledger panels of the workbench: a liaison's drafts and returned records, a reviewer's queue, a leader's figures.

Each context is a couple of queries over the user's own scope (records of units where the user holds the
capability), so the home page stays fast whatever the ledger's size.
"""

from __future__ import annotations

import datetime
from typing import Any

from django.core.cache import cache
from django.db.models import Count, Q
from django.utils import timezone

from taizhang.core.periods import parse_period
from taizhang.core.workbench import WorkbenchPanel, register
from taizhang.ledger.models import Record
from taizhang.org.roles import Cap
from taizhang.org.scoping import has_cap, home_unit

S = Record.Status
LATE_DAYS = 3  # a submission waiting longer than this is late for review
LEADER_METRICS = ("lecture_events", "placements", "theory_sessions", "vol_hours")
FIGURE_CACHE_SECONDS = 300


def liaison(user: Any) -> dict[str, Any] | None:
    if not has_cap(user, Cap.EDIT_RECORDS):
        return None
    mine = Record.objects.visible_to(user, Cap.EDIT_RECORDS)
    returned = list(
        mine.filter(status=S.RETURNED).select_related("unit").order_by("-reviewed_at", "-id")
        .only("pk", "title", "review_comment", "reviewed_at", "unit__name", "unit__short_name")[:8]
    )
    drafts = list(mine.filter(status=S.DRAFT).order_by("-updated_at", "-id").only("pk", "title", "updated_at")[:6])
    counts = {row["status"]: row["n"] for row in _status_counts(mine, [S.DRAFT, S.RETURNED])}
    return {
        "returned": returned, "drafts": drafts,
        "returned_count": counts.get(S.RETURNED, 0), "draft_count": counts.get(S.DRAFT, 0),
    }


def _status_counts(qs: Any, statuses: list[str]) -> list[dict[str, Any]]:
    return list(qs.filter(status__in=statuses).values("status").annotate(n=Count("id")).order_by())


def reviewer(user: Any) -> dict[str, Any] | None:
    if not has_cap(user, Cap.REVIEW_RECORDS):
        return None
    queue = Record.objects.visible_to(user, Cap.REVIEW_RECORDS).filter(status=S.SUBMITTED)
    oldest = (
        queue.select_related("unit").order_by("submitted_at", "id")
        .only("pk", "title", "submitted_at", "unit__name", "unit__short_name").first()
    )
    late_before = timezone.now() - datetime.timedelta(days=LATE_DAYS)
    stats = queue.aggregate(total=Count("id"), late=Count("id", filter=Q(submitted_at__lt=late_before)))
    return {"count": stats["total"], "late": stats["late"], "oldest": oldest, "late_days": LATE_DAYS}


def leader(user: Any) -> dict[str, Any] | None:
    """A viewer or staff member (sees data, does not fill it in): headline figures of the year and late items."""
    if not has_cap(user, Cap.VIEW) or has_cap(user, Cap.EDIT_RECORDS):
        return None
    if has_cap(user, Cap.REVIEW_RECORDS) and not has_cap(user, Cap.MANAGE_WORK):
        return None  # a reviewer's workbench is the queue
    unit = home_unit(user)
    if unit is None:
        return None
    from taizhang.ledger.figures import compute
    from taizhang.ledger.models import MetricDefinition

    today = timezone.localdate()
    period = parse_period(str(today.year))
    cache_key = f"tz:wb:leader2:{user.pk}:{unit.pk}:{period.spec}"
    figures = cache.get(cache_key)
    if figures is None:  # a few figures, recomputed at most every FIGURE_CACHE_SECONDS
        keys = set(
            MetricDefinition.objects.filter(key__in=LEADER_METRICS, is_active=True).values_list("key", flat=True)
        )
        figures = []
        for key in LEADER_METRICS:
            if key not in keys:
                continue
            result = compute(key, period=period, unit=unit, user=user)
            figures.append({"key": key, "label": result.metric.name, "text": result.text})
        cache.set(cache_key, figures, FIGURE_CACHE_SECONDS)
    late_before = timezone.now() - datetime.timedelta(days=LATE_DAYS)
    late = Record.objects.visible_to(user).filter(status=S.SUBMITTED, submitted_at__lt=late_before).count()
    return {"figures": figures, "period": period, "unit": unit, "late": late, "late_days": LATE_DAYS}


register(WorkbenchPanel("ledger.liaison", "待报送与被退回的记录", "ledger/workbench/_liaison.html", context=liaison,
                        order=10))
register(WorkbenchPanel("ledger.review", "待审核", "ledger/workbench/_review.html", context=reviewer, order=20))
register(WorkbenchPanel("ledger.leader", "主要数据", "ledger/workbench/_leader.html", context=leader, order=30))
