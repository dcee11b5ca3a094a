from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import CommandError, CommandParser

from taizhang.core import audit, backup
from taizhang.core.management.base import TaizhangCommand


class Command(TaizhangCommand):
    help = "从备份目录恢复数据库和上传文件：先校验全部校验值，恢复后核对行数和文件。会覆盖当前数据！"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("directory", help="taizhang backup 生成的目录")
        parser.add_argument("--verify-only", action="store_true", help="只校验备份，不恢复")
        parser.add_argument("--yes", action="store_true", help="不再询问，直接覆盖当前数据")

    def handle(self, *args: Any, **options: Any) -> None:
        directory = Path(options["directory"])
        report = backup.verify(directory)
        self.stdout.write(f"备份校验通过：{report.directory}（{report.manifest['created_at']}）")
        if options["verify_only"]:
            return
        if not options["yes"] and options.get("interactive", True):
            answer = input("恢复将覆盖当前数据库和上传文件，确定继续吗？输入 yes 继续：")
            if answer.strip().lower() != "yes":
                raise CommandError("已取消恢复")
        report = backup.restore(directory)
        rows = sum(report.manifest["counts"].values())
        audit.record("restore", None, user=None, object_type="core.backup", object_repr=str(report.directory),
                     success=report.ok,
                     message="恢复完成" if report.ok else "恢复完成但核对有差异：" + "；".join(report.problems),
                     after={"directory": str(report.directory), "created_at": report.manifest["created_at"]})
        if not report.ok:
            for problem in report.problems:
                self.stderr.write(problem)
            raise CommandError("恢复后核对不一致，请检查上面的提示")
        self.stdout.write(f"已恢复：{len(report.manifest['counts'])} 张表共 {rows} 行，"
                          f"{len(report.manifest['media'])} 个上传文件，行数与校验值全部一致。")
