"""Alerts (预警): raised once per occasion, shown in the app, delivered by e-mail (SMTP) and webhooks.

* :func:`raise_alert` creates the alert once per ``dedupe_key`` and one :class:`Delivery` per enabled channel
  whose minimum grade the alert reaches. In a channel's quiet hours a delivery waits for their end, unless the
  alert is 重大 (severe).
* :func:`deliver_due` sends what is due; a failure is retried with exponential backoff (30 s, 1 min, 2 min …)
  up to ``TAIZHANG_MONITOR_DELIVERY_ATTEMPTS`` attempts, then the delivery stays failed with its last error.
* Webhook bodies: WeCom ``{"msgtype": "markdown", "markdown": {"content"}}``, DingTalk ``{"msgtype": "markdown",
  "markdown": {"title", "text"}}``, Feishu ``{"msg_type": "text", "content": {"text"}}``, generic JSON with every
  field. DingTalk and Feishu signing (加签) is applied when the channel has a secret. Webhook targets go through the
  same address guard as sources (private addresses only for channels marked internal).
"""

from __future__ import annotations

import datetime
import logging
from typing import Any

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.utils import timezone

from taizhang.core import webhooks
from taizhang.core.netguard import FetchError
from taizhang.monitor import conf
from taizhang.monitor.models import GRADE_NAMES, GRADE_RANK, Alert, AlertChannel, Delivery, Incident

log = logging.getLogger(__name__)
BACKOFF_BASE = 30.0  # seconds before the second attempt; doubles each time
WEBHOOK_TIMEOUT = 10.0


def in_quiet_hours(channel: AlertChannel, local: datetime.datetime) -> datetime.datetime | None:
    """The local end of the quiet period ``local`` falls in, or None when the channel is not quiet then."""
    start, end = channel.quiet_start, channel.quiet_end
    if start is None or end is None or start == end:
        return None
    t = local.timetz().replace(tzinfo=None)
    if start < end:
        quiet = start <= t < end
        end_day = local.date()
    else:  # across midnight, e.g. 22:00–07:00
        quiet = t >= start or t < end
        end_day = local.date() + datetime.timedelta(days=1) if t >= start else local.date()
    if not quiet:
        return None
    return timezone.make_aware(datetime.datetime.combine(end_day, end), local.tzinfo)


def raise_alert(
    *, kind: str, dedupe_key: str, title: str, body: str = "", incident: Incident | None = None, grade: str = "general",
    now: datetime.datetime | None = None,
) -> Alert | None:
    """The alert for ``dedupe_key``, created with its deliveries; None when it was raised before."""
    now = now or timezone.now()
    if Alert.objects.filter(dedupe_key=dedupe_key).exists():
        return None
    alert = Alert.objects.create(
        kind=kind, dedupe_key=dedupe_key[:100], title=title[:200], body=body, incident=incident, grade=grade,
        created_at=now,
    )
    local = timezone.localtime(now)
    rows = []
    for channel in AlertChannel.objects.filter(enabled=True):
        if GRADE_RANK.get(grade, 0) < GRADE_RANK.get(channel.min_grade, 0):
            continue
        quiet_end = in_quiet_hours(channel, local) if grade != "severe" else None
        rows.append(Delivery(alert=alert, channel=channel, next_try=quiet_end or now))
    Delivery.objects.bulk_create(rows)
    _notify_staff(alert)
    return alert


def _notify_staff(alert: Alert) -> None:
    """The alert in the department staff's notices (the bell); its channels above carry the external copies."""
    from django.urls import reverse

    from taizhang.core.notifications import notify
    from taizhang.org.notices import cap_holders
    from taizhang.org.roles import Cap

    url = (reverse("monitor:incident_detail", args=[alert.incident_id]) if alert.incident_id
           else reverse("monitor:alert_list"))
    notify(cap_holders(Cap.MANAGE_WORK), "alert_raised", alert,
           title=f"舆情预警（{GRADE_NAMES.get(alert.grade, alert.grade)}）：{alert.title}", body=alert.body[:500],
           url=url)


# --- message bodies ---------------------------------------------------------------------------------------------
def alert_lines(alert: Alert, base_url: str = "") -> tuple[str, list[str]]:
    title = f"【舆情预警·{GRADE_NAMES.get(alert.grade, alert.grade)}】{alert.title}"
    lines = [alert.body] if alert.body else []
    lines.append(f"时间：{timezone.localtime(alert.created_at):%Y-%m-%d %H:%M}")
    if alert.incident_id and base_url:
        lines.append(f"详情：{base_url.rstrip('/')}/monitor/incidents/{alert.incident_id}/")
    return title, lines


