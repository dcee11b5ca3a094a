"""Demo ledger: two full years plus the current year to date of records across every line of work, in the
magnitudes the department summaries report (hundreds of 宣讲, thousands of placements), growing year on year,
with recent drafts, submissions and returned records. Deterministic for a given seed and "today"."""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import Any

from taizhang.core.demo import DemoContext
from taizhang.ledger import actions
from taizhang.ledger.actions import PlacementInput, RecordInput
from taizhang.ledger.models import ActivityType, MetricDefinition, Outlet, Record
from taizhang.org.models import Unit

# Records per year for the whole district, by activity type (default: DEFAULT_VOLUME).
VOLUME = {
    "placement": 1800,
    "lecture_event": 320,
    "lecture_folk": 160,
    "lecture_micro_lesson": 60,
    "theory_group_study": 150,
    "theory_report": 40,
    "vol_activity": 900,
    "practice_activity": 420,
    "practice_moral_lecture": 90,
    "practice_festival": 60,
    "ce_performance": 120,
    "ce_film": 240,
    "ce_reading": 80,
    "nm_monthly_stats": 0,
    "study_stats": 0,
    "vol_stats": 0,
    "internal_report": 600,
    "corr_submission_stats": 0,
    "cm_inspection": 60,
    "nm_post": 150,
    "press_conference": 18,
    "civ_inspection": 70,
    "ideology_meeting": 16,
}
DEFAULT_VOLUME = 24
MONTHLY_TYPES = {
    "nm_monthly_stats",
    "study_stats",
    "vol_stats",
    "corr_submission_stats",
    "civ_stats",
    "internal_stats",
    "ci_enterprise_stats",
}
TOPICS = [
    "学习贯彻党的二十大精神",
    "优化营商环境",
    "文明城市创建",
    "乡村振兴",
    "基层治理创新",
    "志愿服务",
    "老旧小区改造",
    "非遗传承",
    "全民阅读",
    "民生实事",
    "科技创新",
    "生态环境保护",
    "城市更新",
    "平安建设",
    "移风易俗",
    "文旅融合",
    "社区养老服务",
    "垃圾分类",
    "红色文化传承",
    "青年就业",
]
HEADLINE_ENDINGS = ["见行见效", "跑出加速度", "绘就新图景", "激发新活力", "温暖千家万户"]
PAGES = ["要闻版", "头版", "综合新闻", "地方新闻", "新闻联播", "专题报道", "客户端首页", "理论版"]


def _value(metric: MetricDefinition, rng: Any, growth: float) -> Decimal:
    kind = metric.kind
    if kind == "percent":
        return Decimal(str(round(rng.uniform(75, 100), 1)))
    if kind == "people":
        value = rng.randrange(20, 320)
    elif kind == "hours":
        value = rng.randrange(20, 600)
    elif kind == "money":
        value = rng.randrange(2, 120)
    else:
        value = rng.randrange(1, 12)
    if metric.key.startswith("nm_reads"):
        value = rng.randrange(20000, 400000)
    elif metric.key in ("nm_likes", "nm_shares", "nm_comments"):
        value = rng.randrange(200, 8000)
    elif metric.key == "nm_posts":
        value = rng.randrange(30, 120)
    result = Decimal(int(value * growth)) if metric.value_type == "integer" else Decimal(str(round(value * growth, 1)))
    if metric.max_value is not None:
        result = min(result, metric.max_value)
    if metric.min_value is not None:
        result = max(result, metric.min_value)
    return result


def _stock_base(metric: MetricDefinition, unit: Unit, rng: Any) -> int:
    big = {"vol_registered": 3000, "study_learners": 2500, "nm_followers": 20000, "civ_units_total": 8}
    return int(big.get(metric.key, 40) * rng.uniform(0.5, 1.5))


