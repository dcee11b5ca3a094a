"""`taizhang import-summary FILE --unit CODE --period SPEC [--min-confidence 0.6] [--dry-run]`."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import CommandParser

from taizhang.core.management.base import TaizhangCommand
from taizhang.core.periods import parse_period
from taizhang.reports import summary_import
from taizhang.reports.cli import read_input, unit_by_code, user_by_name


class Command(TaizhangCommand):
    help = (
        "从往年工作总结（txt 或 docx）读出数据，只把对应有把握、数值确切的数据写成台账记录草稿（每个数据一条，"
        "来源为“总结提取”），全部校验无误才写入；没有把握或为约数的数据列为“待确认”，不写入，请在网页“总结数据提取”中"
        "逐个确认。草稿在台账中补全、报送后进入审核。"
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
        rows = summary_import.import_rows(text, min_confidence=options["min_confidence"])
        marks = {summary_import.READY: "导入", summary_import.CONFIRM: "待确认", summary_import.REFUSED: "跳过"}
        for row in rows:
            metric = f"{row.metric.name}（{row.confidence:.2f}）" if row.metric else "—"
            atype = row.activity_type.name if row.activity_type else "—"
            level = f"[{row.outlet_level_name}]" if row.outlet_level else ""
            note = "；".join(n for n in (row.doubt, row.problem) if n)
            note = f"（{note}）" if note else ""
            self.stdout.write(f"{marks[row.status]}\t{row.text}\t{metric}{level}\t{atype}\t{row.subject or '—'}{note}"
                              f"\t原句：{row.sentence}")
        ready = sum(r.status == summary_import.READY for r in rows)
        unsure = sum(r.status == summary_import.CONFIRM for r in rows)
        if options["dry_run"]:
            self.stdout.write(f"共 {len(rows)} 个数据，可导入 {ready} 个，待确认 {unsure} 个（未写入）")
            return
        records = summary_import.import_summary(acting_user=user_by_name(options["user"]), unit=unit, period=period,
                                         text=text, min_confidence=options["min_confidence"],
                                         source_name=Path(options["file"]).name)
        ids = ", ".join(str(r.pk) for r in records)
        self.stdout.write(f"已写入台账记录草稿 {len(records)} 条（{ids}），请在台账中补全、报送后审核。")
        if unsure:
            self.stdout.write(f"另有 {unsure} 个数据没有把握或为约数，未写入；请在网页“总结数据提取”中逐个确认。")
