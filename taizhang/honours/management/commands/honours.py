"""`taizhang honours [CAMPAIGN] [--json]`: the campaigns with their stage, or one campaign's candidates with jury
score, valid votes, vote score, final score (fixed shares) and state. Names of minors by initials; no phone or ID."""

from __future__ import annotations

import json
from typing import Any

from django.core.management.base import CommandError, CommandParser

from taizhang.core.management.base import TaizhangCommand


def _num(value: Any) -> str | None:
    return None if value is None else str(value)


class Command(TaizhangCommand):
    help = "列出评选活动及所处阶段；给出活动代码时列出其候选人的评审得分、有效票数和综合得分"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("campaign", nargs="?", help="活动代码，如 HR-2026")
        parser.add_argument("--json", action="store_true", help="输出 JSON")

    def handle(self, *args: Any, **options: Any) -> None:
        from taizhang.honours.models import Campaign, Nomination

        code = options.get("campaign")
        if not code:
            rows = [{"code": c.code, "title": c.title, "year": c.year, "level": c.level, "stage": c.stage,
                     "public_share": str(c.public_share), "nominations": c.nominations.count()}
                    for c in Campaign.objects.order_by("-year", "-id")]
            if options["json"]:
                self.stdout.write(json.dumps({"campaigns": rows}, ensure_ascii=False))
                return
            for r in rows:
                self.stdout.write(f"{r['code']}\t{r['year']}\t{r['stage']}\t{r['nominations']}人\t{r['title']}")
            return
        campaign = Campaign.objects.filter(code=code).first()
        if campaign is None:
            raise CommandError(f"未知活动代码：{code}")
        noms = (Nomination.objects.filter(campaign=campaign).select_related("category", "unit")
                .defer("phone", "id_number").order_by("category__order", "-final_score", "id"))
        rows = [{"id": n.pk, "category": n.category.name, "name": n.shown_name, "unit": n.unit.code,
                 "state": n.state, "jury_score": _num(n.jury_score), "votes": n.votes,
                 "vote_score": _num(n.vote_score), "final_score": _num(n.final_score)} for n in noms]
        if options["json"]:
            self.stdout.write(json.dumps({"campaign": campaign.code, "stage": campaign.stage,
                                          "public_share": str(campaign.public_share), "candidates": rows},
                                         ensure_ascii=False))
            return
        self.stdout.write(f"{campaign.title}（{campaign.get_stage_display()}；综合得分 = 评审×{campaign.jury_share}% + "
                          f"投票×{campaign.public_share}%）")
        for r in rows:
            self.stdout.write(f"{r['category']}\t{r['name']}\t{r['unit']}\t{r['state']}\t评审 {r['jury_score'] or '-'}"
                              f"\t票数 {r['votes'] if r['votes'] is not None else '-'}\t综合 {r['final_score'] or '-'}")
