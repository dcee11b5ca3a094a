"""`taizhang export [--period SPEC] [--unit CODE] [--line KEY] [--type KEY] [--status S] [--source S] [--q TEXT]
[--metric KEY [--level LEVEL]] --out FILE.xlsx`."""

from __future__ import annotations

from typing import Any

from django.core.management.base import CommandParser
from django.db.models import QuerySet

from taizhang.core import audit
from taizhang.core.management.base import TaizhangCommand
from taizhang.ledger.excel.cli import user_by_name, write_atomically
from taizhang.ledger.excel.exporter import export_records
from taizhang.ledger.excel.filters import clean_params, filter_records
from taizhang.ledger.models import Record
from taizhang.org.roles import Cap


class Command(TaizhangCommand):
    help = "把台账记录导出为 Excel（.xlsx）。筛选条件与记录列表相同；以 = + - @ 开头的文本会加单引号，防止被当作公式。"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--period", help="时间段：2024、2024H1、2024Q1-Q3、2024Q2、2024-05 或 a..b")
        parser.add_argument("--unit", help="单位代码（含下级单位）")
        parser.add_argument("--line", help="工作线标识")
        parser.add_argument("--type", dest="type", help="活动类型标识")
        parser.add_argument("--status", help="状态：draft、submitted、approved、returned、superseded，可用逗号分隔多个")
        parser.add_argument("--source", help="来源：manual、import、api、monitoring、summary、demo，可用逗号分隔多个")
        parser.add_argument("--q", help="标题、简介、地点或稿件标题中包含的文字")
        parser.add_argument("--ids", help="记录编号，逗号分隔")
        parser.add_argument("--batch", help="导入批次编号：导出该批次导入的记录")
        parser.add_argument("--metric", help="指标标识（须同时指定 --period）：导出构成该数字的记录，与数据看板一致")
        parser.add_argument("--level", help="媒体级别（与 --metric 同用）：national、provincial、municipal、"
                                            "district，或 none（未分级）")
        parser.add_argument("--user", help="按该用户的查看范围导出；默认为全部单位")
        parser.add_argument("--out", required=True, help="输出文件路径（.xlsx）")

    def handle(self, *args: Any, **options: Any) -> None:
        user = user_by_name(options["user"])
        qs: QuerySet[Record] = Record.objects.visible_to(user, Cap.VIEW) if user is not None else Record.objects.all()
        params = {k: options[k] for k in ("period", "unit", "line", "type", "status", "source", "q", "ids", "batch",
                                          "metric", "level") if options.get(k)}
        qs = filter_records(qs, params)
        count = qs.count()
        target = write_atomically(options["out"], export_records(qs))
        audit.record("export", None, user=user, object_type="ledger.record", object_repr=f"导出台账记录 {count} 条",
                     after={"count": count, "filters": clean_params(params)}, message=f"导出 {count} 条记录")
        self.stdout.write(f"已导出 {count} 条记录：{target}")
