"""`taizhang import-summary FILE --unit CODE --period SPEC [--min-confidence 0.6] [--dry-run]`."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import CommandParser

from taizhang.core.management.base import TaizhangCommand
from taizhang.core.periods import parse_period
from taizhang.reports import actions
from taizhang.reports.cli import read_input, unit_by_code, user_by_name


class Command(TaizhangCommand):
    help = (
        "从往年工作总结（txt 或 docx）读出数据，把把握足够的数据写成台账记录草稿（每个数据一条，来源为“总结提取”），"
        "全部校验无误才写入。草稿在台账中补全、报送后进入审核。"
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", help="工作总结文件（.txt 或 .docx）")
        parser.add_argument("--unit", required=True, help="记录所属单位代码")
        parser.add_argument("--period", required=True, help="总结所述时间段（记录日期取其最后一天）")
        parser.add_argument("--min-confidence", type=float, default=0.6, help="对应指标所需的最低把握（默认 0.6）")
        parser.add_argument("--user", help="以该用户身份写入（按其权限校验）；默认为系统")
        parser.add_argument("--dry-run", action="store_true", help="只列出将写入的记录，不写入")

    def handle(self, *args: Any, **options: Any) -> None:
        text = read_input(options["file"])
        unit = unit_by_code(options["unit"])
        period = parse_period(options["period"])
        rows = actions.import_rows(text, min_confidence=options["min_confidence"])
        for row in rows:
            mark = "导入" if row.importable else "跳过"
            metric = row.metric.name if row.metric else "—"
            atype = row.activity_type.name if row.activity_type else "—"
            note = f"（{row.problem}）" if row.problem else ""
            self.stdout.write(f"{mark}\t{row.text}\t{metric}\t{atype}\t{row.subject or '—'}{note}")
        if options["dry_run"]:
            self.stdout.write(f"共 {len(rows)} 个数据，可导入 {sum(r.importable for r in rows)} 个（未写入）")
            return
        records = actions.import_summary(acting_user=user_by_name(options["user"]), unit=unit, period=period,
                                         text=text, min_confidence=options["min_confidence"],
                                         source_name=Path(options["file"]).name)
        ids = ", ".join(str(r.pk) for r in records)
        self.stdout.write(f"已写入台账记录草稿 {len(records)} 条（{ids}），请在台账中补全、报送后审核。")
