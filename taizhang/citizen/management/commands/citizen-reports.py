# ruff: noqa: N999 - the module name is the command name: `taizhang citizen-reports`
"""`taizhang citizen-reports import FILE` and `taizhang citizen-reports export --period SPEC --out FILE.xlsx
[--with-contact --user NAME]`."""

from __future__ import annotations

import os
from typing import Any

from django.core.management.base import CommandError, CommandParser

from taizhang.core.errors import InvalidInput
from taizhang.core.management.base import TaizhangCommand
from taizhang.core.periods import parse_period
from taizhang.ledger.excel.cli import user_by_name, write_atomically


class Command(TaizhangCommand):
    help = "随手拍报告的导入（xlsx/CSV，全部校验通过才写入）与导出（xlsx，默认不含个人信息）。"

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        imp = sub.add_parser("import", help="从其他平台导入报告（xlsx 或 CSV）")
        imp.add_argument("file")
        imp.add_argument("--user", help="以该用户身份导入（记入审计）")
        exp = sub.add_parser("export", help="导出期间内的报告（xlsx）")
        exp.add_argument("--period", required=True, help="期间，如 2024-05、2024Q2、2024")
        exp.add_argument("--out", required=True, help="输出文件（.xlsx）")
        exp.add_argument("--with-contact", action="store_true",
                         help="包含群众联系电话（须 --user 有受理权限，记入审计）")
        exp.add_argument("--user", help="执行导出的用户")

    def handle(self, *args: Any, **options: Any) -> None:
        from taizhang.citizen.exchange import export_reports, import_reports

        user = user_by_name(options.get("user"))
        if options["action"] == "import":
            path = options["file"]
            if not os.path.isfile(path):
                raise InvalidInput(f"文件不存在：{path}")
            if os.path.getsize(path) > 50 * 1024 * 1024:
                raise InvalidInput("文件过大：最大 50 MB")
            with open(path, "rb") as handle:
                data = handle.read()
            created, errors = import_reports(data, filename=os.path.basename(path), acting_user=user)
            if errors:
                for error in errors[:200]:
                    self.stderr.write(str(error))
                raise CommandError(f"导入失败：共 {len(errors)} 处错误，未写入任何报告。")
            self.stdout.write(f"已导入 {created} 份报告。")
            return
        try:
            period = parse_period(options["period"])
        except ValueError as exc:
            raise InvalidInput(f"期间格式不正确：{options['period']}") from exc
        if options["with_contact"] and user is None:
            raise InvalidInput("导出联系方式须指定有受理权限的用户（--user）")
        data = export_reports(period, acting_user=user, with_contact=options["with_contact"])
        target = write_atomically(options["out"], data)
        self.stdout.write(f"已导出到 {target.name}")
