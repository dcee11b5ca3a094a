# ruff: noqa: N999 - the module name is the command name: `taizhang import`
"""`taizhang import FILE.xlsx [--unit CODE] [--submit] [--user USERNAME] [--type KEY]`."""

from __future__ import annotations

import os
from typing import Any

from django.core.management.base import CommandError, CommandParser

from taizhang.core.errors import InvalidInput
from taizhang.core.management.base import TaizhangCommand
from taizhang.ledger.excel.cli import type_by_key, unit_by_code, user_by_name
from taizhang.ledger.excel.importer import format_error, import_file
from taizhang.ledger.excel.safety import check_size


class Command(TaizhangCommand):
    help = (
        "从 Excel（.xlsx，使用导入模板）导入台账记录：先校验全部行，全部无误才写入，否则一条也不写入并按行列列出错误。"
        "同一文件重复导入不会产生重复记录。"
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", help="Excel 文件路径（.xlsx）")
        parser.add_argument("--unit", help="单位代码：单位代码留空的行记入此单位，文件中的单位须在其范围内")
        parser.add_argument("--submit", action="store_true", help="导入并报送（默认保存为草稿）")
        parser.add_argument("--user", help="以该用户身份导入（按其权限校验单位范围）；默认为系统")
        parser.add_argument("--type", dest="type_key", help="活动类型标识（文件不是系统模板时必填）")

    def handle(self, *args: Any, **options: Any) -> None:
        path = options["file"]
        if not os.path.isfile(path):
            raise InvalidInput(f"文件不存在：{path}")
        check_size(os.path.getsize(path))
        with open(path, "rb") as handle:
            data = handle.read()
        outcome = import_file(
            data, filename=os.path.basename(path), acting_user=user_by_name(options["user"]),
            unit=unit_by_code(options["unit"]), activity_type=type_by_key(options["type_key"]),
            submit=options["submit"],
        )
        if outcome.ok:
            self.stdout.write(f"{outcome.summary}（批次 #{outcome.batch.pk}）")
            return
        for error in outcome.errors:
            self.stderr.write(format_error(error))
        raise CommandError(f"导入失败：共 {outcome.error_count} 处错误，未写入任何记录（批次 #{outcome.batch.pk}）。")
