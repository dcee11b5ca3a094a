from __future__ import annotations

from typing import Any

from django.core.management import call_command

from taizhang.core.management.base import TaizhangCommand


class Command(TaizhangCommand):
    help = "初始化数据库：执行迁移、创建缓存表、载入内置指标体系和媒体名录。可重复执行。"

    def handle(self, *args: Any, **options: Any) -> None:
        call_command("migrate", interactive=False, verbosity=0)
        call_command("createcachetable", verbosity=0)
        call_command("load_defaults", stdout=self.stdout)
        from taizhang.ledger.maintenance import refresh_statistics

        refresh_statistics()
        self.stdout.write("数据库已就绪。")
