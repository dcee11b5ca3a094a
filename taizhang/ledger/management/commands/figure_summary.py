from __future__ import annotations

import time
from typing import Any

from django.core.management.base import CommandError, CommandParser
from django.db import transaction

from taizhang.core.management.base import TaizhangCommand
from taizhang.ledger import summary


class Command(TaizhangCommand):
    help = (
        "月度指标汇总（ledger_figuremonth 按单位、ledger_figuremonthtotal 全区合计，"
        "由数据库触发器随记录数据同步维护）："
        "--check 逐行核对汇总与记录数据，"
        "--rebuild 按记录数据重建汇总并重建触发器。"
    )

    def add_arguments(self, parser: CommandParser) -> None:
        group = parser.add_mutually_exclusive_group(required=True)
        group.add_argument("--check", action="store_true", help="核对汇总与记录数据是否一致；不一致时以非零状态退出")
        group.add_argument("--rebuild", action="store_true", help="按记录数据重建汇总，并重建维护它的触发器")

    def handle(self, *args: Any, **options: Any) -> None:
        t0 = time.perf_counter()
        if options["rebuild"]:
            with transaction.atomic():
                rows = summary.rebuild()
                summary.install()
            self.stdout.write(
                f"已重建月度指标汇总：{rows} 行，触发器 {len(summary.installed())} 个"
                f"（{time.perf_counter() - t0:.1f} 秒）"
            )
            return
        missing = set(summary.PG_TRIGGERS if _pg() else summary.SQLITE_TRIGGERS) - set(summary.installed())
        wrong = summary.verify()
        for row in wrong[:20]:
            metric_id, month, unit_id, level, kept, kept_n, real, real_n = row
            where = "全区合计" if unit_id == summary.WHOLE_TREE else f"单位 {unit_id}"
            self.stderr.write(
                f"指标 {metric_id} {where} {str(month)[:7]} {level or '-'}：汇总 {kept / 10000}（{kept_n} 条，"
                f"最大 {_value(row.kept_max)}），记录数据 {real / 10000}（{real_n} 条，最大 {_value(row.real_max)}）"
            )
        if missing:
            self.stderr.write(f"缺少触发器：{'、'.join(sorted(missing))}")
        if wrong or missing:
            raise CommandError(
                f"月度指标汇总与记录数据不一致（{len(wrong)} 行）：请运行 taizhang figure-summary --rebuild"
            )
        self.stdout.write(f"月度指标汇总与记录数据逐行一致（{time.perf_counter() - t0:.1f} 秒）")


def _value(e4: int | None) -> str:
    return "无" if e4 is None else str(e4 / 10000)


def _pg() -> bool:
    from django.db import connection

    return connection.vendor == "postgresql"
