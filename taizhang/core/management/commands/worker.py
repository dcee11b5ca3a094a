from __future__ import annotations

from typing import Any

from django.core.management.base import CommandParser

from taizhang.core.management.base import TaizhangCommand


class Command(TaizhangCommand):
    help = "运行后台任务进程：领取并执行排队的任务（通知发送、导入、督办等），并安排定时任务。Web 服务会自动启动它。"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--once", action="store_true", help="处理完当前排队的任务后退出")
        parser.add_argument("--poll", type=float, default=1.0, help="空闲时检查新任务的间隔（秒），默认 1")

    def handle(self, *args: Any, **options: Any) -> None:
        from taizhang.core import jobs
        from taizhang.core.worker import Worker

        jobs.autodiscover()
        worker = Worker(poll_interval=max(0.1, float(options["poll"])))
        worker.install_signal_handlers()
        if options["verbosity"] >= 1 and not options["once"]:
            mode = "仅安排定时任务（任务由 Celery 执行）" if jobs.backend() == "celery" else "领取并执行任务"
            self.stdout.write(f"后台任务进程已启动：{mode}。按 Ctrl+C 停止。")
        stats = worker.run(once=options["once"])
        if options["verbosity"] >= 1:
            self.stdout.write(f"后台任务进程已停止：执行{stats.ran}个任务，失败{stats.failed}个。")
