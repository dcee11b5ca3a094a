"""`taizhang slots FILE [--json]`: where a template's figures go, with the metric each maps to."""

from __future__ import annotations

import json
from typing import Any

from django.core.management.base import CommandParser

from taizhang.core.management.base import TaizhangCommand
from taizhang.reports.cli import read_input
from taizhang.reports.metrics import metric_aliases
from taizhang.reports.slots import find_slots, to_json

KIND_LABELS = {"equals": "等号", "x": "X", "star": "星号", "blank": "空白", "literal": "原数", "year": "年份/日期"}


class Command(TaizhangCommand):
    help = "找出模板（txt 或 docx）中每个数据占位（X、*、xx、==、空白、原有数字、年份），给出量词、所计事项和对应指标。"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", help="模板文件（.txt 或 .docx）")
        parser.add_argument("--json", action="store_true", help="输出 JSON：{\"slots\": [...]}")

    def handle(self, *args: Any, **options: Any) -> None:
        text = read_input(options["file"])
        aliases = metric_aliases()
        slots = find_slots(text, aliases)
        if options["json"]:
            self.stdout.write(json.dumps(to_json(slots), ensure_ascii=False, indent=2))
            return
        names = {k: v["name"] for k, v in aliases.items()}
        for i, slot in enumerate(slots):
            metric = "—"
            if slot.metric:
                metric = f"{names.get(slot.metric, slot.metric)}（{slot.metric}，把握 {slot.confidence:.2f}）"
            where = " › ".join(slot.section) or "—"
            self.stdout.write(f"{i}\t{KIND_LABELS.get(slot.kind, slot.kind)}\t{slot.text or '（空）'}{slot.unit}\t"
                              f"{slot.subject or '—'}\t{metric}\t{where}")
        mapped = sum(1 for s in slots if s.metric)
        self.stdout.write(f"共 {len(slots)} 处，其中 {mapped} 处对应到指标")
