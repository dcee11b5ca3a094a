from __future__ import annotations

from typing import Any

from taizhang.core.management.base import TaizhangCommand
from taizhang.org.actions import tree


class Command(TaizhangCommand):
    help = "列出全部单位：每行一个，先单位代码后单位名称，按单位树顺序（根单位在前），无表头。"

    def handle(self, *args: Any, **options: Any) -> None:
        for unit in tree():
            self.stdout.write(f"{unit.code}\t{unit.name}")
