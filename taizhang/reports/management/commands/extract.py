"""`taizhang extract FILE [--json]`: the figures of a work summary."""

from __future__ import annotations

import json
from typing import Any

from django.core.management.base import CommandParser

from taizhang.core.management.base import TaizhangCommand
from taizhang.reports.cli import read_input
from taizhang.reports.extract import extract, find_ranks, to_json
from taizhang.reports.extract_rules import LEVEL_NAMES
from taizhang.reports.metrics import metric_aliases

ROLE_NAMES = {"requirement": "要求", "target": "目标", "first": "首次突破"}


class Command(TaizhangCommand):
    help = "读出工作总结（txt 或 docx）中的数据：数值、量词、限定词（近、余、约……）、所计事项、所在章节和对应指标。"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", help="工作总结文件（.txt 或 .docx）")
        parser.add_argument("--json", action="store_true", help="输出 JSON：{\"figures\": [...], \"ranks\": [...]}")

    def handle(self, *args: Any, **options: Any) -> None:
        text = read_input(options["file"])
        aliases = metric_aliases()
        figures = extract(text, aliases)
        ranks = find_ranks(text)
        if options["json"]:
            self.stdout.write(json.dumps(to_json(figures, ranks), ensure_ascii=False, indent=2))
            return
        for f in figures:
            value = f"{f.value.normalize():f}" + (f"–{f.value_max.normalize():f}" if f.value_max is not None else "")
            qualifier = "、".join(f.qualifier) or "—"
            sure = "" if f.sure else "，待确认"
            metric = f"{f.metric_name or f.metric}（{f.confidence:.2f}{sure}）" if f.metric else "—"
            notes = [LEVEL_NAMES[f.outlet_level] + "媒体"] if f.outlet_level else []
            notes += [{"increase": "增加量", "decrease": "减少量"}[f.change]] if f.change else []
            notes += [ROLE_NAMES[f.role]] if f.role in ROLE_NAMES else []
            notes += ["约数"] if f.approximate else []
            notes += [f"含于“{figures[f.part_of].text}”"] if f.part_of is not None else []
            self.stdout.write(f"{f.text}\t{value}\t{f.unit or '—'}\t{qualifier}\t{f.subject or '—'}\t{metric}\t"
                              f"{'、'.join(notes) or '—'}\t{' › '.join(f.section) or '—'}")
        self.stdout.write(f"共 {len(figures)} 个数据，{sum(1 for f in figures if f.metric)} 个对应到指标；"
                          f"排名表述 {len(ranks)} 处")
