"""taizhang votes audit CAMPAIGN [--json]: per candidate (option) the votes received, valid, wiped, and each wiping
rule with the count it wiped. CAMPAIGN is the poll's code (a campaign's code when honours opened it)."""

from __future__ import annotations

import json
from typing import Any

from django.core.management.base import CommandError, CommandParser

from taizhang.core.management.base import TaizhangCommand
from taizhang.votes.actions import audit_summary
from taizhang.votes.models import Poll


class Command(TaizhangCommand):
    help = "公众投票核查：votes audit 评选活动编号 [--json]，列出每位候选对象的得票、有效票、作废票及各规则作废数"

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="what", required=True, title="子命令")
        audit = sub.add_parser("audit", help="按候选对象列出得票、有效票、作废票及各规则作废数")
        audit.add_argument("campaign", help="评选活动（投票）编号")
        audit.add_argument("--json", action="store_true", help="输出 JSON")

    def handle(self, *args: Any, **options: Any) -> None:
        poll = Poll.objects.filter(code=options["campaign"]).first()
        if poll is None:
            raise CommandError(f"没有编号为“{options['campaign']}”的投票")
        data = audit_summary(poll)
        if options.get("json"):
            self.stdout.write(json.dumps(data, ensure_ascii=False))
            return
        self.stdout.write(f"{data['poll']}\t{data['title']}\t得票 {data['received']}\t有效 {data['valid']}"
                          f"\t作废 {data['wiped']}")
        for o in data["options"]:
            rules = "，".join(f"{k} {n}" for k, n in o["wiped_by_rule"].items()) or "-"
            self.stdout.write(f"{o['label']}\t得票 {o['received']}\t有效 {o['valid']}\t作废 {o['wiped']}\t{rules}")
        for r in data["rules"]:
            self.stdout.write(f"规则 {r['rule']}（{r['name']}）\t作废 {r['wiped']}")
