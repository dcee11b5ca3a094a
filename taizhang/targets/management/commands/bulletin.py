"""`taizhang bulletin`: write the 通报 of a published assessment as an official .docx (with provenance)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import CommandError, CommandParser

from taizhang.core.management.base import TaizhangCommand
from taizhang.core.periods import parse_period
from taizhang.targets.models import AssessmentRun


class Command(TaizhangCommand):
    help = "生成已发布考核的通报（公文格式 .docx，每个数据带来源）；--save 同时保存到系统供各单位查看。"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--scheme", required=True, help="方案标识")
        parser.add_argument("--period", required=True, help="考核期，如 2024-10")
        parser.add_argument("--out", help="输出文件路径（.docx）")
        parser.add_argument("--save", action="store_true", help="保存到系统（考核通报）")

    def handle(self, *args: Any, **options: Any) -> None:
        from django.utils import timezone

        from taizhang.reports.docwriter import write_docx
        from taizhang.targets import actions
        from taizhang.targets.bulletin import build_document

        period = parse_period(options["period"])
        run = AssessmentRun.objects.filter(scheme__key=options["scheme"], period_spec=period.spec,
                                           status=AssessmentRun.Status.PUBLISHED).first()
        if run is None:
            raise CommandError(f"{period.label}没有已发布的“{options['scheme']}”考核结果")
        if not options["out"] and not options["save"]:
            raise CommandError("请指定 --out PATH 或 --save")
        if options["save"]:
            bulletin = actions.create_bulletin(acting_user=None, run=run)
            self.stdout.write(f"已保存通报：{bulletin.title}（#{bulletin.pk}）")
        if options["out"]:
            doc = build_document(run, issued_on=timezone.localdate())
            path = Path(options["out"])
            write_docx(doc, path, provenance=True, appendix=True)
            self.stdout.write(f"已写入 {path}（{sum(1 for _ in doc.figures())} 个数据带来源）")
