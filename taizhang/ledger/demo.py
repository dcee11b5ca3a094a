"""Demo ledger: two full years plus the current year to date of records across every line of work, planned per unit
type from `demo_profiles` (events a year per kind of unit, size of each event, consistent related figures) and
worded from `demo_vocab`, so the district's totals land in the magnitudes the department summaries report;
with recent drafts, submissions and returned records. Deterministic for a given seed and "today"."""

from __future__ import annotations

import datetime
from typing import Any

from django.contrib.auth import get_user_model

from taizhang.core.demo import DemoContext
from taizhang.ledger import actions
from taizhang.ledger.actions import PlacementInput, RecordInput
from taizhang.ledger.demo_plan import Planner, PlanUnit
from taizhang.ledger.models import ActivityType, MetricDefinition, Outlet, Record, RecordEvent
from taizhang.org import actions as org_actions
from taizhang.org.models import Membership, Unit
from taizhang.org.roles import Role


def build(ctx: DemoContext) -> None:
    rng = ctx.rng
    scale = float(getattr(ctx, "scale", 1.0))
    units = list(Unit.objects.exclude(parent__isnull=True).order_by("path"))
    reporting = [u for u in units if u.kind not in (Unit.Kind.SECTION,)]
    outlets = {level: list(Outlet.objects.filter(level=level)) for level in ("national", "provincial")}
    municipal = [
        Outlet.objects.get_or_create(name=name, defaults={"level": level, "kind": kind})[0]
        for name, level, kind in (
            ("太原日报", "municipal", "newspaper"),
            ("太原广播电视台", "municipal", "tv"),
            ("太原新闻网", "municipal", "website"),
            ("万柏林融媒", "district", "app"),
        )
    ]
    outlets["municipal"] = municipal[:3]
    outlets["district"] = municipal[3:]
    types = {
        t.key: t
        for t in ActivityType.objects.prefetch_related("type_metrics__metric").order_by(
            "line__sort_order", "sort_order"
        )
    }
    metrics = {m.key: m for m in MetricDefinition.objects.all()}
    root = Unit.objects.filter(parent__isnull=True).order_by("path").first()
    plan_units = [PlanUnit(ref=u, code=u.code, kind=u.kind, name=u.name, label=u.label) for u in reporting]
    if root is not None:
        plan_units.insert(0, PlanUnit(ref=root, code=root.code, kind="district", name=root.name, label="全区"))
    planner = Planner(plan_units, rng, ctx.today, ctx.today.year - 2, scale=scale, known=types)
    plan = planner.plan({key: t.name for key, t in types.items()})
    items: list[tuple[RecordInput, str]] = []
    for entry in plan:
        activity_type = types[entry.activity]
        figures = {link.metric: link.default for link in activity_type.type_metrics.all() if link.default is not None}
        figures.update({metrics[key]: value for key, value in entry.figures.items() if key in metrics})
        placement = None
        if entry.level:
            placement = PlacementInput(
                outlet=rng.choice(outlets[entry.level]),
                article_title=entry.title,
                page=entry.page,
                is_headline=entry.is_headline,
                is_front_page=entry.is_front_page,
                is_long=entry.is_long,
                word_count=entry.word_count,
                story_key=f"s{entry.day.year}{rng.randrange(10**6):06d}",
            )
        items.append(
            (
                RecordInput(
                    unit=entry.unit.ref,
                    activity_type=activity_type,
                    title=entry.title,
                    start_date=entry.day,
                    figures=figures,
                    location=entry.location,
                    placement=placement,
                    description=entry.description,
                ),
                "",
            )
        )
    items.sort(key=lambda pair: (pair[0].start_date, pair[0].title))
    recent = ctx.today - datetime.timedelta(days=45)
    by_status: dict[str, list[RecordInput]] = {"approved": [], "submitted": [], "draft": [], "returned": []}
    for item, _ in items:
        if item.start_date >= recent:
            status = rng.choices(["approved", "submitted", "draft", "returned"], [55, 25, 12, 8])[0]
        else:
            status = "approved"
        by_status[status].append(item)
    total = 0
    created: list[Record] = []
    for status, group in by_status.items():
        target = "submitted" if status == "returned" else status
        records = actions.create_records_bulk(group, acting_user=None, source=Record.Source.DEMO, status=target)
        if status == "returned":
            ids = [r.pk for r in records]
            Record.objects.filter(pk__in=ids).update(
                status=Record.Status.RETURNED, review_comment="佐证材料不全，请补充签到表和现场照片后重新报送。"
            )
        total += len(records)
        created.extend(records)
    _attribute(created, root)
    ctx.log(
        f"台账记录 {total} 条（已通过 {len(by_status['approved'])}，待审核 {len(by_status['submitted'])}，"
        f"草稿 {len(by_status['draft'])}，已退回 {len(by_status['returned'])}）"
    )


def _attribute(records: list[Record], root: Unit | None) -> None:
    """Who filled in each demo record (填报人, shown as 报送人 in the review queue): the liaison of the nearest unit
    at or above the record's unit. A top-level unit (and the district itself) without a demo liaison gets one, named
    after the unit, that cannot log in (it is not one of the demo logins)."""
    liaisons: dict[str, Any] = {}  # unit path → user
    memberships = Membership.objects.filter(role=Role.LIAISON, unit__parent__isnull=False)
    for m in memberships.select_related("user", "unit").order_by("pk"):
        liaisons.setdefault(m.unit.path, m.user)
    units = {u.pk: u for u in Unit.objects.all()}
    made: dict[int, Any] = {}  # top-level unit pk → its generated liaison
    by_user: dict[Any, list[int]] = {}
    for record in records:
        unit = units[record.unit_id]
        covering = [path for path in liaisons if unit.path.startswith(path)]
        if covering:
            user = liaisons[max(covering, key=len)]
        else:
            top = unit
            while top.parent_id is not None and top.parent_id != getattr(root, "pk", None):
                top = units[top.parent_id]
            if top.pk not in made:
                made[top.pk] = _unit_liaison(top)
            user = made[top.pk]
        by_user.setdefault(user, []).append(record.pk)
    for user, ids in by_user.items():
        for start in range(0, len(ids), 500):
            chunk = ids[start:start + 500]
            Record.objects.filter(pk__in=chunk).update(created_by=user)
            RecordEvent.objects.filter(record_id__in=chunk, user__isnull=True).update(user=user)


def _unit_liaison(unit: Unit) -> Any:
    username = f"liaison_{unit.code.lower()}"
    user = get_user_model().objects.filter(username=username).first()
    if user is None:
        user = get_user_model().objects.create_user(username=username, password=None)
        user.display_name = f"{unit.name}联络员"[:64]
        user.save(update_fields=["display_name"])
    org_actions.grant_role(acting_user=None, user=user, unit=unit, role=Role.LIAISON)
    return user
