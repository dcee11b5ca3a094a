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

import base64
import datetime
import hashlib
import hmac
import http.client
import json
import logging
import ssl
import time
from typing import Any
from urllib.parse import quote_plus, urlsplit

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.utils import timezone

from taizhang.monitor import conf
from taizhang.monitor.fetch import FetchError, _PinnedHTTP, _PinnedHTTPS, checked_addresses
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
    return alert


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
    if fmt == AlertChannel.Format.WECOM:
        return {"msgtype": "markdown", "markdown": {"content": f"**{title}**\n" + "\n".join(f"> {x}" for x in lines)}}
    if fmt == AlertChannel.Format.DINGTALK:
        return {"msgtype": "markdown", "markdown": {"title": title, "text": f"### {title}\n\n" + "\n\n".join(lines)}}
    if fmt == AlertChannel.Format.FEISHU:
        return {"msg_type": "text", "content": {"text": "\n".join([title, *lines])}}
    return {
        "id": alert.pk, "kind": alert.kind, "kind_name": alert.get_kind_display(), "grade": alert.grade,
        "grade_name": GRADE_NAMES.get(alert.grade, alert.grade), "title": alert.title, "body": alert.body,
        "incident": alert.incident_id, "created_at": alert.created_at.isoformat(), "text": "\n".join([title, *lines]),
    }


def signed(channel: AlertChannel, url: str, payload: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    if not channel.secret:
        return url, payload
    ts = int(time.time())
    if channel.format == AlertChannel.Format.DINGTALK:
        ms = ts * 1000
        mac = hmac.new(channel.secret.encode(), f"{ms}\n{channel.secret}".encode(), hashlib.sha256).digest()
        sign = quote_plus(base64.b64encode(mac).decode())
        return f"{url}{'&' if '?' in url else '?'}timestamp={ms}&sign={sign}", payload
    if channel.format == AlertChannel.Format.FEISHU:
        mac = hmac.new(f"{ts}\n{channel.secret}".encode(), b"", hashlib.sha256).digest()
        return url, {**payload, "timestamp": str(ts), "sign": base64.b64encode(mac).decode()}
    return url, payload


def post_json(url: str, payload: dict[str, Any], *, allow_private: bool, timeout: float = WEBHOOK_TIMEOUT) -> int:
    """POST JSON to a checked address (no redirects followed); returns the status, raises FetchError."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise FetchError(f"Webhook 地址无效：{url}", "invalid")
    host = parts.hostname
    port = parts.port or (443 if parts.scheme == "https" else 80)
    address = checked_addresses(host, port, allow_private=allow_private)[0]
    conn: http.client.HTTPConnection
    if parts.scheme == "https":
        conn = _PinnedHTTPS(host, port, address, timeout, ssl.create_default_context())
    else:
        conn = _PinnedHTTP(host, port, address, timeout)
    path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    body = json.dumps(payload, ensure_ascii=False).encode()
    try:
        conn.request("POST", path, body=body, headers={"Content-Type": "application/json; charset=utf-8"})
        resp = conn.getresponse()
        text = resp.read(65536)
    except (TimeoutError, OSError, http.client.HTTPException) as exc:
        raise FetchError(f"Webhook 发送失败：{exc.__class__.__name__}", "network") from exc
    finally:
        conn.close()
    if resp.status >= 300:
        raise FetchError(f"Webhook 返回 HTTP {resp.status}", "http", resp.status)
    try:  # the robots answer 200 with an error code in the body
        answer = json.loads(text or b"{}")
    except ValueError:
        answer = {}
    code = answer.get("errcode", answer.get("code", answer.get("StatusCode", 0))) if isinstance(answer, dict) else 0
    if code not in (0, None, "0"):
        raise FetchError(f"Webhook 返回错误：{answer.get('errmsg') or answer.get('msg') or code}", "http")
    return resp.status


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
