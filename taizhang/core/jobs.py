"""Background jobs: a durable queue in the database, run by `taizhang worker` (or Celery, or synchronously in tests).

Callers use `enqueue(kind, params, user=…)`; it writes a Job row in the caller's transaction (so a job is never lost
and never runs for work that was rolled back) and, after commit, hands its id to `dispatch`, the ONE place that knows
which backend runs jobs:

* ``TAIZHANG_JOBS_EAGER=true`` (tests, scripts): the job runs right away in this process;
* ``TAIZHANG_BROKER_URL`` set: a Celery task (``taizhang.run_job``) runs it on a Celery worker;
* otherwise the row waits in the table and a worker process (``taizhang worker``, started by ``taizhang serve``)
  claims it: a conditional UPDATE (pending → running) with a lease (``locked_until``) that the worker's heartbeat
  extends while the handler runs. A job whose lease ran out (its worker was killed) is claimed again, up to
  ``max_attempts``, then marked failed. See docs/background.md.

Handlers are registered in each app's ``jobs.py`` with ``@handler("app.kind")`` and take the Job (ids in params,
never objects). ``@periodic("app.kind", minutes=N)`` on a handler asks the scheduler to enqueue it every N minutes;
several workers never enqueue the same run twice (one ScheduledRun row per kind, claimed by a conditional UPDATE).
"""

from __future__ import annotations

import datetime
import logging
import os
import socket
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import F, Q
from django.utils import timezone

from taizhang.core.models import Job, ScheduledRun
from taizhang.env import env_int

log = logging.getLogger(__name__)
Handler = Callable[[Job], dict[str, Any] | None]
HANDLERS: dict[str, Handler] = {}


@dataclass(frozen=True)
class Periodic:
    kind: str
    minutes: int


PERIODIC: dict[str, Periodic] = {}


def setting_int(name: str, default: int, *, minimum: int, maximum: int) -> int:
    """A setting from settings.py when it defines it, else from the environment (validated the same way)."""
    value = getattr(settings, name, None)
    return int(value) if value is not None else env_int(name, default, minimum=minimum, maximum=maximum)


def lease_seconds() -> int:
    return setting_int("TAIZHANG_JOB_LEASE_SECONDS", 60, minimum=2, maximum=86400)


def max_attempts() -> int:
    return setting_int("TAIZHANG_JOB_ATTEMPTS", 3, minimum=1, maximum=100)


def handler(kind: str) -> Callable[[Handler], Handler]:
    def register(func: Handler) -> Handler:
        HANDLERS[kind] = func
        return func

    return register


def periodic(kind: str, *, minutes: int) -> Callable[[Handler], Handler]:
    """Register ``func`` as the handler of ``kind`` and enqueue it every ``minutes`` (no @handler needed)."""
    if minutes < 1:
        raise ValueError("minutes must be at least 1")

    def register(func: Handler) -> Handler:
        HANDLERS[kind] = func
        PERIODIC[kind] = Periodic(kind, minutes)
        return func

    return register


def enqueue(
    kind: str, params: dict[str, Any], *, user: Any = None, total: int = 0, run_after: datetime.datetime | None = None
) -> Job:
    if kind not in HANDLERS:
        autodiscover()
    if kind not in HANDLERS:
        raise KeyError(f"未注册的后台任务类型：{kind}")
    job = Job.objects.create(
        kind=kind,
        params=params,
        total=total,
        created_by=user if getattr(user, "is_authenticated", False) else None,
        run_after=run_after or timezone.now(),
        max_attempts=max_attempts(),
    )
    if run_after is None:
        transaction.on_commit(lambda: dispatch(job.pk))
    return job


def backend() -> str:
    """Which backend runs jobs: "eager", "celery" or "worker"."""
    if settings.TAIZHANG_JOBS_EAGER:
        return "eager"
    if settings.CELERY_BROKER_URL:
        return "celery"
    return "worker"


def dispatch(job_id: int) -> None:
    """The only code that knows the backend. With the database worker the row itself is the message: nothing to do."""
    which = backend()
    if which == "eager":
        run_job(job_id)
    elif which == "celery":
        from taizhang.core.tasks import run_job_task

        run_job_task.delay(job_id)


def autodiscover() -> None:
    from importlib import import_module

    from django.apps import apps

    for app in apps.get_app_configs():
        if app.name.startswith("taizhang."):
            try:
                import_module(f"{app.name}.jobs")
            except ModuleNotFoundError as exc:
                if exc.name != f"{app.name}.jobs":
                    raise


# Kept for callers of the old name.
_autodiscover = autodiscover


def claim(job_id: int, worker_id: str = "", now: datetime.datetime | None = None) -> bool:
    """Take a pending, due job: a conditional UPDATE, so two workers never both run it."""
    now = now or timezone.now()
    return (
        Job.objects.filter(pk=job_id, status=Job.Status.PENDING).update(
            status=Job.Status.RUNNING,
            started_at=now,
            locked_until=now + datetime.timedelta(seconds=lease_seconds()),
            locked_by=worker_id[:100],
            attempts=F("attempts") + 1,
        )
        == 1
    )


