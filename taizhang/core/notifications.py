"""Notifications (通知): one `notify` used by every app; stored per user, delivered by the background worker.

* `notify(recipients, event, obj, title=…, body=…, url=…)` writes one Notification per recipient (the bell and the
  list show them) and, per the recipient's preference, an e-mail delivery: sent at once ("each"), held for the daily
  digest ("digest"), or none. Safe inside a transaction: rows commit with the caller's work and delivery runs after
  commit through `core.jobs` (so a rolled-back action tells nobody).
* `queue_channel_delivery(...)` adds a delivery to a webhook or mailbox that is not a user's (a unit's robot, see
  `org.notices.notify_unit`): the channel's settings are copied into the delivery row, so core knows no app model.
* `deliver_due()` sends what is due; a failure is retried with exponential backoff (30 s, 1 min, 2 min …) up to
  ``TAIZHANG_NOTIFY_ATTEMPTS`` attempts, then stays failed with its last error (visible on the delivery list).
* `send_digests()` (periodic, hourly; acts from ``TAIZHANG_DIGEST_HOUR`` local time) sends one message per address
  with every held notice.

Event keys and their Chinese names are in `EVENTS`; apps add theirs with `register_event`.
"""

from __future__ import annotations

import datetime
import logging
import secrets
from collections import defaultdict
from collections.abc import Iterable
from typing import Any

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from taizhang.core import jobs, webhooks
from taizhang.core.models import Job, Notification, NotificationDelivery, NotificationPreference
from taizhang.core.netguard import FetchError

log = logging.getLogger(__name__)
BACKOFF_BASE = 30.0  # seconds before the second attempt; doubles each time
DELIVER_KIND = "core.deliver_notices"
DIGEST_KIND = "core.notice_digest"
RETRY_KIND = "core.deliver_due_notices"

EVENTS: dict[str, str] = {
    "record_submitted": "记录待审核",
    "record_returned": "记录被退回",
    "record_approved": "记录已通过",
    "case_dispatched": "新工单",
    "case_sent_back": "工单被退回",
    "case_deadline_near": "工单临近期限",
    "case_overdue": "工单逾期",
    "case_escalated": "工单督办",
    "alert_raised": "舆情预警",
    "test": "测试通知",
    "system": "系统通知",
}

D = NotificationDelivery


def register_event(key: str, label: str) -> None:
    EVENTS[key] = label


def event_label(key: str) -> str:
    return EVENTS.get(key, "通知")


def attempts_limit() -> int:
    return jobs.setting_int("TAIZHANG_NOTIFY_ATTEMPTS", 5, minimum=1, maximum=50)


def digest_hour() -> int:
    return jobs.setting_int("TAIZHANG_DIGEST_HOUR", 17, minimum=0, maximum=23)


def _object_key(obj: Any) -> tuple[str, str]:
    if obj is None:
        return "", ""
    meta = getattr(obj, "_meta", None)
    kind = meta.label_lower if meta is not None else type(obj).__name__.lower()
    return kind[:64], str(getattr(obj, "pk", "") or "")[:64]


def notify(
    recipients: Iterable[Any], event: str, obj: Any = None, *, title: str, body: str = "", url: str = ""
) -> list[Notification]:
    """One notice per distinct active recipient; e-mail per preference after commit. Returns the notices."""
    users: dict[int, Any] = {}
    for user in recipients:
        if user is not None and getattr(user, "pk", None) and getattr(user, "is_active", True):
            users.setdefault(user.pk, user)
    if not users:
        return []
    object_type, object_id = _object_key(obj)
    now = timezone.now()
    notices = Notification.objects.bulk_create(
        [
            Notification(
                recipient_id=pk, event=event[:48], title=title[:200], body=body, url=url[:500],
                object_type=object_type, object_id=object_id, created_at=now,
            )
            for pk in users
        ]
    )
    if not all(n.pk for n in notices):  # backends without RETURNING: read them back
        notices = list(Notification.objects.filter(recipient_id__in=users, created_at=now, event=event[:48]))
    modes = dict(
        NotificationPreference.objects.filter(user_id__in=users)
        .exclude(email_mode=NotificationPreference.Mode.OFF)
        .values_list("user_id", "email_mode")
    )
    rows = []
    for notice in notices:
        mode = modes.get(notice.recipient_id)
        address = getattr(users[notice.recipient_id], "email", "")
        if mode and address:
            rows.append(
                D(
                    notification=notice, event=notice.event, title=notice.title, body=notice.body, url=notice.url,
                    channel=D.Channel.EMAIL, target=address, label=str(users[notice.recipient_id]),
                    status=D.Status.HELD if mode == NotificationPreference.Mode.DIGEST else D.Status.PENDING,
                    next_try=now, created_at=now,
                )
            )
    _queue(rows)
    return notices


