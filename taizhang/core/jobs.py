"""Background jobs: in-process by default (a thread pool), Celery when TAIZHANG_BROKER_URL is set.

A job handler is a plain function registered under a kind; it receives the Job and reports progress through it.
Callers use `enqueue`; the job row tells users what happened (status, progress, message, result).
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from django.conf import settings
from django.db import close_old_connections, transaction
from django.utils import timezone

from taizhang.core.models import Job

log = logging.getLogger(__name__)
Handler = Callable[[Job], dict[str, Any] | None]
HANDLERS: dict[str, Handler] = {}
_executor: ThreadPoolExecutor | None = None
_executor_lock = threading.Lock()


def handler(kind: str) -> Callable[[Handler], Handler]:
    def register(func: Handler) -> Handler:
        HANDLERS[kind] = func
        return func

    return register


def enqueue(kind: str, params: dict[str, Any], *, user: Any = None, total: int = 0) -> Job:
    if kind not in HANDLERS:
        _autodiscover()
    if kind not in HANDLERS:
        raise KeyError(f"未注册的后台任务类型：{kind}")
    job = Job.objects.create(
        kind=kind, params=params, total=total, created_by=user if getattr(user, "is_authenticated", False) else None
    )
    transaction.on_commit(lambda: dispatch(job.pk))
    return job


def dispatch(job_id: int) -> None:
    if settings.TAIZHANG_JOBS_EAGER:
        run_job(job_id)
    elif settings.CELERY_BROKER_URL:
        from taizhang.core.tasks import run_job_task

        run_job_task.delay(job_id)
    else:
        _pool().submit(_run_in_thread, job_id)


def _pool() -> ThreadPoolExecutor:
    global _executor
    with _executor_lock:
        if _executor is None:
            _executor = ThreadPoolExecutor(max_workers=settings.TAIZHANG_JOB_WORKERS, thread_name_prefix="tz-job")
        return _executor


def _run_in_thread(job_id: int) -> None:
    close_old_connections()
    try:
        run_job(job_id)
    finally:
        close_old_connections()


def _autodiscover() -> None:
    from importlib import import_module

    from django.apps import apps

    for app in apps.get_app_configs():
        if app.name.startswith("taizhang."):
            try:
                import_module(f"{app.name}.jobs")
            except ModuleNotFoundError as exc:
                if exc.name != f"{app.name}.jobs":
                    raise


def run_job(job_id: int) -> Job:
    """Claim the job (a conditional UPDATE, so two workers never run it twice) and run its handler."""
    claimed = Job.objects.filter(pk=job_id, status=Job.Status.PENDING).update(
        status=Job.Status.RUNNING, started_at=timezone.now()
    )
    job = Job.objects.get(pk=job_id)
    if claimed != 1:
        return job
    if job.kind not in HANDLERS:
        _autodiscover()
    try:
        result = HANDLERS[job.kind](job)
    except Exception as exc:
        log.exception("job %s failed", job_id)
        from taizhang.core.errors import TaizhangError

        message = exc.message if isinstance(exc, TaizhangError) else f"任务失败：{exc.__class__.__name__}"
        Job.objects.filter(pk=job_id).update(status=Job.Status.FAILED, message=message, finished_at=timezone.now())
    else:
        Job.objects.filter(pk=job_id).update(
            status=Job.Status.SUCCEEDED,
            result=result or {},
            finished_at=timezone.now(),
            progress=job.total or job.progress,
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
