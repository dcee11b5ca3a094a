"""`taizhang summary --unit CODE --period SPEC --out FILE.docx [--html FILE.html] [--pdf FILE.pdf]`."""

from __future__ import annotations

import datetime
import time
from typing import Any

from django.core.management.base import CommandParser

from taizhang.core.errors import InvalidInput
from taizhang.core.management.base import TaizhangCommand
from taizhang.core.periods import parse_period
from taizhang.reports.cli import unit_by_code, user_by_name
from taizhang.reports.composer import ComposeOptions, compose
from taizhang.reports.output import write_outputs


class Command(TaizhangCommand):
    help = (
        "根据台账生成工作总结初稿（与网页上生成的初稿相同）：Word 文档按 GB/T 9704-2012 排版，"
        "每个数据都带有来源（指标、范围、期间、记录），可用 taizhang check-report 核对。"
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--unit", required=True, help="单位代码（含下级单位），如 WBL")
        parser.add_argument("--period", required=True, help="时间段：2025、2025H1、2025Q1-Q3、2025Q2、2025-05 或 a..b")
        parser.add_argument("--out", help="输出 Word 文件（.docx）")
        parser.add_argument("--html", help="同时输出 HTML 预览文件")
        parser.add_argument("--pdf", help="同时输出 PDF（需安装 LibreOffice；使用免费替代字体）")
        parser.add_argument("--sidecar", help="同时输出数据来源 JSON 文件")
        parser.add_argument("--appendix", action="store_true", help="在 Word 文档后附“附件 数据来源”表")
        parser.add_argument("--date", help="成文日期 YYYY-MM-DD（默认为时间段的最后一天）")
        parser.add_argument("--issuer", help="落款（默认为单位名称）")
        parser.add_argument("--no-comparisons", action="store_true", help="不写同比")
        parser.add_argument("--no-ranks", action="store_true", help="不写排名")
        parser.add_argument("--no-highlights", action="store_true", help="不写典型活动和重点稿件")
        parser.add_argument("--polish", action="store_true",
                            help="用本地润色模型（TAIZHANG_SUMMARY_POLISHER）润色文字；改动数字的段落一律退回")
        parser.add_argument("--save", action="store_true", help="同时保存为网页上可编辑的草稿")
        parser.add_argument("--user", help="以该用户身份保存草稿（默认为系统）")

    def handle(self, *args: Any, **options: Any) -> None:
        if not (options["out"] or options["html"] or options["pdf"] or options["save"]):
            raise InvalidInput("请至少指定一种输出：--out、--html、--pdf 或 --save")
        unit = unit_by_code(options["unit"])
        period = parse_period(options["period"])
        try:
            day = datetime.date.fromisoformat(options["date"]) if options["date"] else None
        except ValueError as exc:
            raise InvalidInput(f"日期格式应为 YYYY-MM-DD：{options['date']}") from exc
        compose_options = ComposeOptions(
            comparisons=not options["no_comparisons"], ranks=not options["no_ranks"],
            highlights=not options["no_highlights"], issuer=options["issuer"], date=day, polish=options["polish"],
        )
        started = time.perf_counter()
        result = compose(unit, period, options=compose_options)
        elapsed = time.perf_counter() - started
        doc = result.document
        written = write_outputs(doc, docx=options["out"], html_path=options["html"], pdf=options["pdf"],
                                sidecar=options["sidecar"], appendix=options["appendix"])
        figures = len(list(doc.figures()))
        accepted = sum(1 for c in result.candidates if c.accepted)
        self.stdout.write(f"{doc.title}")
        self.stdout.write(f"  工作线 {len(result.lines)} 条，数据 {figures} 个，存在的问题 {accepted} 条"
                          f"（另有候选 {len(result.candidates) - accepted} 条），生成用时 {elapsed:.2f} 秒")
        for note in result.notes:
            self.stdout.write(f"  {note}")
        for path in written.paths:
            self.stdout.write(f"  已写入 {path}")
        if options["pdf"]:
            if written.font_substitutions:
                subs = "；".join(f"{a} → {b}" for a, b in written.font_substitutions.items())
                self.stdout.write(f"  PDF 为预览：未安装公文字体，使用了替代字体（{subs}）")
            else:
                self.stdout.write("  PDF 使用了文档指定的字体")
        if options["save"]:
            from taizhang.reports import actions

            summary = actions.save_composed(acting_user=user_by_name(options["user"]), unit=unit, period=period,
                                            options=compose_options, doc=doc, candidates=result.candidates)
            self.stdout.write(f"  已保存为草稿 #{summary.pk}")
