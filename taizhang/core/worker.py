"""The worker process (`taizhang worker`): claims due jobs from the database queue and runs them, one at a time.

Each turn of the loop: jobs whose lease ran out are requeued (or failed), periodic kinds that are due are enqueued
(one ScheduledRun row per kind, so several workers never enqueue the same run), then the oldest due job is claimed
and run while a heartbeat thread extends its lease. SIGTERM / SIGINT stop the loop after the running job finishes.
With a Celery broker configured the worker only schedules: jobs go to Celery through `core.jobs.dispatch`.
"""

from __future__ import annotations

import logging
import signal
import threading
import time
from dataclasses import dataclass, field
from typing import Any

from django.db import close_old_connections, connection

from taizhang.core import jobs

log = logging.getLogger(__name__)
HOUSEKEEPING_SECONDS = 1.0


@dataclass
class WorkerStats:
    ran: int = 0
    failed: int = 0
    scheduled: list[str] = field(default_factory=list)


class Worker:
    def __init__(self, *, poll_interval: float = 1.0, name: str | None = None) -> None:
        self.poll_interval = poll_interval
        self.name = name or jobs.worker_name()
        self.stopping = threading.Event()
        self.stats = WorkerStats()
        self._next_housekeeping = 0.0

    # -- signals --
    def install_signal_handlers(self) -> None:
        def stop(signum: int, frame: Any) -> None:
            log.info("后台任务进程收到停止信号，完成当前任务后退出")
            self.stopping.set()

        signal.signal(signal.SIGTERM, stop)
        signal.signal(signal.SIGINT, stop)

    # -- one turn --
    def step(self) -> bool:
        """One turn of the loop; True when a job ran (so the loop goes on without sleeping)."""
        now = time.monotonic()
        if now >= self._next_housekeeping:  # leases and the schedule: once a second is plenty
            self._next_housekeeping = now + HOUSEKEEPING_SECONDS
            jobs.recover_expired()
            self.stats.scheduled.extend(jobs.schedule_periodic())
        if jobs.backend() == "celery":
            return False
        job = jobs.claim_next(self.name)
        if job is None:
            return False
        done = threading.Event()
        beat = threading.Thread(target=self._heartbeat, args=(job.pk, done), daemon=True, name="tz-heartbeat")
        beat.start()
        try:
            finished = jobs.run_claimed(job, self.name)
        finally:
            done.set()
            beat.join(timeout=5)
        self.stats.ran += 1
        if finished.status == finished.Status.FAILED:
            self.stats.failed += 1
        return True

    def _heartbeat(self, job_id: int, done: threading.Event) -> None:
        interval = max(0.5, jobs.lease_seconds() / 3)
        try:
            while not done.wait(interval):
                if not jobs.extend_lease(job_id, self.name):
                    return
        except Exception:  # the database went away: the lease simply runs out
            log.exception("heartbeat for job %s failed", job_id)
        finally:
            connection.close()

    def run(self, *, once: bool = False, max_jobs: int | None = None) -> WorkerStats:
        log.info("后台任务进程 %s 已启动", self.name)
        while not self.stopping.is_set():
            if not connection.in_atomic_block:  # (a test runs the loop inside its transaction)
                close_old_connections()
            try:
                busy = self.step()
            except Exception:
                log.exception("worker step failed")
                busy = False
            if once and not busy:
                break
            if max_jobs is not None and self.stats.ran >= max_jobs:
                break
            if not busy:
                self.stopping.wait(self.poll_interval)
        log.info("后台任务进程 %s 已停止", self.name)
        return self.stats