def build(ctx: DemoContext) -> None:
    rng = ctx.rng
    scale = float(getattr(ctx, "scale", 1.0))
    units = list(Unit.objects.exclude(parent__isnull=True).order_by("path"))
    reporting = [u for u in units if u.kind not in (Unit.Kind.SECTION,)]
    streets = [u for u in units if u.kind in (Unit.Kind.STREET, Unit.Kind.TOWN)]
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
    types = list(
        ActivityType.objects.prefetch_related("type_metrics__metric").order_by("line__sort_order", "sort_order")
    )
    start_year = ctx.today.year - 2
    items: list[tuple[RecordInput, str]] = []
    for activity_type in types:
        links = list(activity_type.type_metrics.all())
        for year in range(start_year, ctx.today.year + 1):
            growth = 1.0 + 0.12 * (year - start_year)
            year_end = min(datetime.date(year, 12, 31), ctx.today)
            if activity_type.key in MONTHLY_TYPES:
                for unit in streets + [u for u in reporting if u.kind == Unit.Kind.BUREAU][:4]:
                    for month in range(1, year_end.month + 1 if year == ctx.today.year else 13):
                        day = datetime.date(year, month, 28)
                        if day > ctx.today:
                            continue
                        figures = {}
                        for link in links:
                            m = link.metric
                            if m.aggregation == "max":
                                base = _stock_base(m, unit, rng)
                                figures[m] = Decimal(int(base * growth * (1 + month / 40)))
                            else:
                                figures[m] = link.default if link.default is not None else _value(m, rng, growth)
                        title = f"{unit.label}{year}年{month}月{activity_type.name}"
                        items.append(
                            (
                                RecordInput(
                                    unit=unit, activity_type=activity_type, title=title, start_date=day, figures=figures
                                ),
                                "",
                            )
                        )
                continue
            volume = VOLUME.get(activity_type.key, DEFAULT_VOLUME)
            days_in_year = (year_end - datetime.date(year, 1, 1)).days + 1
            count = int(volume * growth * scale * days_in_year / 365)
            for _ in range(count):
                day = datetime.date(year, 1, 1) + datetime.timedelta(days=rng.randrange(days_in_year))
                unit = rng.choice(reporting)
                figures = {
                    link.metric: link.default if link.default is not None else _value(link.metric, rng, growth)
                    for link in links
                }
                topic = rng.choice(TOPICS)
                placement = None
                title = f"{unit.label}开展“{topic}”{activity_type.name}"
                if activity_type.kind == ActivityType.Kind.PLACEMENT:
                    level = rng.choices(["national", "provincial", "municipal", "district"], [4, 18, 70, 8])[0]
                    outlet = rng.choice(outlets[level])
                    title = f"万柏林区：{topic}{rng.choice(HEADLINE_ENDINGS)}"
                    placement = PlacementInput(
                        outlet=outlet,
                        article_title=title,
                        page=rng.choice(PAGES),
                        is_headline=rng.random() < 0.08,
                        is_front_page=rng.random() < 0.1,
                        is_long=rng.random() < 0.2,
                        word_count=rng.randrange(400, 3000),
                        story_key=f"s{year}{rng.randrange(100000)}",
                    )
                items.append(
                    (
                        RecordInput(
                            unit=unit,
                            activity_type=activity_type,
                            title=title,
                            start_date=day,
                            figures=figures,
                            location=f"{unit.name}",
                            placement=placement,
                            description=f"围绕“{topic}”主题开展{activity_type.name}。",
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
    for status, group in by_status.items():
        target = "submitted" if status == "returned" else status
        records = actions.create_records_bulk(group, acting_user=None, source=Record.Source.DEMO, status=target)
        if status == "returned":
            ids = [r.pk for r in records]
            Record.objects.filter(pk__in=ids).update(
                status=Record.Status.RETURNED, review_comment="佐证材料不全，请补充签到表和现场照片后重新报送。"
            )
        total += len(records)
    ctx.log(
        f"台账记录 {total} 条（已通过 {len(by_status['approved'])}，待审核 {len(by_status['submitted'])}，"
        f"草稿 {len(by_status['draft'])}，已退回 {len(by_status['returned'])}）"
    )
