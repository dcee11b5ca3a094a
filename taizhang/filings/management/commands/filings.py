"""`taizhang filings --period SPEC [--unit CODE] [--json]`: filed events with their state and whether they were
filed in time (lead time in working days per kind)."""

from __future__ import annotations

import datetime
import json
from typing import Any

from django.core.management.base import CommandError, CommandParser
from django.utils import timezone

from taizhang.core.management.base import TaizhangCommand


class Command(TaizhangCommand):
    help = "列出时间段内备案的论坛、讲座、研讨会等活动，含状态和是否按时报备"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--period", required=True, help="时间段，如 2026H1、2026-05")
        parser.add_argument("--unit", help="单位代码（含下级单位；默认全部）")
        parser.add_argument("--json", action="store_true", help="输出 JSON")

    def handle(self, *args: Any, **options: Any) -> None:
        from taizhang.core.periods import parse_period
        from taizhang.filings.models import EventFiling
        from taizhang.org.models import Unit

        period = parse_period(options["period"])
        tz = timezone.get_current_timezone()
        qs = EventFiling.objects.filter(
            starts_at__range=(datetime.datetime.combine(period.start, datetime.time.min, tzinfo=tz),
                              datetime.datetime.combine(period.end, datetime.time.max, tzinfo=tz))
        ).exclude(state=EventFiling.State.DRAFT).select_related("unit").order_by("starts_at", "id")
        if options.get("unit"):
            unit = Unit.objects.filter(code=options["unit"]).first()
            if unit is None:
                raise CommandError(f"未知单位代码：{options['unit']}")
            qs = qs.filter(unit__path__startswith=unit.path)
        rows = [{"id": f.pk, "kind": f.kind, "topic": f.topic, "unit": f.unit.code,
                 "starts_at": timezone.localtime(f.starts_at).isoformat(timespec="minutes"), "state": f.state,
                 "filed_at": timezone.localtime(f.submitted_at).isoformat(timespec="minutes")
                 if f.submitted_at else None,
                 "due_by": f.due_by.isoformat() if f.due_by else None, "in_time": f.filed_in_time} for f in qs]
        if options["json"]:
            self.stdout.write(json.dumps({"period": {"start": period.start.isoformat(), "end": period.end.isoformat()},
                                          "filings": rows}, ensure_ascii=False))
            return
        for r in rows:
            in_time = "-" if r["in_time"] is None else ("按时" if r["in_time"] else "未按时")
            self.stdout.write(f"{r['id']}\t{r['kind']}\t{r['unit']}\t{r['starts_at']}\t{r['state']}\t{in_time}\t"
                              f"{r['topic']}")
