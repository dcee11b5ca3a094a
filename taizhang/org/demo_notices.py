"""Demo notices: every demo login finds unread notices about real demo data (run after every app's demo)."""

from __future__ import annotations

from typing import Any

from django.urls import reverse

from taizhang.core.notifications import notify
from taizhang.core.text import quoted
from taizhang.org.models import Membership


def build(ctx: Any) -> None:
    from taizhang.ledger.models import Record

    users = ctx.users
    notify(list(users.values()), "system", None, title="欢迎使用工作台",
           body="通知会出现在这里和右上角的铃铛中；可在“通知设置”中选择是否同时发送邮件。",
           url=reverse("core:notice_settings"))
    for username, user in sorted(users.items()):
        if not username.startswith("liaison"):
            continue
        unit_ids = list(Membership.objects.filter(user=user).values_list("unit_id", flat=True))
        returned = Record.objects.filter(unit_id__in=unit_ids, status=Record.Status.RETURNED).order_by("-id")[:3]
        for record in returned:
            notify([user], "record_returned", record, title=f"记录被退回：{quoted(record.title)}",
                   body=f"退回原因：{record.review_comment or '请核对数据后重新报送'}",
                   url=reverse("ledger:record_detail", args=[record.pk]))
        approved = Record.objects.filter(unit_id__in=unit_ids, status=Record.Status.APPROVED).order_by("-id").first()
        if approved is not None:
            notify([user], "record_approved", approved, title=f"已通过审核：{quoted(approved.title)}",
                   url=reverse("ledger:record_detail", args=[approved.pk]))
    reviewers = [users[name] for name in ("reviewer", "staff") if name in users]
    waiting = Record.objects.filter(status=Record.Status.SUBMITTED).select_related("unit")
    for record in waiting.order_by("submitted_at", "id")[:3]:
        notify(reviewers, "record_submitted", record, title=f"待审核：{record.unit.label}{quoted(record.title)}",
               url=reverse("ledger:review_item", args=[record.pk]))
    _alerts(ctx, [users[name] for name in ("staff", "leader") if name in users])


def _alerts(ctx: Any, people: list[Any]) -> None:
    try:
        from taizhang.monitor.models import Alert
    except ImportError:  # monitoring not installed
        return
    for alert in Alert.objects.order_by("-created_at", "-id")[:2]:
        url = (reverse("monitor:incident_detail", args=[alert.incident_id]) if alert.incident_id
               else reverse("monitor:alert_list"))
        notify(people, "alert_raised", alert, title=f"舆情预警：{alert.title}", body=alert.body[:300], url=url)
