"""Background jobs started from the web pages (core.jobs: in-process threads, or Celery with a broker)."""

from __future__ import annotations

import datetime
from typing import Any

from taizhang.core.jobs import handler
from taizhang.core.models import Job


@handler("monitor.process_batch")
def process_batch_job(job: Job) -> dict[str, Any]:
    from taizhang.monitor.store import process_batch

    outcome = process_batch(int(job.params["batch"]))
    return {"status": outcome.status, "stored": outcome.stored, "alerts": len(outcome.alerts),
            "error": outcome.error}


@handler("monitor.poll")
def poll_job(job: Job) -> dict[str, Any]:
    from taizhang.monitor.poll import poll_source
    from taizhang.monitor.store import process_batch

    result = poll_source(int(job.params["source"]))
    stored = 0
    if result.batch_id:
        stored = process_batch(result.batch_id).stored
    return {"status": result.status, "received": result.received, "stored": stored, "message": result.message}


@handler("monitor.brief")
def brief_job(job: Job) -> dict[str, Any]:
    from taizhang.monitor.actions import generate_daily_brief

    brief = generate_daily_brief(acting_user=job.created_by, day=datetime.date.fromisoformat(job.params["date"]))
    return {"brief": brief.pk}


@handler("monitor.report")
def report_job(job: Job) -> dict[str, Any]:
    from taizhang.monitor.actions import generate_special_report
    from taizhang.monitor.models import Incident

    incident = Incident.objects.get(pk=job.params["incident"])
    brief = generate_special_report(acting_user=job.created_by, incident=incident)
    return {"brief": brief.pk}
