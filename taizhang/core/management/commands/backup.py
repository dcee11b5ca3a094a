from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import CommandParser

from taizhang.core import audit, backup
from taizhang.core.management.base import TaizhangCommand


class Command(TaizhangCommand):
    help = "备份数据库和上传文件到一个新目录（含 SHA-256/SM3 校验值，可用 sha256sum -c SHA256SUMS 校验）。"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--out", required=True, help="备份目录（不存在或为空）")

    def handle(self, *args: Any, **options: Any) -> None:
        report = backup.backup(Path(options["out"]))
        m = report.manifest
        rows = sum(m["counts"].values())
        audit.record("backup", None, user=None, object_type="core.backup", object_repr=str(report.directory),
                     message=f"备份完成：{rows} 行数据、{len(m['media'])} 个上传文件",
                     after={"directory": str(report.directory), "files": m["files"]})
        self.stdout.write(f"已备份到 {report.directory}")
        self.stdout.write(f"  数据库：{m['engine']}，{len(m['counts'])} 张表共 {rows} 行")
        self.stdout.write(f"  上传文件：{len(m['media'])} 个")
        for name, d in m["files"].items():
            self.stdout.write(f"  {name}  SHA-256 {d['sha256']}")
