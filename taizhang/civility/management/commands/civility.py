"""`taizhang civility`: the site register and the simulated score.

  taizhang civility sites [--type T] [--json]           one site per line: code, type, name, responsible unit
  taizhang civility score --period SPEC [--unit CODE] [--json]
"""

from __future__ import annotations

import json
from typing import Any

from django.core.management.base import CommandError, CommandParser

from taizhang.civility.models import Site, SiteType
from taizhang.civility.periods import parse_spec
from taizhang.civility.report import score_report
from taizhang.core.management.base import TaizhangCommand
from taizhang.org.models import Unit


class Command(TaizhangCommand):
    help = "文明创建：列出点位（sites），计算模拟测评得分（score）。"

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="sub", required=True)
        sites = sub.add_parser("sites", help="列出点位：编号、类型、名称、责任单位")
        sites.add_argument("--type", dest="site_type", choices=SiteType.values, help="点位类型")
        sites.add_argument("--json", action="store_true", help="每行输出一个 JSON 对象")
        score = sub.add_parser("score", help="模拟测评得分（含各项目得分、依据的测评和审核记录、问题数）")
        score.add_argument("--period", required=True, help="期间：2024、2024Q2、2024-05、2024-W19、a..b")
        score.add_argument("--unit", help="单位代码（默认全部）")
        score.add_argument("--framework", help="测评体系标识（默认该期间使用的体系）")
        score.add_argument("--json", action="store_true", help="输出 JSON")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["sub"] == "sites":
            self._sites(options)
        else:
            self._score(options)

    def _sites(self, options: dict[str, Any]) -> None:
        qs = Site.objects.select_related("unit").order_by("type", "code")
        if options.get("site_type"):
            qs = qs.filter(type=options["site_type"])
        for site in qs.iterator(chunk_size=2000):
            if options["json"]:
                self.stdout.write(json.dumps({"code": site.code, "type": site.type, "name": site.name,
                                              "unit": site.unit.code, "unit_name": site.unit.name},
                                             ensure_ascii=False))
            else:
                self.stdout.write(f"{site.code}\t{site.get_type_display()}\t{site.name}\t{site.unit.name}")

    def _score(self, options: dict[str, Any]) -> None:
        period = parse_spec(options["period"])
        unit = None
        if options.get("unit"):
            unit = Unit.objects.filter(code=options["unit"]).first()
            if unit is None:
                raise CommandError(f"未找到单位“{options['unit']}”")
        report = score_report(period, unit, framework_key=options.get("framework"))
        if options["json"]:
            self.stdout.write(json.dumps(report, ensure_ascii=False))
            return
        score = report["score"]
        self.stdout.write(f"{report['period_label']} {report['unit_name']} 模拟测评得分："
                          f"{'—' if score is None else score}")
        for p in report["projects"]:
            self.stdout.write(f"  {p['name']}：{p['points']} / {p['max']}（满分 {p['full']}）")
        problems = report.get("problems") or {}
        if problems:
            self.stdout.write(f"  问题：发现 {problems['found']}，销号 {problems['rectified']}，"
                              f"逾期 {problems['overdue']}，反复出现 {problems['recurring']}")
        for child in report["children"]:
            self.stdout.write(f"  {child['unit_name']}：{'—' if child['score'] is None else child['score']}")
