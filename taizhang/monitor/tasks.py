"""Celery glue (the scale-out path): thin tasks that take ids and call the same code as the embedded runner.

With several workers, ``process_batch`` tasks run one at a time in effect: each holds the lock on the
``PipelineState`` row for its transaction (``select_for_update``), and a worker whose in-memory state is behind
catches up from the rows the others wrote (``state.RunnerState``). Polling (``poll_source``) runs in parallel.
"""

from __future__ import annotations

import datetime

from celery import shared_task


@shared_task(name="taizhang.monitor.poll_source", ignore_result=True)
def poll_source(source_id: int) -> None:
    from taizhang.monitor.poll import poll_source as poll

    result = poll(source_id)
    if result.batch_id:
        process_batch.delay(result.batch_id)


@shared_task(name="taizhang.monitor.process_batch", ignore_result=True)
def process_batch(batch_id: int) -> None:
    from taizhang.monitor.store import process_batch as run

    run(batch_id)  # new alerts are sent by send_alert tasks queued when the transaction commits


@shared_task(name="taizhang.monitor.send_alert", ignore_result=True)
def send_alert(alert_id: int) -> None:
    from taizhang.monitor.alerts import deliver_due

    deliver_due(alert_id=alert_id)


@shared_task(name="taizhang.monitor.daily_brief", ignore_result=True)
def daily_brief(date: str | None = None) -> None:
    from django.utils import timezone

    from taizhang.monitor.actions import generate_daily_brief

    day = datetime.date.fromisoformat(date) if date else timezone.localdate() - datetime.timedelta(days=1)
    generate_daily_brief(acting_user=None, day=day)


@shared_task(name="taizhang.monitor.tick", ignore_result=True)
def tick() -> None:
    """For Celery beat: dispatch due polls, escalate, send due deliveries, queue the daily brief."""
    from taizhang.monitor.runner import tick as run_tick

    run_tick()
