from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import CommandParser
from django.db import connection

from taizhang.core.management.base import TaizhangCommand


class Command(TaizhangCommand):
    help = "重建数据库并载入演示数据（一个完整的区：单位、用户、两年多的台账记录等），然后启动服务（除非 --no-serve）。"

    def add_arguments(self, parser: CommandParser) -> None:
        # --db PATH is handled by the taizhang entry point (it selects the SQLite file before settings load).
        parser.add_argument("--no-serve", action="store_true", help="只生成数据，不启动服务")
        parser.add_argument("--port", type=int, default=8000)
        parser.add_argument("--seed", type=int, default=2024, help="随机种子：相同种子生成相同数据")
        parser.add_argument("--today", default=None, help="演示数据的“今天”（YYYY-MM-DD），默认为当天")
        parser.add_argument("--scale", type=float, default=1.0, help="数据量倍数（测试用较小值）")

    def handle(self, *args: Any, **options: Any) -> None:
        import datetime

        from taizhang.core.demo import DEMO_PASSWORD, build

        self._reset_database()
        call_command("setup", stdout=self.stdout)
        today = datetime.date.fromisoformat(options["today"]) if options["today"] else None
        self.stdout.write("正在生成演示数据……")
        ctx = build(options["seed"], today, scale=options["scale"])
        for note in ctx.notes:
            self.stdout.write(f"  {note}")
        self.stdout.write(f"\n演示账户（密码均为 {DEMO_PASSWORD}）：")
        for username, role, unit in ctx.logins:
            self.stdout.write(f"  {username:<14} {role:<8} {unit}")
        if not options["no_serve"]:
            from taizhang.core.management.commands.serve import serve

            serve(options["port"], stdout=self.stdout)

    def _reset_database(self) -> None:
        db = settings.DATABASES["default"]
        if db["ENGINE"].endswith("sqlite3"):
            from pathlib import Path

            connection.close()
            path = Path(db["NAME"])
            for suffix in ("", "-wal", "-shm"):
                candidate = path.with_name(path.name + suffix)
                if candidate.exists():
                    candidate.unlink()
            self.stdout.write(f"已重建数据库 {path}")
        else:
            call_command("flush", interactive=False, verbosity=0)
            self.stdout.write("已清空数据库")
