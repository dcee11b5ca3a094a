"""`taizhang assess`: score a scheme for a period (and optionally store or publish the run), or list the schemes."""

from __future__ import annotations

import json
from typing import Any

from django.core.management.base import CommandError, CommandParser

from taizhang.core.management.base import TaizhangCommand
from taizhang.core.periods import Period, parse_period
from taizhang.targets import actions, scoring
from taizhang.targets.models import AssessmentRun, Scheme


def _num(value: Any) -> int | float:
    return int(value) if value == value.to_integral_value() else float(value)


def computed_payload(scheme: Scheme, period: Period, result: scoring.Assessment, unit: str | None) -> dict[str, Any]:
    rows = result.ordered()
    return {
        "scheme": scheme.key, "scheme_version": result.version.number, "period": period.spec,
        "period_label": period.label, "start": period.start.isoformat(), "end": period.end.isoformat(),
        "status": "computed", "tie_rule": result.tie_rule, "tie_keys": result.tie_keys,
        "results": [{
            "unit": u.unit.code, "name": u.unit.name, "group": u.group.key, "score": _num(u.score), "rank": u.rank,
            "tied": u.tied, "tie_broken_by": u.tie_broken_by,
            "items": [{"item": i.key, "name": i.name, "points": _num(i.points), "records": i.records,
                       **({"adjustments": i.adjustments} if i.adjustments else {})} for i in u.items],
        } for u in rows if unit is None or u.unit.code == unit],
    }


def run_payload(run: AssessmentRun, unit: str | None) -> dict[str, Any]:
    results = run.results.select_related("unit").prefetch_related("items").order_by("group_index", "position")
    return {
        "scheme": run.scheme.key, "scheme_version": run.scheme_version.number, "period": run.period_spec,
        "period_label": run.period_label, "start": run.period_start.isoformat(), "end": run.period_end.isoformat(),
        "status": run.status, "run": run.pk, "run_version": run.number, "tie_rule": run.tie_rule,
        "tie_keys": run.tie_keys,
        "results": [{
            "unit": r.unit.code, "name": r.unit.name, "group": r.group_key, "score": _num(r.score), "rank": r.rank,
            "tied": r.tied, "tie_broken_by": r.tie_broken_by,
            "items": [{"item": i.item_key, "name": i.item_name, "points": _num(i.points), "records": i.records,
                       **({"adjustments": i.adjustments} if i.adjustments else {})} for i in r.items.all()],
        } for r in results if unit is None or r.unit.code == unit],
    }


class Command(TaizhangCommand):
    help = ("按考核方案计算各单位得分和名次（只统计已审核通过的台账记录）。默认只计算并输出；--save 保存为草稿，"
            "--publish 保存并发布（发布后结果锁定）；--published 输出已发布的结果；--list 列出全部方案。")

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--list", action="store_true", help="列出考核方案：每行一个，标识在前，名称在后")
        parser.add_argument("--scheme", help="方案标识，见 taizhang assess --list")
        parser.add_argument("--period", help="考核期：2024-10（月度）、2024Q3（季度）、2024（年度）或 a..b")
        parser.add_argument("--unit", help="只输出该单位（名次仍在全部参评单位中计算）")
        parser.add_argument("--json", action="store_true", help="输出 JSON")
        parser.add_argument("--save", action="store_true", help="保存为考核草稿")
        parser.add_argument("--publish", action="store_true", help="保存并发布")
        parser.add_argument("--published", action="store_true", help="输出该期已发布（锁定）的结果，不重新计算")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["list"]:
            for scheme in Scheme.objects.order_by("key"):
                state = "" if scheme.is_active else "\t（已停用）"
                self.stdout.write(f"{scheme.key}\t{scheme.name}{state}")
            return
        if not options["scheme"] or not options["period"]:
            raise CommandError("请指定 --scheme 和 --period（或使用 --list 查看方案）")
        found = Scheme.objects.filter(key=options["scheme"]).first()
        if found is None:
            raise CommandError(f"未知的考核方案“{options['scheme']}”。可用 taizhang assess --list 查看。")
        scheme = found
        period = parse_period(options["period"])
        unit = options["unit"]
        if unit and not scheme.runs.exists() and not scheme.current.items.exists():
            raise CommandError("该方案还没有评分项")
        if options["published"]:
            run = scheme.runs.filter(period_spec=period.spec, status=AssessmentRun.Status.PUBLISHED).first()
            if run is None:
                raise CommandError(f"{period.label}还没有已发布的“{scheme.name}”考核结果")
            payload = run_payload(run, unit)
        elif options["save"] or options["publish"]:
            run = actions.run_assessment(acting_user=None, scheme=scheme, period=period, publish=options["publish"])
            payload = run_payload(run, unit)
        else:
            payload = computed_payload(scheme, period, scoring.assess(scheme.current, period), unit)
        if unit and not payload["results"]:
            raise CommandError(f"单位“{unit}”不是该方案的参评单位")
        if options["json"]:
            self.stdout.write(json.dumps(payload, ensure_ascii=False))
            return
        state = {"computed": "计算结果（未保存）", "draft": "草稿", "published": "已发布",
                 "superseded": "已被取代"}[payload["status"]]
        self.stdout.write(f"{scheme.name}（第{payload['scheme_version']}版）\t{period.label}\t{state}")
        group = None
        for r in payload["results"]:
            if r["group"] != group:
                group = r["group"]
                self.stdout.write(f"[{group}]")
            tie = "（并列）" if r["tied"] else ""
            items = "  ".join(f"{i['name']} {i['points']}" for i in r["items"])
            self.stdout.write(f"  {r['rank']:>3}{tie}\t{r['name']}\t{r['score']}分\t{items}")
