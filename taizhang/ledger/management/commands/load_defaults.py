from __future__ import annotations

from typing import Any

from taizhang.core.management.base import TaizhangCommand
from taizhang.ledger.taxonomy import load_defaults


class Command(TaizhangCommand):
    help = "载入内置的指标体系（工作线、活动类型、指标）和媒体名录；已存在的条目保持不变。"

    def handle(self, *args: Any, **options: Any) -> None:
        counts = load_defaults()
        self.stdout.write(
            f"新增工作线 {counts['lines']} 个、指标 {counts['metrics']} 个、活动类型 {counts['activity_types']} 个、"
            f"媒体 {counts['outlets']} 家"
        )