def queue_channel_delivery(
    *, channel: str, target: str, event: str, title: str, body: str = "", url: str = "", fmt: str = "generic",
    secret: str = "", allow_private: bool = False, label: str = "", digest: bool = False,
) -> NotificationDelivery:
    """A delivery to an address that is not a user's mailbox (a unit's robot webhook or shared mailbox)."""
    now = timezone.now()
    row = D(
        event=event[:48], title=title[:200], body=body, url=url[:500], channel=channel, target=target, format=fmt,
        secret=secret, allow_private=allow_private, label=label[:100],
        status=D.Status.HELD if digest else D.Status.PENDING, next_try=now, created_at=now,
    )
    _queue([row])
    return row


def _queue(rows: list[NotificationDelivery]) -> None:
    """Store the deliveries and make sure a delivery job is waiting to send them.

    One waiting job sends every due delivery (a sweep), so a burst of notices costs one job, not one per notice.
    If the waiting job starts before this transaction commits and misses these rows, the next job or the
    per-minute sweep (RETRY_KIND) sends them: a delivery is never lost, at worst a minute late.
    """
    if not rows:
        return
    D.objects.bulk_create(rows)
    if not any(r.status == D.Status.PENDING for r in rows):
        return
    if jobs.backend() == "eager" or not Job.objects.filter(kind=DELIVER_KIND, status=Job.Status.PENDING).exists():
        jobs.enqueue(DELIVER_KIND, {})


# --- sending --------------------------------------------------------------------------------------------------
def _absolute(url: str) -> str:
    base = getattr(settings, "TAIZHANG_BASE_URL", "") or ""
    if url.startswith("/") and base:
        return base.rstrip("/") + url
    return url


def message_lines(body: str, url: str, when: datetime.datetime) -> list[str]:
    lines = [body] if body else []
    lines.append(f"时间：{timezone.localtime(when):%Y-%m-%d %H:%M}")
    if url:
        lines.append(f"详情：{_absolute(url)}")
    return lines


def _send(delivery: NotificationDelivery) -> None:
    title = f"【{event_label(delivery.event)}】{delivery.title}"
    lines = message_lines(delivery.body, delivery.url, delivery.created_at)
    if delivery.channel == D.Channel.EMAIL:
        send_mail(title, "\n".join(lines), None, [delivery.target], fail_silently=False)
        return
    extra = {"event": delivery.event, "event_name": event_label(delivery.event), "body": delivery.body,
             "url": _absolute(delivery.url)}
    webhooks.send(delivery.target, delivery.format, title, lines, secret=delivery.secret,
                  allow_private=delivery.allow_private, extra=extra)


def _error_text(exc: Exception) -> str:
    return exc.message if isinstance(exc, FetchError) else f"{exc.__class__.__name__}: {exc}"


def _failed(delivery: NotificationDelivery, exc: Exception, now: datetime.datetime) -> None:
    attempts = delivery.attempts + 1
    message = _error_text(exc)
    status = D.Status.FAILED if attempts >= attempts_limit() else D.Status.PENDING
    next_try = now + datetime.timedelta(seconds=BACKOFF_BASE * 2 ** (attempts - 1))
    D.objects.filter(pk=delivery.pk).update(attempts=attempts, last_error=message[:1000], status=status,
                                            next_try=next_try)
    log.warning("通知 %s 经 %s 发送失败（第 %s 次）：%s", delivery.pk, delivery.get_channel_display(), attempts,
                message)


def deliver(delivery: NotificationDelivery, now: datetime.datetime | None = None) -> bool:
    """Send one claimed delivery; on failure schedule the retry (or give up after the limit)."""
    now = now or timezone.now()
    try:
        _send(delivery)
    except Exception as exc:
        _failed(delivery, exc, now)
        return False
    D.objects.filter(pk=delivery.pk).update(attempts=delivery.attempts + 1, status=D.Status.SENT,
                                            sent_at=timezone.now(), last_error="")
    return True


def deliver_due(now: datetime.datetime | None = None, *, ids: list[int] | None = None, limit: int = 500) -> int:
    """Send the deliveries that are due (some, or all); returns how many went out.

    The batch is claimed with one conditional UPDATE (next_try moves to a marker only this sweep uses, so two
    workers never send one delivery twice) and the successes are recorded with one UPDATE at the end.
    """
    now = now or timezone.now()
    qs = D.objects.filter(status=D.Status.PENDING, next_try__lte=now)
    if ids is not None:
        qs = qs.filter(pk__in=ids)
    candidates = list(qs.order_by("next_try", "id").values_list("pk", flat=True)[:limit])
    if not candidates:
        return 0
    marker = now + datetime.timedelta(seconds=webhooks.WEBHOOK_TIMEOUT * 3,
                                      microseconds=secrets.randbelow(1_000_000))
    D.objects.filter(pk__in=candidates, status=D.Status.PENDING, next_try__lte=now).update(next_try=marker)
    sent: list[int] = []
    for delivery in D.objects.filter(pk__in=candidates, status=D.Status.PENDING, next_try=marker).order_by("id"):
        try:
            _send(delivery)
        except Exception as exc:
            _failed(delivery, exc, now)
        else:
            sent.append(delivery.pk)
    if sent:
        D.objects.filter(pk__in=sent).update(attempts=F("attempts") + 1, status=D.Status.SENT,
                                             sent_at=timezone.now(), last_error="")
    return len(sent)


