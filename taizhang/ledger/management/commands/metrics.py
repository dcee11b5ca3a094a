from __future__ import annotations

from typing import Any

from taizhang.core.management.base import TaizhangCommand
from taizhang.ledger.models import MetricDefinition


class Command(TaizhangCommand):
    help = "列出全部指标：每行一个，先指标标识后中文名称，再量词与所属工作线，无表头。"

    def handle(self, *args: Any, **options: Any) -> None:
        for m in MetricDefinition.objects.select_related("line").order_by("line__sort_order", "sort_order", "key"):
            self.stdout.write(f"{m.key}\t{m.name}\t{m.measure_word}\t{m.line.name}")
