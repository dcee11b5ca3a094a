"""The durable job queue: claiming, leases, periodic de-duplication, and a job that survives its worker being killed."""

from __future__ import annotations

import datetime
import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest
from django.db import connection
from django.utils import timezone

from taizhang.core import jobs
from taizhang.core.models import Job, ScheduledRun
from taizhang.core.worker import Worker

ROOT = Path(__file__).resolve().parents[3]
pytestmark = pytest.mark.django_db


@pytest.fixture
def registry(monkeypatch: Any) -> dict[str, list[int]]:
    """Handlers registered for one test only."""
    ran: dict[str, list[int]] = {"echo": [], "tick": []}
    monkeypatch.setattr(jobs, "HANDLERS", dict(jobs.HANDLERS))
    monkeypatch.setattr(jobs, "PERIODIC", {})

    @jobs.handler("test.echo")
    def echo(job: Job) -> dict[str, Any]:
        ran["echo"].append(job.pk)
        return {"echo": job.params.get("x")}

    @jobs.handler("test.boom")
    def boom(job: Job) -> None:
        raise ValueError("boom")

    @jobs.periodic("test.tick", minutes=5)
    def tick(job: Job) -> None:
        ran["tick"].append(job.pk)

    return ran


def test_enqueue_writes_a_durable_row_and_eager_mode_runs_it(
    registry: dict[str, list[int]], django_capture_on_commit_callbacks: Any
) -> None:
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        job = jobs.enqueue("test.echo", {"x": 1})
    assert Job.objects.get(pk=job.pk).status == Job.Status.PENDING  # in the table before anything runs it
    for cb in callbacks:
        cb()
    job.refresh_from_db()
    assert job.status == Job.Status.SUCCEEDED and job.result == {"echo": 1} and job.attempts == 1
    assert registry["echo"] == [job.pk]


def test_unknown_kind_is_refused() -> None:
    with pytest.raises(KeyError):
        jobs.enqueue("nope.nothing", {})


def test_worker_claims_in_order_and_records_failures(registry: dict[str, list[int]], settings: Any) -> None:
    settings.TAIZHANG_JOBS_EAGER = False
    first = jobs.enqueue("test.echo", {"x": "a"})
    second = jobs.enqueue("test.boom", {})
    later = jobs.enqueue("test.echo", {"x": "b"}, run_after=timezone.now() + datetime.timedelta(hours=1))
    worker = Worker(name="w1")
    stats = worker.run(once=True)
    assert stats.ran == 3 and stats.failed == 1  # the two due jobs and the periodic tick it scheduled
    assert stats.scheduled == ["test.tick"] and len(registry["tick"]) == 1
    assert registry["echo"] == [first.pk]
    second.refresh_from_db()
    assert second.status == Job.Status.FAILED and second.message == "任务失败：ValueError"
    assert Job.objects.get(pk=later.pk).status == Job.Status.PENDING  # not due yet


def test_a_claimed_job_cannot_be_claimed_twice(registry: dict[str, list[int]], settings: Any) -> None:
    settings.TAIZHANG_JOBS_EAGER = False
    job = jobs.enqueue("test.echo", {})
    assert jobs.claim(job.pk, "w1") is True
    assert jobs.claim(job.pk, "w2") is False
    assert jobs.claim_next("w2") is None
    assert jobs.extend_lease(job.pk, "w1") is True
    assert jobs.extend_lease(job.pk, "w2") is False  # only the holder extends


def test_expired_lease_is_retried_then_failed(registry: dict[str, list[int]], settings: Any) -> None:
    settings.TAIZHANG_JOBS_EAGER = False
    job = jobs.enqueue("test.echo", {})
    Job.objects.filter(pk=job.pk).update(max_attempts=2)
    past = timezone.now() - datetime.timedelta(seconds=1)
    assert jobs.claim(job.pk, "dead")
    Job.objects.filter(pk=job.pk).update(locked_until=past)
    assert jobs.recover_expired() == (1, 0)
    job.refresh_from_db()
    assert job.status == Job.Status.PENDING and job.locked_by == ""
    assert jobs.claim(job.pk, "dead-again")
    Job.objects.filter(pk=job.pk).update(locked_until=past)
    assert jobs.recover_expired() == (0, 1)
    job.refresh_from_db()
    assert job.status == Job.Status.FAILED and job.attempts == 2 and "中断" in job.message


def test_periodic_work_is_enqueued_once_per_interval_across_workers(
    registry: dict[str, list[int]], settings: Any
) -> None:
    settings.TAIZHANG_JOBS_EAGER = False
    now = timezone.now()
    assert jobs.schedule_periodic(now) == ["test.tick"]
    assert jobs.schedule_periodic(now) == []  # a second worker at the same moment
    assert jobs.schedule_periodic(now + datetime.timedelta(minutes=4)) == []
    assert Job.objects.filter(kind="test.tick").count() == 1
    row = ScheduledRun.objects.get(kind="test.tick")
    assert row.next_run_at == now + datetime.timedelta(minutes=5)
    # two workers racing for the same due row: the conditional UPDATE lets one win
    due = now + datetime.timedelta(minutes=5)
    results = [jobs.schedule_periodic(due), jobs.schedule_periodic(due)]
    assert sorted(len(r) for r in results) == [0, 1]
    assert Job.objects.filter(kind="test.tick").count() == 2


