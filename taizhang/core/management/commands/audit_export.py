from __future__ import annotations

import csv
from pathlib import Path
from typing import Any

from django.core.management.base import CommandParser
from django.http import QueryDict
from django.test import RequestFactory

from taizhang.core import audit
from taizhang.core.management.base import TaizhangCommand


class Command(TaizhangCommand):
    help = "把审计日志导出为 CSV（UTF-8，带 BOM，Excel 可直接打开），筛选条件与审计日志页面相同。"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--out", required=True, help="输出文件 .csv")
        for name in ("start", "end", "user", "action", "object_type", "success", "address", "q"):
            parser.add_argument(f"--{name.replace('_', '-')}", dest=name, default="")

    def handle(self, *args: Any, **options: Any) -> None:
        from taizhang.core.views_audit import COLUMNS, _rows, filtered

        query = QueryDict(mutable=True)
        for name in ("start", "end", "user", "action", "object_type", "success", "address", "q"):
            if options[name]:
                query[name] = options[name]
        request = RequestFactory().get("/audit/", data=query)
        result = filtered(request)
        if result.form.is_bound and not result.form.is_valid():
            errors = "；".join(f"{k}: {', '.join(str(m) for m in v)}" for k, v in result.form.errors.items())
            from django.core.management.base import CommandError

            raise CommandError(f"筛选条件有误：{errors}")
        path = Path(options["out"])
        count = 0
        with path.open("w", encoding="utf-8-sig", newline="") as f:
            writer = csv.writer(f)
            writer.writerow([c for c, _ in COLUMNS])
            for row in _rows(result.queryset):
                writer.writerow(row)
                count += 1
        audit.record("export", None, user=None, object_type="core.auditentry", object_repr="审计日志",
                     message=f"命令行导出审计日志 {count} 条到 {path}",
                     after={"filters": result.description, "rows": count})
        self.stdout.write(f"已导出 {count} 条审计日志到 {path}")
