"""`taizhang fill TEMPLATE --unit CODE --period SPEC --out FILE.docx [--map N=KEY]`."""

from __future__ import annotations

from typing import Any

from django.core.management.base import CommandParser

from taizhang.core.management.base import TaizhangCommand
from taizhang.core.periods import parse_period
from taizhang.reports.cli import parse_mappings, read_input, unit_by_code
from taizhang.reports.fill import DEFAULT_MIN_CONFIDENCE, clean_template, fill_template
from taizhang.reports.metrics import metric_aliases
from taizhang.reports.output import write_outputs


class Command(TaizhangCommand):
    help = (
        "用台账数据填写模板（往年总结或带 X、*、xx、== 或空白的范文）：对应到指标的占位填入本期数据（带来源），"
        "其余标为【待核实：…】，不作任何猜测。占位序号见 taizhang slots（按清理后的文本）。"
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("template", help="模板文件（.txt 或 .docx）")
        parser.add_argument("--unit", required=True, help="单位代码")
        parser.add_argument("--period", required=True, help="时间段：2025、2025H1、2025Q1-Q3 ……")
        parser.add_argument("--out", required=True, help="输出 Word 文件（.docx）")
        parser.add_argument("--html", help="同时输出 HTML 预览")
        parser.add_argument("--text", help="同时输出填好的纯文本")
        parser.add_argument("--map", action="append", metavar="N=KEY",
                            help="指定第 N 处占位对应的指标（KEY 留空表示不填）；可多次使用")
        parser.add_argument("--min-confidence", type=float, default=DEFAULT_MIN_CONFIDENCE,
                            help=f"自动对应指标所需的最低把握（默认 {DEFAULT_MIN_CONFIDENCE}）")
        parser.add_argument("--title", help="文档标题（默认取模板第一行）")

    def handle(self, *args: Any, **options: Any) -> None:
        text = clean_template(read_input(options["template"]))
        unit = unit_by_code(options["unit"])
        period = parse_period(options["period"])
        result = fill_template(text, unit=unit, period=period, aliases=metric_aliases(),
                               mappings=parse_mappings(options["map"]), min_confidence=options["min_confidence"],
                               title=options["title"])
        written = write_outputs(result.document, docx=options["out"], html_path=options["html"])
        if options["text"]:
            with open(options["text"], "w", encoding="utf-8") as handle:
                handle.write(result.text)
        self.stdout.write(f"已填写 {result.filled} 处，待核实 {result.missing} 处，年份和日期 {result.dates} 处")
        for item in result.items:
            if item.get("status") == "missing":
                self.stdout.write(f"  待核实 #{item['index']}：{item['text'] or '（空）'} {item['subject'] or ''}")
        for path in written.paths:
            self.stdout.write(f"已写入 {path}")
