from __future__ import annotations

from typing import Any

from django.core.management.base import CommandError, CommandParser
from django.utils import timezone

from taizhang.core import audit
from taizhang.core.management.base import TaizhangCommand


class Command(TaizhangCommand):
    help = ("核对审计日志的校验链：逐条重算校验值，报告第一处断裂（记录被改写、删除、插入或伪造），并检查数据库中的"
            "防篡改触发器是否齐全。完好时退出码为 0，否则非 0。")

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--all", action="store_true", help="报告所有断裂处（默认只报告第一处）")

    def handle(self, *args: Any, **options: Any) -> None:
        report = audit.verify_chain(limit_breaks=10_000_000 if options["all"] else 1)
        if report.rows:
            self.stdout.write(f"共核对 {report.rows} 条审计日志（编号 {report.first_id}–{report.last_id}）。")
            self.stdout.write(f"链尾校验值：{report.last_hash}（可另行保存，用于日后核对链尾未被截断）")
        else:
            self.stdout.write("审计日志为空。")
        problems: list[str] = []
        if report.missing_triggers:
            problems.append("数据库中缺少审计日志防篡改触发器：" + "、".join(sorted(report.missing_triggers)))
        for brk in report.breaks:
            when = f"{timezone.localtime(brk.timestamp):%Y-%m-%d %H:%M:%S}" if brk.timestamp else ""
            problems.append(f"第一处断裂在编号 {brk.entry_id}（{when}）：{brk.reason}" if brk is report.breaks[0]
                            else f"断裂：编号 {brk.entry_id}（{when}）：{brk.reason}")
        if problems:
            raise CommandError("审计日志校验未通过。\n" + "\n".join(problems))
        self.stdout.write("校验链完好，触发器齐全。")
