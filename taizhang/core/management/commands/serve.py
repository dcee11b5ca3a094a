from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from typing import Any

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import CommandParser

from taizhang.core.management.base import TaizhangCommand


def start_job_workers(stdout: Any = None) -> list[subprocess.Popen[bytes]]:
    """The background worker processes (`taizhang worker`) beside the web server: TAIZHANG_JOB_WORKERS of them
    (one with a Celery broker: it only schedules), none when TAIZHANG_SERVE_WORKER=false or jobs run eagerly."""
    from taizhang.core import jobs

    enabled = getattr(settings, "TAIZHANG_SERVE_WORKER", True)  # settings.py validates the environment's value
    if not enabled or jobs.backend() == "eager":
        return []
    count = 1 if jobs.backend() == "celery" else jobs.setting_int("TAIZHANG_JOB_WORKERS", 1, minimum=1, maximum=32)
    procs = [
        subprocess.Popen([sys.executable, "-m", "taizhang", "worker", "--verbosity", "0"], env=os.environ.copy())
        for _ in range(count)
    ]
    if stdout is not None:
        stdout.write(f"后台任务进程已启动（{count}个）。")
    return procs


def stop_job_workers(procs: list[subprocess.Popen[bytes]], grace: float = 20.0) -> None:
    """SIGTERM (each finishes its current job), then SIGKILL after the grace period; a killed job's lease runs out
    and the next worker runs it again."""
    for proc in procs:
        if proc.poll() is None:
            proc.send_signal(signal.SIGTERM)
    deadline = time.monotonic() + grace
    for proc in procs:
        try:
            proc.wait(timeout=max(0.1, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=5)


def serve(port: int, host: str = "127.0.0.1", workers: int | None = None, stdout: Any = None) -> None:
    """Serve the app (gunicorn, production-grade, unless TAIZHANG_DEBUG, then Django's runserver) with the
    background worker processes beside it; they stop with the server."""
    procs = start_job_workers(stdout)
    try:
        _serve(port, host, workers, stdout)
    finally:
        stop_job_workers(procs)


def _serve(port: int, host: str = "127.0.0.1", workers: int | None = None, stdout: Any = None) -> None:
    if settings.DEBUG:
        call_command("runserver", f"{host}:{port}", use_reloader=False)
        return
    call_command("collectstatic", interactive=False, verbosity=0)
    from gunicorn.app.base import BaseApplication

    from taizhang.wsgi import application

    class App(BaseApplication):
        def load_config(self) -> None:
            # TAIZHANG_WEB_WORKERS / TAIZHANG_WEB_THREADS: validated by settings.py at start-up
            n_workers = workers or int(getattr(settings, "TAIZHANG_WEB_WORKERS", 2))
            config = {
                "bind": f"{host}:{port}",
                "workers": n_workers,
                "worker_class": "gthread",
                "threads": int(getattr(settings, "TAIZHANG_WEB_THREADS", 8)),
                "timeout": 120,
                "graceful_timeout": 20,
                "keepalive": 75,  # clients and proxies reuse idle connections; gunicorn's 2 s default resets them
                "accesslog": "-" if settings.TAIZHANG_ACCESS_LOG else None,
                "preload_app": False,
            }
            for key, value in config.items():
                if value is not None:
                    self.cfg.set(key, value)

        def load(self) -> Any:
            return application

    if stdout is not None:
        stdout.write(f"台账已启动：http://{host}:{port}/  （按 Ctrl+C 停止）")
    App().run()


class Command(TaizhangCommand):
    help = "启动 Web 服务（非调试模式下使用 gunicorn）。"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--port", type=int, default=8000)
        parser.add_argument("--host", default="127.0.0.1", help="监听地址，默认仅本机 127.0.0.1")
        parser.add_argument("--workers", type=int, default=None, help="进程数，默认取 TAIZHANG_WEB_WORKERS 或 2")
        parser.add_argument("--site", choices=["both", "public", "staff"], default=None,
                            help="提供哪个站点：both（默认，工作台 + 公众端）、public（仅公众端）、staff（仅工作台）")

    def handle(self, *args: Any, **options: Any) -> None:
        if options.get("site"):  # read per request by core.sites; the environment carries it to child processes
            import os as _os

            settings.TAIZHANG_SITE = options["site"]
            _os.environ["TAIZHANG_SITE"] = options["site"]
        serve(options["port"], options["host"], options["workers"], stdout=self.stdout)
