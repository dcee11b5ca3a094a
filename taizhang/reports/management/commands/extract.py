"""`taizhang extract FILE [--json]`: the figures of a work summary."""

from __future__ import annotations

import json
from typing import Any

from django.core.management.base import CommandParser

from taizhang.core.management.base import TaizhangCommand
from taizhang.reports.cli import read_input
from taizhang.reports.extract import extract, find_ranks, to_json
from taizhang.reports.metrics import metric_aliases


class Command(TaizhangCommand):
    help = "读出工作总结（txt 或 docx）中的数据：数值、量词、限定词（近、余、约……）、所计事项、所在章节和对应指标。"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", help="工作总结文件（.txt 或 .docx）")
        parser.add_argument("--json", action="store_true", help="输出 JSON：{\"figures\": [...]}")

    def handle(self, *args: Any, **options: Any) -> None:
        text = read_input(options["file"])
        aliases = metric_aliases()
        figures = extract(text, aliases)
        if options["json"]:
            self.stdout.write(json.dumps(to_json(figures), ensure_ascii=False, indent=2))
            return
        for f in figures:
            value = f"{f.value.normalize():f}"
            qualifier = "、".join(f.qualifier) or "—"
            metric = f"{f.metric}（{f.confidence:.2f}）" if f.metric else "—"
            self.stdout.write(f"{f.text}\t{value}\t{f.unit or '—'}\t{qualifier}\t{f.subject or '—'}\t{metric}\t"
                              f"{' › '.join(f.section) or '—'}")
        ranks = find_ranks(text)
        self.stdout.write(f"共 {len(figures)} 个数据，{sum(1 for f in figures if f.metric)} 个对应到指标；"
                          f"排名表述 {len(ranks)} 处")
