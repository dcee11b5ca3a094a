"""The embedded scheduler: ``taizhang monitor run`` (forever, or ``--once``).

Each cycle (every ``TAIZHANG_MONITOR_TICK`` seconds):

1. pending batches (API pushes, uploads, earlier polls) are analysed, oldest first;
2. sources that are due are fetched, several at a time (``TAIZHANG_MONITOR_POLL_WORKERS`` threads; the
   politeness gate still keeps ≥ 5 s between requests to one host), and each new batch is analysed as soon as it
   is fetched — analysis is serial (one pipeline state, one lock);
3. assignments past their deadline are escalated (an 逾期 alert);
4. alert deliveries that are due (new, retried, or held by quiet hours) are sent;
5. after ``TAIZHANG_MONITOR_BRIEF_HOUR`` the day before's 每日舆情 is written if it is missing.

With a broker (``TAIZHANG_BROKER_URL``) the same cycle only dispatches: polls and batches become Celery tasks
(``poll_source``, ``process_batch``); the Celery beat entry ``taizhang.monitor.tick`` can replace this loop.
"""

from __future__ import annotations

import datetime
import logging
import threading
import time
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import dataclass, field

from django.conf import settings
from django.db import close_old_connections
from django.utils import timezone

from taizhang.monitor import conf
from taizhang.monitor.models import Brief, IngestBatch

log = logging.getLogger(__name__)


@dataclass
class TickReport:
    polled: int = 0
    batches: int = 0
    items: int = 0
    alerts: int = 0
    escalated: int = 0
    delivered: int = 0
    brief: str = ""
    errors: list[str] = field(default_factory=list)

    def line(self) -> str:
        parts = [f"采集{self.polled}个来源", f"分析{self.batches}批{self.items}条", f"新预警{self.alerts}条",
                 f"督办{self.escalated}件", f"发送{self.delivered}条"]
        if self.brief:
            parts.append(f"简报{self.brief}")
        return "，".join(parts)


def _celery() -> bool:
    return bool(settings.CELERY_BROKER_URL) and not settings.TAIZHANG_JOBS_EAGER


def _process(batch_id: int, report: TickReport) -> None:
    from taizhang.monitor.store import process_batch

    outcome = process_batch(batch_id)
    if outcome.status == "done":
        report.batches += 1
        report.items += outcome.stored
        report.alerts += len(outcome.alerts)
    elif outcome.status == "failed":
        report.errors.append(f"批次{batch_id}：{outcome.error}")


def _poll_one(source_id: int, threaded: bool = False) -> int | None:
    from taizhang.monitor.poll import poll_source

    if not threaded:
        return poll_source(source_id).batch_id
    close_old_connections()  # a pool thread has its own connection: open fresh, close after
    try:
        return poll_source(source_id).batch_id
    finally:
        close_old_connections()


def tick(now: datetime.datetime | None = None, *, workers: int | None = None) -> TickReport:
    from taizhang.monitor.alerts import deliver_due
    from taizhang.monitor.poll import due_sources

    now = now or timezone.now()
    report = TickReport()
    celery = _celery()
    pending = list(IngestBatch.objects.filter(status=IngestBatch.Status.PENDING).order_by("id")
                   .values_list("pk", flat=True)[:200])
    if celery:
        from taizhang.monitor.tasks import poll_source, process_batch

        stale = now - datetime.timedelta(minutes=5)  # queued long ago and still pending: the task was lost
        for bid in IngestBatch.objects.filter(pk__in=pending, created_at__lt=stale).values_list("pk", flat=True):
            process_batch.delay(bid)
        for source in due_sources(now):
            poll_source.delay(source.pk)
            report.polled += 1
    else:
        for bid in pending:
            _process(bid, report)
        sources = due_sources(now)
        report.polled = len(sources)
        if sources:
            n = max(1, workers or conf.get_int("TAIZHANG_MONITOR_POLL_WORKERS"))
            if n == 1 or len(sources) == 1:
                for s in sources:
                    polled = _poll_one(s.pk)
                    if polled:
                        _process(polled, report)
            else:
                with ThreadPoolExecutor(max_workers=n, thread_name_prefix="tz-poll") as pool:
                    futures = [pool.submit(_poll_one, s.pk, True) for s in sources]
                    for fut in as_completed(futures):
                        try:
                            polled = fut.result()
                        except Exception as exc:
                            log.exception("采集失败")
                            report.errors.append(str(exc))
                            continue
                        if polled:
                            _process(polled, report)
    from taizhang.cases.escalation import escalate_overdue  # overdue incidents are escalated as cases

    report.escalated = escalate_overdue(now)
    report.delivered = deliver_due(timezone.now())  # alerts raised during this cycle are due now
    report.brief = _brief_if_due(now)
    return report


def _brief_if_due(now: datetime.datetime) -> str:
    from taizhang.monitor import actions

    local = timezone.localtime(now)
    if local.hour < conf.get_int("TAIZHANG_MONITOR_BRIEF_HOUR"):
        return ""
    day = local.date() - datetime.timedelta(days=1)
    if Brief.objects.filter(kind=Brief.Kind.DAILY, date=day).exists():
        return ""
    if _celery():
        from taizhang.monitor.tasks import daily_brief

        daily_brief.delay(day.isoformat())
        return f"{day}（已排队）"
    actions.generate_daily_brief(acting_user=None, day=day)
    return str(day)


def run_forever(*, once: bool = False, tick_seconds: float | None = None, stop: threading.Event | None = None,
                echo: bool = True) -> None:
    """Cycle until stopped (Ctrl-C or ``stop``); a failing cycle is logged and the next one starts on time."""
    interval = tick_seconds if tick_seconds is not None else conf.get_float("TAIZHANG_MONITOR_TICK")
    stop = stop or threading.Event()
    while True:
        started = time.monotonic()
        try:
            report = tick()
            if echo and (once or report.polled or report.batches or report.alerts or report.delivered):
                log.info("舆情监测：%s", report.line())
                print(f"{timezone.localtime():%H:%M:%S} {report.line()}", flush=True)
            for err in report.errors:
                log.warning("舆情监测：%s", err)
        except Exception:
            log.exception("舆情监测周期出错")
        finally:
            close_old_connections()
        if once or stop.wait(max(0.0, interval - (time.monotonic() - started))):
            return