def webhook_payload(alert: Alert, fmt: str, base_url: str = "") -> dict[str, Any]:
    title, lines = alert_lines(alert, base_url)
    extra = {
        "id": alert.pk, "kind": alert.kind, "kind_name": alert.get_kind_display(), "grade": alert.grade,
        "grade_name": GRADE_NAMES.get(alert.grade, alert.grade), "body": alert.body,
        "incident": alert.incident_id, "created_at": alert.created_at.isoformat(),
    }
    payload = webhooks.payload(fmt, title, lines, extra)
    if fmt == AlertChannel.Format.GENERIC:
        payload["title"] = alert.title  # the generic body carries the alert's own title; the text has the prefix
    return payload


def signed(channel: AlertChannel, url: str, payload: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    return webhooks.signed(channel.format, channel.secret, url, payload)


def post_json(url: str, payload: dict[str, Any], *, allow_private: bool, timeout: float = WEBHOOK_TIMEOUT) -> int:
    """POST JSON to a checked address (core.webhooks); returns the status, raises FetchError."""
    return webhooks.post_json(url, payload, allow_private=allow_private, timeout=timeout)


def send(delivery: Delivery) -> None:
    channel = delivery.channel
    alert = delivery.alert
    base_url = getattr(settings, "TAIZHANG_BASE_URL", "")
    if channel.kind == AlertChannel.Kind.EMAIL:
        title, lines = alert_lines(alert, base_url)
        recipients = [a.strip() for a in channel.target.replace("；", ",").replace(";", ",").split(",") if a.strip()]
        send_mail(title, "\n".join(lines), None, recipients, fail_silently=False)
        return
    url, payload = signed(channel, channel.target, webhook_payload(alert, channel.format, base_url))
    post_json(url, payload, allow_private=channel.is_internal)


def deliver(delivery: Delivery, now: datetime.datetime | None = None) -> bool:
    now = now or timezone.now()
    attempts = delivery.attempts + 1
    try:
        send(delivery)
    except Exception as exc:
        message = exc.message if isinstance(exc, FetchError) else f"{exc.__class__.__name__}: {exc}"
        limit = conf.get_int("TAIZHANG_MONITOR_DELIVERY_ATTEMPTS")
        status = Delivery.Status.FAILED if attempts >= limit else Delivery.Status.PENDING
        next_try = now + datetime.timedelta(seconds=BACKOFF_BASE * 2 ** (attempts - 1))
        Delivery.objects.filter(pk=delivery.pk).update(
            attempts=attempts, last_error=message[:1000], status=status, next_try=next_try
        )
        log.warning("预警 %s 经 %s 发送失败（第 %s 次）：%s", delivery.alert_id, delivery.channel, attempts, message)
        return False
    Delivery.objects.filter(pk=delivery.pk).update(
        attempts=attempts, status=Delivery.Status.SENT, sent_at=now, last_error=""
    )
    return True


def deliver_due(now: datetime.datetime | None = None, *, alert_id: int | None = None, limit: int = 200) -> int:
    """Send the deliveries that are due (of one alert, or all); returns how many went out."""
    now = now or timezone.now()
    qs = Delivery.objects.filter(status=Delivery.Status.PENDING, next_try__lte=now, channel__enabled=True)
    if alert_id is not None:
        qs = qs.filter(alert_id=alert_id)
    sent = 0
    for delivery in qs.select_related("alert", "channel", "alert__incident").order_by("next_try", "id")[:limit]:
        # claim it (two runners never send one delivery twice): next_try moves on while it is being sent
        claimed = Delivery.objects.filter(pk=delivery.pk, status=Delivery.Status.PENDING, next_try=delivery.next_try)
        if not claimed.update(next_try=now + datetime.timedelta(seconds=WEBHOOK_TIMEOUT * 3)):
            continue
        sent += deliver(delivery, now)
    return sent


def after_commit_deliver(alert_ids: list[int]) -> None:
    """Send new alerts right away: as Celery tasks when a broker is configured, else in this process."""
    if not alert_ids:
        return

    def go() -> None:
        if settings.CELERY_BROKER_URL and not settings.TAIZHANG_JOBS_EAGER:
            from taizhang.monitor.tasks import send_alert

            for aid in alert_ids:
                send_alert.delay(aid)
        else:
            for aid in alert_ids:
                deliver_due(alert_id=aid)

    transaction.on_commit(go)
