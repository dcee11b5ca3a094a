"""Demo volunteer work: thousands of volunteers, dozens of teams, a practice centre, a post in every street and a
station in every community, a year of activities with realistic hours (some manual, some disputed), service orders,
certificates, and one activity running today so the whole loop can be tried on a phone."""

from __future__ import annotations

import datetime
from collections import defaultdict
from decimal import Decimal
from typing import Any

from django.db.models import OuterRef, Subquery, Sum
from django.db.models.functions import Coalesce
from django.utils import timezone

from taizhang.core.demo import DemoContext
from taizhang.org.models import Unit
from taizhang.volunteers import actions, certificates
from taizhang.volunteers.models import (
    Activity,
    Dispute,
    HourRecord,
    ServiceOrder,
    Shift,
    SignUp,
    Team,
    TeamMembership,
    Volunteer,
)

SURNAMES = ("王李张刘陈杨赵黄周吴徐孙胡朱高林何郭马罗梁宋郑谢韩唐冯于董萧程曹袁邓许傅沈曾彭吕苏卢蒋蔡贾丁魏薛叶阎"
            "余潘杜戴夏钟汪田任姜范方石姚谭廖邹熊金陆郝孔白崔康毛邱秦江史顾侯邵孟龙万段雷钱汤尹黎易常武乔贺赖龚文")
GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华玉兰萍红建国志宏海波鹏飞宇浩然欣怡子涵梓轩雨桐嘉琪"
TEAM_THEMES = ["红马甲", "邻里守望", "文明交通", "理论宣讲", "敬老助残", "环境守护", "阳光助学", "便民维修",
               "文化惠民", "健康义诊", "法律援助", "心理关爱"]
ACTIVITY_KINDS = [
    ("社区环境清洁", "清扫公共区域、清理小广告", "", 3), ("文明交通劝导", "路口劝导行人和非机动车文明出行", "", 2),
    ("理论宣讲进社区", "宣讲党的创新理论", "宣讲", 2), ("敬老院关爱老人", "陪伴聊天、打扫房间、理发", "理发", 3),
    ("垃圾分类宣传", "入户宣传垃圾分类知识", "", 2), ("便民维修服务", "维修小家电、磨剪刀", "维修", 3),
    ("图书馆阅读推广", "整理图书、引导阅读", "", 4), ("义诊进社区", "测量血压血糖、健康咨询", "医护", 3),
    ("防诈骗宣传", "讲解常见电信诈骗手法", "", 2), ("留守儿童课业辅导", "作业辅导、兴趣课", "教学", 2),
]
ORDER_TITLES = {
    "lecture": ["党的创新理论宣讲", "防范电信诈骗讲座", "家庭教育讲座"],
    "repair": ["楼道灯维修", "小家电维修", "自行车修理"],
    "elderly": ["独居老人探访", "老人理发", "陪老人就医"],
    "culture": ["广场文艺演出", "书法进社区", "电影放映"],
    "health": ["血压血糖测量", "中医义诊", "健康知识讲座"],
    "other": ["邻里纠纷调解", "法律咨询"],
}


def _id_number(rng: Any, birth: datetime.date, n: int) -> str:
    body = f"1401{rng.randint(1, 9):02d}{birth:%Y%m%d}{n % 1000:03d}"
    total = sum(int(c) * w for c, w in zip(body, actions.ID_WEIGHTS, strict=True))
    return body + actions.ID_CHECK[total % 11]


