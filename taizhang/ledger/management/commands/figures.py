from __future__ import annotations

import json
from typing import Any

from django.core.management.base import CommandParser

from taizhang.core.management.base import TaizhangCommand
from taizhang.core.periods import parse_period
from taizhang.ledger.figures import compute


class Command(TaizhangCommand):
    help = "计算指标数值（仅统计已审核通过的记录），并给出其来源记录。"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--metric", required=True, help="指标标识，见 taizhang metrics")
        parser.add_argument("--unit", help="单位代码（含下级单位），默认为全部")
        parser.add_argument("--period", default=None, help="时间段：2024、2024H1、2024Q1-Q3、2024Q2、2024-05 或 a..b")
        parser.add_argument("--by", choices=["unit", "month", "level"], help="分组：按下级单位、按月或按媒体级别")
        parser.add_argument("--json", action="store_true", help="输出 JSON")

    def handle(self, *args: Any, **options: Any) -> None:
        from django.utils import timezone

        period = parse_period(options["period"] or str(timezone.localdate().year))
        result = compute(options["metric"], unit=options["unit"], period=period, by=options["by"])
        if options["json"]:
            self.stdout.write(json.dumps(result.to_dict(), ensure_ascii=False))
            return
        scope = result.unit.name if result.unit else "全部单位"
        self.stdout.write(
            f"{result.metric.name}\t{scope}\t{period.label}\t{result.text}\t来源记录 {len(result.records)} 条"
        )
        for row in result.breakdown:
            self.stdout.write(
                f"  {row.label}\t{row.value.normalize():f}{result.metric.measure_word}\t{len(row.records)} 条"
            )
