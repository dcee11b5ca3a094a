from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import CommandParser

from taizhang.core.management.base import TaizhangCommand


def serve(port: int, host: str = "127.0.0.1", workers: int | None = None, stdout: Any = None) -> None:
    """Serve the app: gunicorn (production-grade) unless TAIZHANG_DEBUG, then Django's runserver."""
    if settings.DEBUG:
        call_command("runserver", f"{host}:{port}", use_reloader=False)
        return
    call_command("collectstatic", interactive=False, verbosity=0)
    from gunicorn.app.base import BaseApplication

    from taizhang.wsgi import application

    class App(BaseApplication):
        def load_config(self) -> None:
            import os

            from taizhang.env import env_int

            n_workers = workers or env_int("TAIZHANG_WEB_WORKERS", 2, minimum=1, maximum=64)
            config = {
                "bind": f"{host}:{port}",
                "workers": n_workers,
                "worker_class": "gthread",
                "threads": env_int("TAIZHANG_WEB_THREADS", 8, minimum=1, maximum=256),
                "timeout": 120,
                "graceful_timeout": 20,
                "keepalive": 75,  # clients and proxies reuse idle connections; gunicorn's 2 s default resets them
                "accesslog": "-" if os.environ.get("TAIZHANG_ACCESS_LOG") else None,
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

    def handle(self, *args: Any, **options: Any) -> None:
        serve(options["port"], options["host"], options["workers"], stdout=self.stdout)
