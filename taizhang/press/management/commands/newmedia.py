"""`taizhang newmedia <subcommand>`: government new-media accounts from the command line.

    taizhang newmedia check --date YYYY-MM-DD [--json]     every running account: last post, days since, flag
    taizhang newmedia import FILE [--user NAME]            statistics (xlsx or csv), all rows or none
    taizhang newmedia bulletin --period SPEC --out FILE.docx [--unit CODE]   the new-media bulletin (通报)
"""

from __future__ import annotations

import datetime
import json
from pathlib import Path
from typing import Any

from django.contrib.auth import get_user_model
from django.core.management.base import CommandError, CommandParser
from django.utils import timezone

from taizhang.core.management.base import TaizhangCommand


class Command(TaizhangCommand):
    help = "政务新媒体：更新情况检查、账号统计导入、检查情况通报"

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="subcommand", metavar="子命令", required=True)
        p = sub.add_parser("check", help="列出运行中账号的最近更新日期、距今天数和预警（ok / warning / dormant）")
        p.add_argument("--date", help="检查日期 YYYY-MM-DD（默认今天）")
        p.add_argument("--json", action="store_true", help="输出 JSON")
        p = sub.add_parser("import", help="导入账号统计（xlsx 或 csv；全部校验通过才写入）")
        p.add_argument("file", metavar="FILE")
        p.add_argument("--user", help="以该用户身份导入（只能导入其有权限的账号）；不填为系统导入")
        p = sub.add_parser("bulletin", help="生成政务新媒体检查情况通报（公文格式 docx）")
        p.add_argument("--period", required=True, help="时间段，如 2026Q3")
        p.add_argument("--out", required=True, help="输出 .docx 文件")
        p.add_argument("--unit", help="发文单位代码（默认根单位）")

    def handle(self, *args: Any, **options: Any) -> None:
        getattr(self, f"_{options['subcommand']}")(options)

    def _check(self, options: dict[str, Any]) -> None:
        from taizhang.press.actions import dormancy

        raw = options.get("date")
        try:
            day = datetime.date.fromisoformat(raw) if raw else timezone.localdate()
        except ValueError as exc:
            raise CommandError(f"日期格式应为 YYYY-MM-DD：{raw}") from exc
        rows = dormancy(day)
        if options["json"]:
            self.stdout.write(json.dumps({"date": day.isoformat(), "accounts": [
                {"id": r["account"].pk, "platform": r["account"].platform, "name": r["account"].name,
                 "unit": r["account"].unit.code, "last_post": r["last_post"].isoformat() if r["last_post"] else None,
                 "days": r["days"], "flag": r["flag"]} for r in rows]}, ensure_ascii=False))
            return
        for r in rows:
            last = r["last_post"].isoformat() if r["last_post"] else "-"
            days = "-" if r["days"] is None else str(r["days"])
            self.stdout.write(f"{r['account'].pk}\t{r['account'].platform}\t{r['account'].name}\t"
                              f"{r['account'].unit.code}\t{last}\t{days}\t{r['flag']}")

    def _import(self, options: dict[str, Any]) -> None:
        from taizhang.org.roles import Cap
        from taizhang.press.imports import import_stats
        from taizhang.press.models import NewMediaAccount

        path = Path(options["file"])
        if not path.is_file():
            raise CommandError(f"找不到文件：{path.name}")
        user = None
        accounts = NewMediaAccount.objects.exclude(state=NewMediaAccount.State.CLOSED)
        if options.get("user"):
            user = get_user_model().objects.filter(username=options["user"], is_active=True).first()
            if user is None:
                raise CommandError(f"用户不存在或已停用：{options['user']}")
            accounts = accounts.visible_to(user, Cap.EDIT_RECORDS) | accounts.visible_to(user, Cap.MANAGE_WORK)
        result = import_stats(path.read_bytes(), path.name, acting_user=user, accounts=accounts)
        self.stdout.write(f"导入成功：新增 {result.created} 条，更新 {result.updated} 条")

    def _bulletin(self, options: dict[str, Any]) -> None:
        from taizhang.core.periods import parse_period
        from taizhang.org.models import Unit
        from taizhang.press.bulletin import newmedia_bulletin
        from taizhang.reports.docwriter import write_docx

        period = parse_period(options["period"])
        code = options.get("unit")
        owner = Unit.objects.filter(code=code).first() if code else Unit.objects.filter(parent=None).first()
        if owner is None:
            raise CommandError(f"未知单位代码：{code}" if code else "还没有单位")
        doc = newmedia_bulletin(owner, period, issued_on=timezone.localdate())
        write_docx(doc, options["out"], appendix=True)
        self.stdout.write(f"已生成：{options['out']}（{sum(1 for _ in doc.figures())} 个数字均附来源）")
