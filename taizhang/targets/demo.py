"""Demo targets and assessment: targets of every demo year (two past years and this one) allocated to streets/towns
and bureaus, a placement scheme modelled on real 对外宣传 scoring rules (and a quarterly 理论宣讲 scheme),
bonus/deduction entries, published monthly results for each finished month of the year (with one corrected
re-run), this month's bulletin, and last year's annual assessment with its bulletin."""

from __future__ import annotations

import datetime
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from taizhang.core.demo import DemoContext
from taizhang.core.periods import parse_period
from taizhang.ledger import actions as ledger_actions
from taizhang.ledger import demo_vocab
from taizhang.ledger.models import ActivityType, LineOfWork, MetricDefinition, Outlet, Record
from taizhang.org.models import Unit
from taizhang.targets import actions, progress
from taizhang.targets.models import AssessmentRun, Target

PEER_KINDS = (Unit.Kind.STREET, Unit.Kind.TOWN, Unit.Kind.BUREAU, Unit.Kind.SCHOOL, Unit.Kind.ENTERPRISE)
GROUPS = [
    {"key": "streets", "name": "街道（镇）", "kinds": ["street", "town"]},
    {"key": "bureaus", "name": "区直部门", "kinds": ["bureau", "school", "enterprise"]},
]
TARGETS: list[dict[str, Any]] = [
    {"key": "placements_provincial", "name": "省级以上媒体用稿", "metric": "placements",
     "outlet_levels": ["national", "provincial"], "growth": "1.06", "method": "last_year", "peers": PEER_KINDS},
    {"key": "placements_total", "name": "各级媒体用稿总量", "metric": "placements", "growth": "1.05",
     "method": "last_year", "peers": PEER_KINDS},
    {"key": "lectures", "name": "理论宣讲", "metric": "lecture_events", "growth": "1.08", "method": "last_year",
     "peers": PEER_KINDS},
    {"key": "practice_activities", "name": "新时代文明实践活动", "metric": "practice_activities", "growth": "1.05",
     "method": "population", "peers": (Unit.Kind.STREET, Unit.Kind.TOWN),
     "monthly_plan": ["6", "6", "9", "9", "8", "8", "8", "8", "10", "10", "10", "8"]},
]


def _round(value: Decimal, step: int) -> Decimal:
    return max(Decimal(step), (value / step).quantize(Decimal(1), ROUND_HALF_UP) * step)


def _targets(ctx: DemoContext, root: Unit, peers: list[Unit]) -> list[Target]:
    """Targets of every demo year (two past years and this one), so past years' bulletins and annual summaries
    have their completion: from the year before's actual times the growth; the first demo year, with no year
    before in the ledger, from its own actual a little below (a target set low at the start of the ledger)."""
    out = []
    for year in range(ctx.today.year - 2, ctx.today.year + 1):
        out.extend(_year_targets(ctx, root, peers, year, first=year == ctx.today.year - 2))
    return out


def _year_targets(ctx: DemoContext, root: Unit, peers: list[Unit], year: int, *, first: bool) -> list[Target]:
    out = []
    for i, spec in enumerate(TARGETS):
        metric = MetricDefinition.objects.get(key=spec["metric"])
        basis_year = year if first else year - 1
        draft = Target(year=basis_year, metric=metric, outlet_levels=spec.get("outlet_levels", []), owner=root)
        last = progress.actual(draft, progress.year_period(basis_year), root).value
        if first:
            factor = Decimal(str(round(ctx.rng.uniform(0.9, 0.98), 2)))
            note = f"{year}年按各单位上年工作量测算下达。"
        else:
            factor = Decimal(spec["growth"])
            note = f"{year - 1}年完成{last.normalize():f}{metric.measure_word}，按增长{spec['growth']}倍下达。"
        value = _round(last * factor, 10)
        plan = spec.get("monthly_plan")
        target = actions.create_target(
            acting_user=None, year=year, key=spec["key"], name=spec["name"], owner=root, metric=metric, value=value,
            outlet_levels=spec.get("outlet_levels", []), sort_order=i,
            plan_kind=Target.PlanKind.MONTHLY if plan else Target.PlanKind.LINEAR, monthly_plan=plan or [],
            note=note,
        )
        units = [u for u in peers if u.kind in spec["peers"]]
        method = Target.Method.EQUAL if first and spec["method"] == "last_year" else spec["method"]
        split = actions.split_target(target, units, method)
        actions.save_allocations(acting_user=None, target=target, expected_version=target.version, values=split,
                                 method=method)
        out.append(target)
    return out


