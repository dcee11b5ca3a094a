"""`taizhang targets`: targets, actuals (from the ledger's figures function) and completion for a period."""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Any

from django.core.management.base import CommandError, CommandParser
from django.utils import timezone

from taizhang.core.management.base import TaizhangCommand
from taizhang.core.periods import Period, parse_period
from taizhang.org.models import Unit
from taizhang.targets import progress
from taizhang.targets.models import Allocation, Target


def _num(value: Decimal | None) -> int | float | None:
    if value is None:
        return None
    return int(value) if value == value.to_integral_value() else float(value)


def row(target: Target, unit: Unit, value: Decimal, period: Period) -> dict[str, Any]:
    act = progress.actual(target, period, unit)
    planned = value * progress.plan_fraction(target, period.start, period.end)
    return {
        "unit": unit.code, "unit_name": unit.name, "target_value": _num(value),
        "planned": _num(planned.quantize(Decimal("0.01"))), "actual": _num(act.value),
        "completion": _num(progress.percent(act.value, value)),
        "period_completion": _num(progress.percent(act.value, planned)) if planned else None,
        "expected": _num(progress.expected_percent(target, min(period.end, timezone.localdate()))),
        "records": act.records,
    }


class Command(TaizhangCommand):
    help = ("输出目标任务、实际完成数（来自已审核通过的台账记录）和完成率。completion 为占年度目标的百分比，"
            "period_completion 为占该时间段计划数的百分比，expected 为截至时间段末（尚未结束时截至今天）的序时进度。")

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--period", required=True, help="时间段：2024、2024H1、2024Q3、2024-10 或 a..b")
        parser.add_argument("--unit", help="单位代码：只输出分解到该单位的目标")
        parser.add_argument("--json", action="store_true", help="输出 JSON")

    def handle(self, *args: Any, **options: Any) -> None:
        period = parse_period(options["period"])
        year = period.start.year
        clipped = Period(period.start, min(period.end, period.start.replace(month=12, day=31)), period.spec,
                         period.kind)
        unit = None
        if options["unit"]:
            unit = Unit.objects.filter(code=options["unit"]).first()
            if unit is None:
                raise CommandError(f"未知单位代码“{options['unit']}”")
        out = []
        for target in Target.objects.filter(year=year).select_related("metric", "owner", "activity_type"):
            entry: dict[str, Any] = {"target": target.key, "name": target.name, "metric": target.metric.key,
                                     "measure_word": target.measure_word, "year": year}
            if unit is None:
                entry.update(row(target, target.owner, target.value, clipped))
                entry["allocations"] = [row(target, a.unit, a.value, clipped)
                                        for a in target.allocations.select_related("unit")]
            elif unit.pk == target.owner_id:
                entry.update(row(target, unit, target.value, clipped))
            else:
                alloc = Allocation.objects.filter(target=target, unit=unit).first()
                if alloc is None:
                    continue
                entry.update(row(target, unit, alloc.value, clipped))
            out.append(entry)
        if options["json"]:
            self.stdout.write(json.dumps({"period": period.spec, "start": clipped.start.isoformat(),
                                          "end": clipped.end.isoformat(), "unit": unit.code if unit else None,
                                          "targets": out}, ensure_ascii=False))
            return
        self.stdout.write(f"{period.label}目标任务完成情况" + (f"（{unit.name}）" if unit else ""))
        for e in out:
            comp = f"{e['completion']}%" if e["completion"] is not None else "—"
            self.stdout.write(f"{e['name']}（{e['target']}）\t{e['unit_name']}\t"
                              f"目标 {e['target_value']}{e['measure_word']}\t完成 {e['actual']}{e['measure_word']}\t"
                              f"完成率 {comp}\t序时进度 {e['expected']}%")
            for a in e.get("allocations", []):
                comp = f"{a['completion']}%" if a["completion"] is not None else "—"
                self.stdout.write(f"  {a['unit_name']}\t目标 {a['target_value']}\t完成 {a['actual']}\t完成率 {comp}")
