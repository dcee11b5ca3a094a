"""`taizhang volunteers`: hours figures, import from xlsx, export for the national system.

    taizhang volunteers hours --period SPEC [--unit CODE] [--by unit|month|team] [--json]
    taizhang volunteers import FILE [--user NAME]
    taizhang volunteers export --out FILE [--unit CODE] [--with-personal --user NAME]
"""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Any

from django.contrib.auth import get_user_model
from django.core.management.base import CommandError, CommandParser

from taizhang.core.errors import InvalidInput
from taizhang.core.management.base import TaizhangCommand
from taizhang.core.periods import parse_period
from taizhang.ledger import figures
from taizhang.org.models import Unit
from taizhang.volunteers import exchange
from taizhang.volunteers.models import Team

METRICS = ("volunteer_hours", "volunteers_active", "volunteer_activities")


def _num(value: Decimal) -> int | float:
    return int(value) if value == value.to_integral_value() else float(value)


class Command(TaizhangCommand):
    help = "志愿服务：时长统计、从 Excel 导入志愿者和时长、导出上报全国志愿服务信息系统的数据。"

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        h = sub.add_parser("hours", help="服务时长、服务人数和活动场次，含分组和每个数据背后的记录编号")
        h.add_argument("--period", required=True, help="时间段：2024、2024H1、2024Q3、2024-10 或 a..b")
        h.add_argument("--unit", help="单位代码（默认全区）")
        h.add_argument("--by", choices=["unit", "month", "team"], help="按下级单位、月份或队伍分组")
        h.add_argument("--json", action="store_true", help="输出 JSON")
        i = sub.add_parser("import", help="从 .xlsx 导入志愿者和服务时长（全部正确才导入）")
        i.add_argument("file")
        i.add_argument("--user", help="以该用户的身份和权限导入（记入审计）")
        e = sub.add_parser("export", help="导出志愿者和服务时长（默认脱敏）")
        e.add_argument("--out", required=True, help="输出的 .xlsx 文件")
        e.add_argument("--unit", help="单位代码")
        e.add_argument("--with-personal", action="store_true", help="导出完整个人信息（须 --user，记入审计）")
        e.add_argument("--user", help="操作用户")

    def _user(self, name: str | None) -> Any:
        if not name:
            return None
        user = get_user_model().objects.filter(username=name, is_active=True).first()
        if user is None:
            raise CommandError(f"未知用户“{name}”")
        return user

    def _unit(self, code: str | None) -> Unit | None:
        if not code:
            return None
        unit = Unit.objects.filter(code=code).first()
        if unit is None:
            raise CommandError(f"未知单位代码“{code}”")
        return unit

    def handle(self, *args: Any, **options: Any) -> None:
        getattr(self, f"do_{options['action']}")(options)

    def do_hours(self, options: dict[str, Any]) -> None:
        period = parse_period(options["period"])
        unit = self._unit(options.get("unit"))
        by = options.get("by")
        out: dict[str, Any] = {"period": period.spec, "period_label": period.label,
                               "unit": unit.code if unit else None, "by": by, "figures": {}}
        for metric in METRICS:
            if by == "team":
                result = figures.compute(metric, period=period, unit=unit)
                breakdown = []
                teams = Team.objects.filter(is_active=True).order_by("unit__path", "name")
                if unit is not None:
                    teams = teams.filter(unit__path__startswith=unit.path)
                for team in teams:
                    part = figures.compute(metric, period=period, unit=unit, filters={"team": team.pk})
                    if part.value:
                        breakdown.append({"key": str(team.pk), "label": team.name, "value": _num(part.value),
                                          "ids": part.records})
            else:
                result = figures.compute(metric, period=period, unit=unit, by=by)
                breakdown = [{"key": r.key, "label": r.label, "value": _num(r.value), "ids": r.records}
                             for r in result.breakdown]
            out["figures"][metric] = {"name": result.metric.name, "value": _num(result.value),
                                      "measure_word": result.metric.measure_word, "ids": result.records,
                                      "source": result.provider, "breakdown": breakdown}
        if options["json"]:
            self.stdout.write(json.dumps(out, ensure_ascii=False, indent=1))
            return
        self.stdout.write(f"{period.label}（{unit.name if unit else '全区'}）")
        for f in out["figures"].values():
            self.stdout.write(f"  {f['name']}：{f['value']}{f['measure_word']}（{len(f['ids'])}条记录）")
            for row in f["breakdown"]:
                self.stdout.write(f"    {row['label']}：{row['value']}{f['measure_word']}")

    def do_import(self, options: dict[str, Any]) -> None:
        user = self._user(options.get("user"))
        try:
            with open(options["file"], "rb") as fh:
                result = exchange.import_xlsx(fh, acting_user=user)
        except FileNotFoundError as exc:
            raise CommandError(f"找不到文件：{options['file']}") from exc
        except InvalidInput as exc:
            for line in exc.errors.get("file", []):
                self.stderr.write(line)
            raise
        self.stdout.write(f"已导入志愿者{result.volunteers}名、服务时长{result.hours}条。")

    def do_export(self, options: dict[str, Any]) -> None:
        user = self._user(options.get("user"))
        if options["with_personal"] and user is None:
            raise CommandError("导出完整个人信息须用 --user 指明有权限的操作用户。")
        with open(options["out"], "wb") as fh:
            n = exchange.export_xlsx(fh, acting_user=user, with_personal=options["with_personal"],
                                     unit=self._unit(options.get("unit")))
        self.stdout.write(f"已导出志愿者{n}名" + ("（含完整个人信息，已记入审计）" if options["with_personal"] else
                                              "（个人信息已脱敏）") + "。")