def _joint_placements(ctx: DemoContext, peers: list[Unit]) -> int:
    """Jointly credited pieces and stories placed at several levels, so the scoring rules have work to do."""
    rng = ctx.rng
    atype = ActivityType.objects.get(key="placement")
    metric = MetricDefinition.objects.get(key="placements")
    outlets = {level: list(Outlet.objects.filter(level=level, is_active=True)[:6]) for level in
               ("national", "provincial", "municipal")}
    streets = [u for u in peers if u.kind in (Unit.Kind.STREET, Unit.Kind.TOWN)]
    bureaus = [u for u in peers if u.kind not in (Unit.Kind.STREET, Unit.Kind.TOWN)]
    items: list[ledger_actions.RecordInput] = []
    last_month_end = ctx.today.replace(day=1) - datetime.timedelta(days=1)
    for month in range(1, last_month_end.month + 1 if last_month_end.year == ctx.today.year else 1):
        for n in range(2):
            day = datetime.date(ctx.today.year, month, rng.randrange(3, 27))
            lead, partner = rng.choice(streets), rng.choice(bureaus)
            story = f"joint{ctx.today.year}{month:02d}{n}"
            levels = ["provincial", "municipal"] if n == 0 else ["national", "provincial"]
            if not all(outlets[level] for level in levels):
                continue
            title = f"{rng.choice(demo_vocab.HEADLINE_SUBJECTS)}{rng.choice(demo_vocab.HEADLINE_ENDINGS)}"
            for level in levels:
                placement = ledger_actions.PlacementInput(
                    outlet=rng.choice(outlets[level]), article_title=f"万柏林区：{title}", page="要闻版",
                    is_headline=level == levels[0] and n == 1, story_key=story, word_count=1600, is_long=True,
                    credited_units=[(lead, Decimal("0.6")), (partner, Decimal("0.4"))],
                )
                items.append(ledger_actions.RecordInput(
                    unit=lead, activity_type=atype, title=f"{lead.label}、{partner.label}联合供稿：{title}",
                    start_date=day, figures={metric: Decimal(1)}, placement=placement,
                    description=f"{lead.name}与{partner.name}联合采写，同一稿件在多级媒体刊发。"))
    ledger_actions.create_records_bulk(items, acting_user=None, source=Record.Source.DEMO, status="approved")
    return len(items)


def _scheme(root: Unit) -> Any:
    news = LineOfWork.objects.get(key="news_external")
    return actions.create_scheme(
        acting_user=None, key="waixuan", name="对外宣传工作考核办法", subject="对外宣传工作", owner=root,
        description="按月考核各街道（镇）和区直部门在各级媒体的用稿情况，年度考核结果纳入全区机关事业单位年度考评。"
                    "中央级媒体每篇20分、省级10分、市级5分、区级1分；头条加倍，头版按1.5倍计；同一稿件在多级媒体刊发的，"
                    "按最高级别计一次；联合署名稿件按署名比例分摊。",
        items=[
            {"key": "placement", "name": "媒体用稿", "kind": "placement", "line": news, "rule": {
                "metric": "placements",
                "points": {"national": "20", "provincial": "10", "municipal": "5", "district": "1"},
                "headline_multiplier": "2", "front_page_multiplier": "1.5", "long_multiplier": "1.2",
                "multiplier_mode": "max", "dedupe": "story_key_highest_level", "split_joint": True, "cap": None}},
            {"key": "target", "name": "用稿任务完成率", "kind": "target_completion", "line": news,
             "rule": {"target": "placements_provincial", "points": "20", "max_ratio": "1.5"}},
            {"key": "bonus", "name": "重大主题宣传加分", "kind": "bonus", "rule": {"max": "10"}},
            {"key": "deduction", "name": "迟报漏报减分", "kind": "deduction", "rule": {"max": "10"}},
        ],
        ranking={"groups": GROUPS, "tie_rule": "secondary", "tie_keys": ["placements:national",
                                                                         "placements:provincial"],
                 "praise_top": 3, "lagging_bottom": 2, "weights": {}},
    )


def _lecture_scheme(root: Unit) -> Any:
    lines = {line.key: line for line in LineOfWork.objects.filter(key__in=["lectures", "practice"])}
    return actions.create_scheme(
        acting_user=None, key="lilun", name="理论宣讲和文明实践工作考核", subject="理论宣讲和新时代文明实践工作",
        owner=root, description="按季度考核各街道（镇）理论宣讲和新时代文明实践活动开展情况。",
        items=[
            {"key": "lectures", "name": "理论宣讲场次", "kind": "metric", "line": lines["lectures"],
             "rule": {"metric": "lecture_events", "points_per": "1", "cap": "40"}},
            {"key": "practice", "name": "文明实践活动", "kind": "metric", "line": lines["practice"],
             "rule": {"metric": "practice_activities", "points_per": "0.5", "cap": "30"}},
            {"key": "practice_target", "name": "文明实践任务完成率", "kind": "target_completion",
             "line": lines["practice"], "rule": {"target": "practice_activities", "points": "30", "max_ratio": "1"}},
        ],
        ranking={"groups": [GROUPS[0]], "tie_rule": "competition", "weights": {"lectures": "1.2", "practice": "1"},
                 "praise_top": 2, "lagging_bottom": 1},
    )