def run_job(job_id: int, worker_id: str = "") -> Job:
    """Claim the job and run its handler (Celery, eager mode and the worker all come through here)."""
    claimed = claim(job_id, worker_id)
    job = Job.objects.get(pk=job_id)
    if not claimed:
        return job
    return _execute(job, worker_id)


def _execute(job: Job, worker_id: str) -> Job:
    if job.kind not in HANDLERS:
        autodiscover()
    mine = Q(pk=job.pk, status=Job.Status.RUNNING)
    if worker_id:
        mine &= Q(locked_by=worker_id[:100])
    try:
        func = HANDLERS.get(job.kind)
        if func is None:
            raise LookupError(f"未注册的后台任务类型：{job.kind}")
        result = func(job)
    except Exception as exc:
        log.exception("job %s failed", job.pk)
        from taizhang.core.errors import TaizhangError

        if isinstance(exc, TaizhangError):
            message = exc.message
        elif isinstance(exc, LookupError):
            message = str(exc.args[0]) if exc.args else "任务失败"
        else:
            message = f"任务失败：{exc.__class__.__name__}"
        Job.objects.filter(mine).update(
            status=Job.Status.FAILED, message=message, finished_at=timezone.now(), locked_until=None
        )
    else:
        Job.objects.filter(mine).update(
            status=Job.Status.SUCCEEDED,
            result=result or {},
            finished_at=timezone.now(),
            progress=job.total or job.progress,
            locked_until=None,
        )
    job.refresh_from_db()
    return job


def report_progress(job: Job, progress: int, total: int | None = None, message: str = "") -> None:
    fields: dict[str, Any] = {"progress": progress}
    if total is not None:
        fields["total"] = total
        job.total = total
    if message:
        fields["message"] = message
    job.progress = progress
    Job.objects.filter(pk=job.pk).update(**fields)


# --- the worker's steps (the loop itself is in core.worker) -------------------------------------------------------
def worker_name() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"


def recover_expired(now: datetime.datetime | None = None) -> tuple[int, int]:
    """Jobs whose lease ran out (their worker died): back to pending, or failed after max_attempts.

    Returns (requeued, failed).
    """
    now = now or timezone.now()
    expired = Job.objects.filter(status=Job.Status.RUNNING, locked_until__lt=now)
    failed = expired.filter(attempts__gte=F("max_attempts")).update(
        status=Job.Status.FAILED,
        message="任务多次中断（执行进程退出），已停止重试",
        finished_at=now,
        locked_until=None,
    )
    requeued = expired.filter(attempts__lt=F("max_attempts")).update(
        status=Job.Status.PENDING, locked_until=None, locked_by="", run_after=now
    )
    if requeued or failed:
        log.warning("租约到期的任务：重新排队 %s 个，标记失败 %s 个", requeued, failed)
    return requeued, failed


def claim_next(worker_id: str, now: datetime.datetime | None = None) -> Job | None:
    """The oldest due pending job, claimed for this worker; None when there is nothing to do."""
    now = now or timezone.now()
    for _ in range(5):  # another worker may win the race for a row: try the next one
        job_id = (
            Job.objects.filter(status=Job.Status.PENDING, run_after__lte=now)
            .order_by("run_after", "id")
            .values_list("pk", flat=True)
            .first()
        )
        if job_id is None:
            return None
        if claim(job_id, worker_id, now):
            return Job.objects.get(pk=job_id)
    return None


def extend_lease(job_id: int, worker_id: str) -> bool:
    """The heartbeat: push the lease on while the handler runs (only if this worker still holds it)."""
    until = timezone.now() + datetime.timedelta(seconds=lease_seconds())
    return (
        Job.objects.filter(pk=job_id, status=Job.Status.RUNNING, locked_by=worker_id[:100]).update(locked_until=until)
        == 1
    )


def run_claimed(job: Job, worker_id: str) -> Job:
    return _execute(job, worker_id)


def schedule_periodic(now: datetime.datetime | None = None) -> list[str]:
    """Enqueue each periodic kind whose time has come; returns the kinds enqueued (by this caller only)."""
    now = now or timezone.now()
    if not PERIODIC:
        autodiscover()
    started: list[str] = []
    for kind, spec in sorted(PERIODIC.items()):
        row = ScheduledRun.objects.filter(kind=kind).values_list("next_run_at", flat=True).first()
        if row is None:
            try:
                with transaction.atomic():
                    ScheduledRun.objects.create(kind=kind, next_run_at=now)
            except IntegrityError:
                pass  # another worker created it
            row = ScheduledRun.objects.filter(kind=kind).values_list("next_run_at", flat=True).first()
            if row is None:
                continue
        if row > now:
            continue
        with transaction.atomic():
            won = ScheduledRun.objects.filter(kind=kind, next_run_at=row).update(
                next_run_at=now + datetime.timedelta(minutes=spec.minutes), last_run_at=now
            )
            if won == 1:
                enqueue(kind, {"scheduled_at": now.isoformat()})
                started.append(kind)
    return started
