"""taizhang cases [--unit CODE] [--state S] [--overdue] [--json]: the cases, one per line (stable output)."""

from __future__ import annotations

import json
from typing import Any

from django.core.management.base import CommandError, CommandParser
from django.utils import timezone

from taizhang.cases.models import Case
from taizhang.core.management.base import TaizhangCommand
from taizhang.org.models import Unit


class Command(TaizhangCommand):
    help = "列出工单：编号、类型、责任单位代码、状态、办理期限（--json 输出 JSON）"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--unit", help="单位代码（含下级单位）")
        parser.add_argument("--state", choices=Case.State.values, help="状态")
        parser.add_argument("--overdue", action="store_true", help="只列逾期工单")
        parser.add_argument("--json", action="store_true", help="输出 JSON")

    def handle(self, *args: Any, **options: Any) -> None:
        qs = Case.objects.select_related("unit").order_by("id")
        if options.get("unit"):
            unit = Unit.objects.filter(code=options["unit"]).first()
            if unit is None:
                raise CommandError(f"没有代码为“{options['unit']}”的单位")
            qs = qs.filter(unit__path__startswith=unit.path)
        if options.get("state"):
            qs = qs.filter(state=options["state"])
        today = timezone.localdate()
        if options.get("overdue"):
            qs = qs.filter(state__in=Case.RUNNING_STATES, deadline__lt=today)
        rows = [
            {"id": c.pk, "kind": c.kind, "unit": c.unit.code, "state": c.state,
             "deadline": c.deadline.isoformat() if c.deadline else None, "overdue": c.is_overdue(today)}
            for c in qs.iterator(chunk_size=2000)
        ]
        if options.get("json"):
            self.stdout.write(json.dumps({"cases": rows}, ensure_ascii=False))
            return
        for r in rows:
            self.stdout.write(f"{r['id']}\t{r['kind']}\t{r['unit']}\t{r['state']}\t{r['deadline'] or '-'}"
                              + ("\t逾期" if r["overdue"] else ""))