def test_periodic_needs_a_positive_interval() -> None:
    with pytest.raises(ValueError):
        jobs.periodic("x.y", minutes=0)


def test_dispatch_is_the_only_backend_switch(settings: Any) -> None:
    settings.TAIZHANG_JOBS_EAGER = True
    assert jobs.backend() == "eager"
    settings.TAIZHANG_JOBS_EAGER = False
    settings.CELERY_BROKER_URL = ""
    assert jobs.backend() == "worker"
    settings.CELERY_BROKER_URL = "redis://127.0.0.1:1/0"
    assert jobs.backend() == "celery"


# --- a real worker process, killed mid-job ----------------------------------------------------------------------
def _database_url() -> str:
    s = connection.settings_dict
    if connection.vendor == "sqlite":
        return f"sqlite:///{s['NAME']}"
    auth = quote(s["USER"] or "")
    if s.get("PASSWORD"):
        auth += ":" + quote(s["PASSWORD"])
    return f"postgres://{auth}@{s['HOST'] or '127.0.0.1'}:{s['PORT'] or 5432}/{s['NAME']}"


def _start_worker(env: dict[str, str]) -> subprocess.Popen[bytes]:
    return subprocess.Popen([sys.executable, "-m", "taizhang", "worker", "--poll", "0.2"], env=env, cwd=ROOT,
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)


def _wait_for(predicate: Any, timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(0.2)
    raise AssertionError(f"timed out waiting for {what}")


@pytest.mark.django_db(transaction=True)
def test_job_survives_its_worker_being_killed(tmp_path: Path) -> None:
    name = str(connection.settings_dict["NAME"])
    if connection.vendor == "sqlite" and (":memory:" in name or "mode=memory" in name):
        pytest.skip("needs a database file or server the worker process can open")
    log = tmp_path / "job.log"
    job = Job.objects.create(kind="test.slow", params={"log": str(log), "seconds": 3}, max_attempts=3)
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "DATABASE_URL"))}
    env.update({
        "DATABASE_URL": _database_url(), "DJANGO_SETTINGS_MODULE": "taizhang.core.tests.worker_settings",
        "TAIZHANG_JOBS_EAGER": "0", "TAIZHANG_BROKER_URL": "", "TAIZHANG_JOB_LEASE_SECONDS": "2",
        "TAIZHANG_DEV_RELAXED": "1", "TAIZHANG_DB_CONN_MAX_AGE": "0",
    })
    first = _start_worker(env)
    try:
        _wait_for(lambda: log.exists() and "start" in log.read_text(), 90, "the first worker to start the job")
        first.send_signal(signal.SIGKILL)  # kill -9 mid-run: no chance to clean up
        first.wait(timeout=10)
    finally:
        if first.poll() is None:
            first.kill()
    assert Job.objects.get(pk=job.pk).status == Job.Status.RUNNING  # its worker is gone, the lease still runs
    second = _start_worker(env)
    try:
        _wait_for(lambda: Job.objects.get(pk=job.pk).status == Job.Status.SUCCEEDED, 120, "the retry to finish")
        second.send_signal(signal.SIGTERM)  # a clean stop
        assert second.wait(timeout=30) == 0
    finally:
        if second.poll() is None:
            second.kill()
    lines = log.read_text().split()
    assert lines.count("start") == 2 and lines.count("done") == 1  # ran again after the kill, completed once
    job.refresh_from_db()
    assert job.attempts == 2 and job.finished_at is not None and job.locked_until is None


def test_serve_starts_workers_beside_the_web_server_and_stops_them(settings: Any, monkeypatch: Any) -> None:
    from taizhang.core.management.commands import serve

    started: list[Any] = []

    class FakeProcess:
        def __init__(self, args: list[str], env: dict[str, str]) -> None:
            self.args = args
            self.signals: list[int] = []
            self.returncode: int | None = None
            started.append(self)

        def poll(self) -> int | None:
            return self.returncode

        def send_signal(self, sig: int) -> None:
            self.signals.append(sig)
            self.returncode = 0

        def wait(self, timeout: float | None = None) -> int:
            return 0

    monkeypatch.setattr(serve.subprocess, "Popen", FakeProcess)
    monkeypatch.setattr(serve, "_serve", lambda *a, **k: None)
    settings.TAIZHANG_JOBS_EAGER = False
    settings.CELERY_BROKER_URL = ""
    settings.TAIZHANG_JOB_WORKERS = 2
    serve.serve(8000)
    assert len(started) == 2 and all(p.args[-3:] == ["worker", "--verbosity", "0"] for p in started)
    assert all(p.signals == [signal.SIGTERM] for p in started)  # stopped with the server
    started.clear()
    settings.TAIZHANG_SERVE_WORKER = False
    serve.serve(8000)
    assert started == []


def test_cli_names() -> None:
    from taizhang.cli import ALIASES

    assert ALIASES["notify-test"] == "notify_test"