def build(ctx: DemoContext) -> None:
    rng, today = ctx.rng, ctx.today
    scale = float(getattr(ctx, "scale", 1.0))
    root = next((u for u in ctx.units.values() if u.parent_id is None), None) or Unit.objects.filter(
        parent__isnull=True).first()
    if root is None or Volunteer.objects.exists():
        return
    streets = [u for u in ctx.units.values() if u.kind in (Unit.Kind.STREET, Unit.Kind.TOWN)] or list(
        Unit.objects.filter(kind__in=("street", "town")))
    communities = [u for u in ctx.units.values() if u.kind in (Unit.Kind.COMMUNITY, Unit.Kind.VILLAGE)] or list(
        Unit.objects.filter(kind__in=("community", "village")))
    if not streets or not communities:
        return
    now = timezone.now()
    # --- organisations --------------------------------------------------------------------------------------
    def team(unit: Unit, name: str, kind: str) -> Team:
        return Team(unit=unit, name=name, kind=kind, head=rng.choice(SURNAMES) + rng.choice(GIVEN) + rng.choice(GIVEN),
                    contact=f"0351-{rng.randint(4000000, 4999999)}", created_at=now - datetime.timedelta(days=500))

    orgs = [team(root, f"{root.label}新时代文明实践中心", Team.Kind.CENTRE)]
    orgs += [team(s, f"{s.label}新时代文明实践所", Team.Kind.POST) for s in streets]
    orgs += [team(c, f"{c.label}新时代文明实践站", Team.Kind.STATION) for c in communities]
    themes = list(TEAM_THEMES)
    for s in streets:
        rng.shuffle(themes)
        orgs += [team(s, f"{s.label}{t}志愿服务队", Team.Kind.TEAM) for t in themes[:3]]
    orgs += [team(root, f"{root.label}{t}志愿服务总队", Team.Kind.TEAM) for t in TEAM_THEMES[:6]]
    Team.objects.bulk_create(orgs)
    orgs = list(Team.objects.select_related("unit").order_by("id"))
    teams = [t for t in orgs if t.kind == Team.Kind.TEAM]
    stations = [t for t in orgs if t.kind != Team.Kind.TEAM]
    # --- volunteers ---------------------------------------------------------------------------------------------
    count = max(300, int(3000 * scale))
    year = today.year
    people = []
    for n in range(count):
        minor = rng.random() < 0.05
        age = rng.randint(12, 17) if minor else int(min(75, max(18, rng.gauss(42, 14))))
        birth = today.replace(year=today.year - age, month=1, day=1) + datetime.timedelta(days=rng.randint(0, 364))
        idn = _id_number(rng, birth, n)
        phone = f"1{rng.choice('3578')}{n:09d}"
        home = rng.choice(communities)
        registered = now - datetime.timedelta(days=rng.randint(0, 900))
        people.append(Volunteer(
            number=actions.next_number(year, n), real_name=rng.choice(SURNAMES) + rng.choice(GIVEN) + (
                rng.choice(GIVEN) if rng.random() < 0.6 else ""), id_type="resident", id_number=idn,
            id_hash=actions.id_hash(idn), phone=phone, phone_hash=actions.phone_hash(phone), birth_date=birth,
            unit=home, source="demo", created_at=registered,
            guardian_name=(rng.choice(SURNAMES) + rng.choice(GIVEN)) if minor else "",
            guardian_phone=f"139{rng.randint(10000000, 99999999)}" if minor else "", guardian_consent=minor))
    Volunteer.objects.bulk_create(people, batch_size=1000)
    people = list(Volunteer.objects.only("id", "unit_id", "number").order_by("id"))
    by_street: dict[str, list[Volunteer]] = defaultdict(list)
    unit_street = {c.pk: c.parent_id for c in communities}
    for v in people:
        by_street[str(unit_street.get(v.unit_id))].append(v)
    members: dict[int, list[Volunteer]] = {}
    rows = []
    for t in teams:
        pool = by_street.get(str(t.unit_id)) or people
        chosen = rng.sample(pool, min(len(pool), rng.randint(40, 120)))
        members[t.pk] = chosen
        rows += [TeamMembership(team=t, volunteer=v) for v in chosen]
    TeamMembership.objects.bulk_create(rows, batch_size=2000, ignore_conflicts=True)
    # --- a year of activities ------------------------------------------------------------------------------------
    staff = ctx.users.get("staff")
    liaison = ctx.users.get("liaison_jf")
    start_day = today - datetime.timedelta(days=365)
    activities, shift_plan = [], []
    for t in teams + stations:
        per_month = 2.0 if t.kind == Team.Kind.TEAM else 0.5
        for m in range(int(12 * per_month) + 1):
            day = start_day + datetime.timedelta(days=int(m * 30.4 / per_month) + rng.randint(0, 10))
            title, desc, skill, length = rng.choice(ACTIVITY_KINDS)
            begin = timezone.make_aware(datetime.datetime.combine(day, datetime.time(rng.choice([8, 9, 14, 15]))))
            n_shifts = 1 if rng.random() < 0.7 else 2
            end = begin + datetime.timedelta(hours=length * n_shifts)
            past = end < now
            activities.append(Activity(team=t, title=title, description=desc, skills=skill, place=f"{t.unit.label}"
                                       f"{rng.choice(['广场', '党群服务中心', '活动室', '主干道路口'])}",
                                       starts_at=begin, ends_at=end, auto_approve=True, hours_confirmed=past,
                                       status=Activity.Status.CLOSED if past else Activity.Status.PUBLISHED,
                                       created_at=begin - datetime.timedelta(days=7)))
            shift_plan.append([(begin + datetime.timedelta(hours=length * i),
                                begin + datetime.timedelta(hours=length * (i + 1)), rng.randint(6, 15))
                               for i in range(n_shifts)])
    Activity.objects.bulk_create(activities, batch_size=1000)
    shifts = [Shift(activity=a, starts_at=s, ends_at=e, capacity=c) for a, plan in zip(activities, shift_plan,
                                                                                       strict=True)
              for s, e, c in plan]
    Shift.objects.bulk_create(shifts, batch_size=2000)
    signups: list[SignUp] = []
    hours: list[HourRecord] = []
    for sh in shifts:
        a = sh.activity
        pool = members.get(a.team_id) or by_street.get(str(a.team.unit.parent_id or a.team.unit_id)) or people
        past = sh.ends_at < now
        n = min(len(pool), int(sh.capacity * (rng.uniform(0.6, 1.0) if past else rng.uniform(0.1, 0.7))))
        for v in rng.sample(pool, n):
            if not past:
                signups.append(SignUp(shift=sh, volunteer=v, state=SignUp.State.APPROVED,
                                      created_at=sh.starts_at - datetime.timedelta(days=3)))
                continue
            if rng.random() < 0.05:
                signups.append(SignUp(shift=sh, volunteer=v, state=SignUp.State.NO_SHOW,
                                      created_at=sh.starts_at - datetime.timedelta(days=3)))
                continue
            t_in = sh.starts_at + datetime.timedelta(minutes=rng.randint(-15, 20))
            t_out = sh.ends_at + datetime.timedelta(minutes=rng.randint(-30, 15))
            signups.append(SignUp(shift=sh, volunteer=v, state=SignUp.State.CONFIRMED, checked_in_at=t_in,
                                  checked_out_at=t_out, created_at=sh.starts_at - datetime.timedelta(days=3)))
            h = actions.scan_hours(sh, t_in, t_out)
            hours.append(HourRecord(volunteer=v, unit_id=a.team.unit_id, team_id=a.team_id, activity=a,
                                    day=timezone.localtime(t_in).date(), started_at=max(t_in, sh.starts_at),
                                    ended_at=min(t_out, sh.ends_at), hours=h, content=a.title,
                                    source=HourRecord.Source.SCAN, status=HourRecord.Status.CONFIRMED,
                                    approver=liaison, created_at=sh.ends_at))
    SignUp.objects.bulk_create(signups, batch_size=5000)
    by_signup = {(s.shift_id, s.volunteer_id): s.pk for s in signups if s.state == SignUp.State.CONFIRMED}
    for r, s in zip(hours, [x for x in signups if x.state == SignUp.State.CONFIRMED], strict=True):
        r.signup_id = by_signup[(s.shift_id, s.volunteer_id)]
    # manual hours for volunteers without a phone: most confirmed by a second person, some waiting
    for _ in range(max(20, len(hours) // 60)):
        t = rng.choice(teams)
        v = rng.choice(members[t.pk])
        confirmed = rng.random() < 0.8
        h = Decimal(rng.choice([1, 1.5, 2, 3, 4]))
        hours.append(HourRecord(volunteer=v, unit_id=t.unit_id, team=t, day=today - datetime.timedelta(
            days=rng.randint(1, 300)), hours=h, content="入户走访（手工补录）", source=HourRecord.Source.MANUAL,
            status=HourRecord.Status.CONFIRMED if confirmed else HourRecord.Status.PENDING, approver=liaison,
            second_approver=staff if confirmed else None))
    HourRecord.objects.bulk_create(hours, batch_size=5000)
    # a few long-serving volunteers so every star level appears: their history is dated before the demo years,
    # or 60 imported records of 120–1,600 hours would double the district's hours of last year in its summary
    history = datetime.date(today.year - 3, 12, 31)
    for i, v in enumerate(rng.sample(people, min(len(people), 60))):
        extra = Decimal([120, 350, 650, 1100, 1600][i % 5])
        HourRecord.objects.create(
            volunteer=v, unit_id=v.unit_id, day=history, hours=extra,
            content="历年服务时长（从全国志愿服务信息系统导入）", source=HourRecord.Source.IMPORT,
            status=HourRecord.Status.CONFIRMED)
    confirmed_sum = (HourRecord.objects.filter(volunteer=OuterRef("pk"), status=HourRecord.Status.CONFIRMED)
                     .values("volunteer").annotate(t=Sum("hours")).values("t"))
    Volunteer.objects.update(total_hours=Coalesce(Subquery(confirmed_sum), Decimal(0)))
    # disputes
    scan_rows = list(HourRecord.objects.filter(source="scan").order_by("?")[:25])
    Dispute.objects.bulk_create([Dispute(hour_record=r, reason="签退时手机没电，实际服务到活动结束",
                                         claimed_hours=r.hours + Decimal(1)) for r in scan_rows])
    # service orders: 点单 → 派单 → 接单 → 评单
    orders = []
    for _ in range(max(60, int(180 * scale))):
        st = rng.choice(stations)
        cat = rng.choice(list(ORDER_TITLES))
        created = now - datetime.timedelta(days=rng.randint(0, 360))
        state = rng.choices(["rated", "delivered", "accepted", "dispatched", "ordered"], [60, 10, 8, 8, 14])[0]
        t = rng.choice(teams)
        orders.append(ServiceOrder(
            station=st, unit_id=st.unit_id, orderer_kind=rng.choice(["resident", "community"]),
            orderer_name=rng.choice(SURNAMES) + rng.choice(GIVEN) + rng.choice(GIVEN), category=cat,
            title=rng.choice(ORDER_TITLES[cat]), state=state, created_at=created,
            team=None if state == "ordered" else t,
            dispatched_at=None if state == "ordered" else created + datetime.timedelta(hours=5),
            accepted_at=created + datetime.timedelta(days=1) if state in ("accepted", "delivered", "rated") else None,
            delivered_at=created + datetime.timedelta(days=3) if state in ("delivered", "rated") else None,
            delivery_note="已按需求完成服务" if state in ("delivered", "rated") else "",
            rating=rng.choices([5, 4, 3, 2], [60, 28, 9, 3])[0] if state == "rated" else None,
            rated_at=created + datetime.timedelta(days=4) if state == "rated" else None))
    ServiceOrder.objects.bulk_create(orders, batch_size=1000)
    # certificates for a few volunteers (through the action)
    served = list(HourRecord.objects.filter(status="confirmed", team__isnull=False, source="scan")
                  .values_list("volunteer_id", "team_id").distinct()[:15])
    vols = Volunteer.objects.in_bulk([v for v, _ in served])
    tms = Team.objects.in_bulk([t for _, t in served])
    for vid, tid in served:
        certificates.issue_certificate(acting_user=None, volunteer=vols[vid], issuer=tms[tid], handler="王晓燕",
                                       by_volunteer=None)
    # today: an activity running now, for trying the loop on a phone
    jf = ctx.units.get("JF") or streets[0]
    jf_team = next((t for t in teams if t.unit_id == jf.pk), teams[0])
    begin = now.replace(minute=0, second=0, microsecond=0)
    demo_activity = actions.publish_activity(acting_user=None, team=jf_team, title="文明实践周末集中服务（演示）",
                             place=f"{jf.label}党群服务中心", description="扫码签到、签退演示活动",
                             shifts=[(begin + datetime.timedelta(hours=1), begin + datetime.timedelta(hours=4), 30),
                                     (begin + datetime.timedelta(days=1), begin + datetime.timedelta(days=1, hours=3),
                                      2)], auto_approve=True)
    demo_v = people[0]
    # the demo volunteer is already signed up for today's shift (its sign-up closes when it starts), so the check-in
    # can be tried from the phone at any time while the shift runs
    first_shift = demo_activity.shifts.order_by("starts_at", "id").first()
    if first_shift is not None:
        SignUp.objects.update_or_create(shift=first_shift, volunteer=demo_v, defaults={
            "state": SignUp.State.APPROVED, "created_at": now - datetime.timedelta(days=1)})
    ctx.log(f"志愿服务：{len(people)}名志愿者、{len(teams)}支队伍、{len(stations)}个文明实践阵地、"
            f"{len(activities) + 1}场活动、{len(hours)}条时长记录、{len(orders)}个点单。")
    ctx.log(f"志愿者登录（公众端 /public/volunteers/login/）：手机号 {demo_v.phone}，"
            "验证码在服务器日志中（未配置短信网关）。该志愿者已报名今天的“文明实践周末集中服务（演示）”，"
            "打开该活动的签到码即可扫码签到。")
