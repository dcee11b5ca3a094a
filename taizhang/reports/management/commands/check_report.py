"""`taizhang check-report FILE.docx [--provenance FILE.json] [--no-recompute] [--json] [--strict]`."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from django.core.management.base import CommandError, CommandParser

from taizhang.core.errors import InvalidInput
from taizhang.core.management.base import TaizhangCommand
from taizhang.reports.checker import check_docx


class Command(TaizhangCommand):
    help = (
        "核对文档中的每个数字：是否有数据来源、是否被改动、是否与台账重新计算的结果一致。"
        "发现问题时列出并以状态 1 退出。"
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", help="Word 文档（.docx）")
        parser.add_argument("--provenance", help="数据来源 JSON 文件（默认读取文档内嵌的来源）")
        parser.add_argument("--no-recompute", action="store_true", help="只核对来源和改动，不连接台账重新计算")
        parser.add_argument("--json", action="store_true", help="输出 JSON")
        parser.add_argument("--strict", action="store_true", help="有【待核实】或无法重新计算的数据时也判为不通过")

    def handle(self, *args: Any, **options: Any) -> None:
        path = Path(options["file"])
        if not path.is_file():
            raise InvalidInput(f"文件不存在：{path}")
        try:
            report = check_docx(path, provenance_path=options["provenance"], recompute=not options["no_recompute"])
        except (OSError, ValueError, KeyError) as exc:
            raise InvalidInput(f"无法读取文档“{path.name}”：{exc}") from exc
        if options["json"]:
            self.stdout.write(json.dumps(report.to_dict(), ensure_ascii=False, indent=2))
        else:
            for line in report.lines():
                self.stdout.write(line)
        failed = not report.ok or (options["strict"] and bool(report.warnings))
        if failed:
            raise CommandError(f"核对未通过：{len(report.errors)} 处错误，{len(report.warnings)} 处提示", returncode=1)
