"""Demo study-platform statistics: every street, town and bureau mapped to a platform group, eight weeks of
exports with plausible registration, activity and points."""

from __future__ import annotations

import datetime

from taizhang.core.demo import DemoContext
from taizhang.org.models import Unit
from taizhang.study.models import StudyGroup, StudyWeek
from taizhang.study.stats import monday


def build(ctx: DemoContext) -> None:
    root = ctx.units.get("WBL")
    if root is None:
        return
    rng = ctx.rng
    groups = []
    for unit in Unit.objects.filter(parent=root, is_active=True).exclude(kind="section").order_by("path"):
        headcount = rng.randint(40, 220) if unit.kind in ("street", "town") else rng.randint(20, 90)
        groups.append(StudyGroup.objects.create(name=f"万柏林区委/{unit.name}", unit=unit, headcount=headcount))
    last = monday(ctx.today) - datetime.timedelta(days=7)
    rows = []
    for group in groups:
        registered = int(group.headcount * rng.uniform(0.82, 0.97))
        for back in range(8, -1, -1):
            week = last - datetime.timedelta(weeks=back)
            registered = min(group.headcount, registered + rng.randint(0, 2))
            active = int(registered * rng.uniform(0.55, 0.9))
            rows.append(StudyWeek(group=group, week_start=week, registered=registered, active=active,
                                  points=active * rng.randint(80, 160)))
    StudyWeek.objects.bulk_create(rows)
    ctx.log(f"学习平台统计：{len(groups)} 个组织，{len(rows)} 条周统计")