def _adjustments(ctx: DemoContext, scheme: Any, peers: list[Unit], months: list[int]) -> None:
    rng = ctx.rng
    year = ctx.today.year
    reasons_bonus = ["稿件获省委宣传部《新闻阅评》肯定", "策划的重大主题报道被中央媒体转载", "典型人物报道获市级表扬"]
    reasons_deduction = ["月度台账逾期未报送", "用稿信息报送不及时、漏报"]
    for month in months[:-1]:
        unit = rng.choice(peers)
        actions.propose_adjustment(
            acting_user=None, scheme=scheme, item_key="bonus", unit=unit, approve=True,
            date=datetime.date(year, month, rng.randrange(5, 25)), points=Decimal(rng.choice([3, 5])),
            reason=rng.choice(reasons_bonus), evidence_url="https://www.example.gov.cn/yuping/2024/notice.html")
        if month % 3 == 0:
            unit = rng.choice(peers)
            actions.propose_adjustment(
                acting_user=None, scheme=scheme, item_key="deduction", unit=unit, approve=True,
                date=datetime.date(year, month, 28), points=Decimal(2), reason=rng.choice(reasons_deduction),
                evidence_url="https://www.example.gov.cn/tongbao/delay.html")


def build(ctx: DemoContext) -> None:
    root = Unit.objects.get(parent__isnull=True)
    peers = list(Unit.objects.filter(parent=root, kind__in=PEER_KINDS, is_active=True).order_by("sort_order"))
    if not peers:
        return
    joint = _joint_placements(ctx, peers)
    targets = _targets(ctx, root, peers)
    scheme = _scheme(root)
    lecture_scheme = _lecture_scheme(root)
    year = ctx.today.year
    months = [m for m in range(1, 13) if datetime.date(year, m, 28) < ctx.today.replace(day=1)]
    _adjustments(ctx, scheme, peers, months)
    runs = []
    for m in months:
        runs.append(actions.run_assessment(acting_user=None, scheme=scheme, period=parse_period(f"{year}-{m:02d}"),
                                           publish=True))
    for q in range(1, 5):
        period = parse_period(f"{year}Q{q}")
        if period.end < ctx.today:
            actions.run_assessment(acting_user=None, scheme=lecture_scheme, period=period, publish=True)
    # Last year's annual assessment and its bulletin (issued in January), against last year's targets.
    annual = actions.run_assessment(acting_user=None, scheme=scheme, period=parse_period(str(year - 1)), publish=True)
    actions.create_bulletin(acting_user=None, run=annual, issued_on=datetime.date(year, 1, 15))
    if not runs:
        ctx.log(f"目标任务 {len(targets)} 项；本年度尚无已结束的月份，未生成考核结果")
        return
    # A correction after publishing: a late bonus approved for the last month, then a re-run → version 2.
    last = runs[-1]
    latest = last.results.order_by("-score").last()
    if latest is not None:
        actions.propose_adjustment(
            acting_user=None, scheme=scheme, item_key="bonus", unit=latest.unit, approve=True,
            date=last.period_end - datetime.timedelta(days=3), points=Decimal(8),
            reason="补报：参与策划的重大主题报道获中央媒体头版刊发（经审核补计）",
            evidence_url="https://www.example.gov.cn/renminribao/2024/front.html")
        last = actions.run_assessment(acting_user=None, scheme=scheme, period=parse_period(last.period_spec),
                                      note="补计经审核的加分后重新运行", publish=True)
    # Pending entries for the review page, proposed by the liaisons of their units.
    for username, code, reason in (("liaison_jf", "JF", "稿件被“学习强国”全国平台采用"),
                                   ("liaison_edu", "EDU", "“开学第一课”报道被省级媒体头版刊发")):
        unit = next((u for u in peers if u.code == code), None)
        if unit is None:
            continue
        actions.propose_adjustment(
            acting_user=ctx.users.get(username), scheme=scheme, item_key="bonus", unit=unit,
            date=ctx.today - datetime.timedelta(days=2), points=Decimal(5), reason=reason,
            evidence_url="https://www.example.gov.cn/xxqg/1.html")
    bulletin = actions.create_bulletin(acting_user=None, run=last, issued_on=ctx.today)
    published = AssessmentRun.objects.filter(status=AssessmentRun.Status.PUBLISHED).count()
    ctx.log(f"目标任务 {len(targets)} 项（已分解到 {len(peers)} 个单位）；考核方案 2 个；"
            f"联合署名和多级刊发用稿 {joint} 条；"
            f"已发布考核 {published} 期；通报《{bulletin.title}》")
