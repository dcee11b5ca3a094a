"""`taizhang excel_template --type KEY --out FILE.xlsx [--user USERNAME]`."""

from __future__ import annotations

from typing import Any

from django.core.management.base import CommandParser

from taizhang.core.errors import InvalidInput
from taizhang.core.management.base import TaizhangCommand
from taizhang.ledger.excel.cli import type_by_key, user_by_name, write_atomically
from taizhang.ledger.excel.templates import build_template


class Command(TaizhangCommand):
    help = "生成某一活动类型的 Excel 导入模板（中文表头、示例行、下拉选项和填写说明）。"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--type", dest="type_key", required=True, help="活动类型标识")
        parser.add_argument("--out", required=True, help="输出文件路径（.xlsx）")
        parser.add_argument("--user", help="单位下拉列表只列该用户可填报的单位；默认为全部单位")

    def handle(self, *args: Any, **options: Any) -> None:
        atype = type_by_key(options["type_key"])
        if atype is None or not atype.is_active:
            raise InvalidInput(f"活动类型“{options['type_key']}”已停用")
        target = write_atomically(options["out"], build_template(atype, user=user_by_name(options["user"])))
        self.stdout.write(f"已生成“{atype.name}”导入模板：{target}")