def digest_cutoff(now: datetime.datetime) -> datetime.datetime | None:
    """Today's digest moment (local ``TAIZHANG_DIGEST_HOUR``:00) if it has passed, else None."""
    local = timezone.localtime(now)
    moment = local.replace(hour=digest_hour(), minute=0, second=0, microsecond=0)
    return moment if local >= moment else None


def send_digests(now: datetime.datetime | None = None, *, force: bool = False) -> int:
    """One message per address with every held notice created before today's digest moment; returns messages sent."""
    now = now or timezone.now()
    cutoff = now if force else digest_cutoff(now)
    if cutoff is None:
        return 0
    held = list(D.objects.filter(status=D.Status.HELD, created_at__lte=cutoff).order_by("created_at", "id"))
    groups: dict[tuple[str, str, str, str, bool], list[NotificationDelivery]] = defaultdict(list)
    for d in held:
        groups[(d.channel, d.target, d.format, d.secret, d.allow_private)].append(d)
    sent = 0
    for (channel, target, fmt, secret, allow_private), items in groups.items():
        ids = [d.pk for d in items]
        title = f"【每日通知汇总】共{len(items)}条"
        lines = []
        for d in items:
            line = f"{timezone.localtime(d.created_at):%m-%d %H:%M} {event_label(d.event)}：{d.title}"
            if d.url:
                line += f"（{_absolute(d.url)}）"
            lines.append(line)
        try:
            if channel == D.Channel.EMAIL:
                send_mail(title, "\n".join(lines), None, [target], fail_silently=False)
            else:
                webhooks.send(target, fmt, title, lines, secret=secret, allow_private=allow_private,
                              extra={"event": "digest", "count": len(items)})
        except Exception as exc:
            message = _error_text(exc)
            for d in items:
                attempts = d.attempts + 1
                fields: dict[str, Any] = {"attempts": attempts, "last_error": message[:1000]}
                if attempts >= attempts_limit():
                    fields["status"] = D.Status.FAILED
                D.objects.filter(pk=d.pk).update(**fields)
            log.warning("每日通知汇总发送失败：%s", message)
            continue
        D.objects.filter(pk__in=ids).update(status=D.Status.SENT, sent_at=timezone.now(), attempts=1, last_error="")
        sent += 1
    return sent


# --- reading ----------------------------------------------------------------------------------------------------
def unread_count(user: Any) -> int:
    if not getattr(user, "is_authenticated", False):
        return 0
    return Notification.objects.filter(recipient=user, read_at__isnull=True).count()


@transaction.atomic
def mark_read(*, acting_user: Any, notice: Notification) -> Notification:
    if notice.recipient_id != acting_user.pk:
        from taizhang.core.errors import NotPermitted

        raise NotPermitted("这不是您的通知。")
    if notice.read_at is None:
        notice.read_at = timezone.now()
        Notification.objects.filter(pk=notice.pk, read_at__isnull=True).update(read_at=notice.read_at)
    return notice


@transaction.atomic
def mark_all_read(*, acting_user: Any) -> int:
    return Notification.objects.filter(recipient=acting_user, read_at__isnull=True).update(read_at=timezone.now())


@transaction.atomic
def set_preference(*, acting_user: Any, email_mode: str) -> NotificationPreference:
    from taizhang.core import audit
    from taizhang.core.errors import InvalidInput

    if email_mode not in NotificationPreference.Mode.values:
        raise InvalidInput("通知方式无效。", {"email_mode": ["请选择列表中的一项"]})
    pref, _ = NotificationPreference.objects.get_or_create(user=acting_user)
    before = pref.email_mode
    if before != email_mode:
        pref.email_mode = email_mode
        pref.save(update_fields=["email_mode"])
        audit.record("config", pref, user=acting_user, before={"email_mode": before}, after={"email_mode": email_mode})
    return pref


# --- background handlers ----------------------------------------------------------------------------------------
@jobs.handler(DELIVER_KIND)
def _deliver_job(job: Job) -> dict[str, Any]:
    """Send everything that is due, in rounds of 500, until nothing is left (or 20 rounds: the next job goes on)."""
    sent = 0
    for _ in range(20):
        n = deliver_due(limit=500)
        sent += n
        if not D.objects.filter(status=D.Status.PENDING, next_try__lte=timezone.now()).exists():
            break
    return {"sent": sent}


@jobs.periodic(RETRY_KIND, minutes=1)
def _retry_job(job: Job) -> dict[str, Any]:
    return {"sent": deliver_due()}


@jobs.periodic(DIGEST_KIND, minutes=60)
def _digest_job(job: Job) -> dict[str, Any]:
    return {"digests": send_digests()}
