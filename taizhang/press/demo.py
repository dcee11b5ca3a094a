"""Demo press work: the district's and units' new-media accounts (one dormant, one warned, one failed check with
its rectification case), a quarter of statistics, the year's conference plan with one conference held and
archived, spokespersons, correspondents whose adopted pieces are scored once and counted as placements."""

from __future__ import annotations

import datetime
import io
from typing import Any

from django.core.files.uploadedfile import SimpleUploadedFile

from taizhang.core.demo import DemoContext
from taizhang.ledger.models import Outlet
from taizhang.press import actions
from taizhang.press.models import AccountCheck, AccountStat, Conference, NewMediaAccount

ACCOUNTS = [  # unit, platform, name, days since the last post (today)
    ("WBL", "wechat", "万柏林发布", 0), ("WBL", "weibo", "万柏林发布", 1), ("WBL", "douyin", "万柏林发布", 2),
    ("WBL", "channels", "万柏林发布", 3), ("MED", "app", "万柏林融媒", 0), ("MED", "toutiao", "万柏林融媒", 1),
    ("JF", "wechat", "解放街道", 2), ("YM", "wechat", "迎泽街道", 4), ("LY", "wechat", "柳巷街道", 9),
    ("QX", "wechat", "桥西街道", 1), ("MZ", "wechat", "庙前街道", 3), ("HT", "wechat", "郝庄镇", 17),
    ("TJ", "wechat", "杨家堡镇", 5), ("EDU", "wechat", "万柏林教育", 1), ("EDU", "douyin", "万柏林教育", 6),
    ("CUL", "wechat", "万柏林文旅", 0), ("CUL", "douyin", "万柏林文旅", 2), ("HLT", "wechat", "健康万柏林", 2),
    ("CGJ", "wechat", "万柏林城管", 12), ("SCJ", "wechat", "万柏林市场监管", 3), ("TW", "wechat", "青春万柏林", 4),
    ("FL", "wechat", "万柏林妇联", 8),
]
TOPICS = ["一季度经济运行情况", "优化营商环境新举措", "文明城市创建工作进展", "汾河西岸生态修复", "教育惠民政策解读",
          "老旧小区改造计划", "夏季文旅消费活动", "年度民生实事进展"]
PLAN_UNITS = ["WBL", "HUB", "CUL", "CGJ", "EDU", "HUB", "CUL", "WBL"]
CORRESPONDENTS = [("JF", "王晓燕"), ("JF", "刘建军"), ("YM", "陈思雨"), ("EDU", "张海涛"), ("CUL", "李婷"),
                  ("HT", "赵振华"), ("MED", "孙明")]
PIECES = ["社区“微更新”让老街换新颜", "15分钟便民生活圈加快建设", "夜间文旅消费点亮城市烟火气",
          "家门口的新时代文明实践站", "“双减”之后孩子们的课后时光", "汾河湿地迎来越冬候鸟",
          "老旧小区加装电梯惠及千余户", "非遗进校园 传承有新招", "志愿者服务队守护夕阳红"]


def _png() -> bytes:
    from PIL import Image

    out = io.BytesIO()
    Image.new("RGB", (64, 48), (180, 40, 40)).save(out, format="PNG")
    return out.getvalue()


def _outlets(rng: Any) -> dict[str, list[Outlet]]:
    local = [("太原日报", "municipal"), ("太原广播电视台", "municipal"), ("万柏林融媒体中心", "district")]
    for name, level in local:
        Outlet.objects.get_or_create(name=name, defaults={"level": level, "kind": Outlet.Kind.NEWSPAPER})
    return {level: list(Outlet.objects.filter(level=level, is_active=True).order_by("id")[:20])
            for level in ("national", "provincial", "municipal", "district")}


def build(ctx: DemoContext) -> None:
    units, users = ctx.units, ctx.users
    if "WBL" not in units or "staff" not in users:
        return
    staff, today, rng = users["staff"], ctx.today, ctx.rng
    accounts: list[NewMediaAccount] = []
    for code, platform, name, days in ACCOUNTS:
        if code not in units:
            continue
        filing = actions.file_new_account(acting_user=None, unit=units[code], platform=platform, name=name,
                                          operator="运维专员", reviewer="分管领导", reason="工作需要")
        actions.decide_filing(acting_user=staff, filing=filing, approve=True)
        NewMediaAccount.objects.filter(pk=filing.account_id).update(
            opened_on=today - datetime.timedelta(days=700 + rng.randint(0, 400)),
            last_post_date=today - datetime.timedelta(days=days))
        accounts.append(NewMediaAccount.objects.get(pk=filing.account_id))
    # one opening waiting for review, a second account on one platform questioned
    if "JF" in units:
        actions.file_new_account(acting_user=None, unit=units["JF"], platform="wechat", name="解放街道文明实践",
                                 reason="专门发布新时代文明实践活动")
    # statistics: the last 12 full weeks
    monday = today - datetime.timedelta(days=today.weekday() + 7)
    rows = []
    for account in accounts:
        followers = rng.randint(2000, 60000)
        for week in range(12):
            start = monday - datetime.timedelta(weeks=week)
            end = start + datetime.timedelta(days=6)
            posts = rng.randint(3, 15)
            followers -= rng.randint(0, 120)
            last = min(end, account.last_post_date or end)
            rows.append({"account": account, "period_start": start, "period_end": end, "posts": posts,
                         "reads": posts * rng.randint(300, 3000), "likes": rng.randint(20, 800),
                         "shares": rng.randint(5, 300), "comments": rng.randint(0, 120),
                         "new_followers": rng.randint(0, 150), "total_followers": max(0, followers),
                         "last_post_date": last, "top_post_title": rng.choice(PIECES),
                         "top_post_reads": rng.randint(1000, 20000)})
    AccountStat.objects.bulk_create([AccountStat(**r) for r in rows])
    # this month's sampled checks: most pass, the dormant town account and the city-management one fail
    checks = actions.sample_accounts(acting_user=staff, month=today, share=0.5)
    by_name = {c.account.unit.code: c for c in AccountCheck.objects.filter(pk__in=[c.pk for c in checks])
               .select_related("account__unit")}
    for account in accounts:
        if account.unit.code in ("HT", "CGJ") and account.unit.code not in by_name:
            by_name[account.unit.code] = actions.check_account(acting_user=staff, account=account, on=today)
    for check in AccountCheck.objects.filter(result=AccountCheck.Result.PENDING).select_related("account__unit"):
        failed = ["late_update", "wording_error", "broken_function"] if check.account.unit.code == "CGJ" else []
        actions.record_check(acting_user=staff, check=check, failed=failed)
    # post review: one waiting for 复审, one published
    jf = users.get("liaison_jf")
    jf_account = next((a for a in accounts if a.unit.code == "JF"), None)
    if jf and jf_account:
        review = actions.submit_post(acting_user=jf, account=jf_account, title="解放街道冬季供暖服务指南",
                                     content="为保障辖区居民温暖过冬，街道开通供暖服务热线……")
        actions.sign_post(acting_user=jf, review=review, approve=True)
    _conferences(ctx, staff)
    _correspondents(ctx, staff)
    ctx.log(f"新闻宣传：{len(accounts)} 个政务新媒体账号，{len(rows)} 条周统计")


def _conferences(ctx: DemoContext, staff: Any) -> None:
    units, today = ctx.units, ctx.today
    year = today.year
    plans = []
    for month, (topic, code) in enumerate(zip(TOPICS, PLAN_UNITS, strict=True), start=2):
        if code not in units or month > 12:
            continue
        day = datetime.date(year, month, 15 if month % 2 else 20)
        plans.append(actions.plan_conference(acting_user=staff, year=year, unit=units[code], topic=topic,
                                             planned_date=day, spokesperson="新闻发言人"))
    held = [p for p in plans if p.planned_date < today][:-2]  # the two latest past plans were skipped
    for plan in held:
        conf = Conference.objects.create(
            plan=plan, unit=plan.unit, topic=plan.topic, date=plan.planned_date, place="区政府新闻发布厅",
            speakers=plan.spokesperson, by_leader=plan.unit.code == "WBL", state=Conference.State.APPROVED,
            filed_at=datetime.datetime.combine(plan.planned_date - datetime.timedelta(days=7), datetime.time(9),
                                               tzinfo=datetime.UTC))
        actions.record_held(acting_user=None, conference=conf, expected_version=conf.version,
                            journalists=ctx.rng.randint(8, 25), outlets_present="山西日报、太原日报、太原广播电视台")
    last = Conference.objects.filter(state=Conference.State.HELD).order_by("-date").first()
    if last is not None:
        png = _png()
        for kind, name, data in [("release", "新闻通稿.txt", "新闻通稿全文……".encode()),
                                 ("transcript", "发布实录.txt", "发布实录全文……".encode()),
                                 *[("photo", f"现场照片{i}.png", png) for i in range(1, 9)]]:
            actions.add_material(acting_user=None, conference=last, kind=kind,
                                 upload=SimpleUploadedFile(name, data))
        actions.archive_conference(acting_user=None, conference=last)
    upcoming = [p for p in plans if p.planned_date >= today]
    if upcoming and upcoming[0].unit.code in units:
        actions.file_conference(acting_user=None, unit=upcoming[0].unit, topic=upcoming[0].topic,
                                date=upcoming[0].planned_date, place="区政府新闻发布厅", plan=upcoming[0])
    names = ["刘志强", "郭慧敏", "任晓东", "韩雪", "杜建国", "范丽萍", "武海峰", "贾文静"]
    for code, name in zip(("WBL", "EDU", "CUL", "HUB", "CGJ", "HLT", "JF", "YM"), names, strict=True):
        if code in units:
            actions.add_spokesperson(acting_user=None, year=year, unit=units[code], name=name,
                                     position="分管副职", trained=code in ("WBL", "EDU", "CUL"))


def _correspondents(ctx: DemoContext, staff: Any) -> None:
    units, today, rng = ctx.units, ctx.today, ctx.rng
    outlets = _outlets(rng)
    people = [actions.add_correspondent(acting_user=None, unit=units[code], name=name)
              for code, name in CORRESPONDENTS if code in units]
    start = datetime.date(today.year, 1, 1)
    for i, title in enumerate(PIECES * 3):
        person = people[i % len(people)]
        day = start + datetime.timedelta(days=rng.randint(0, max(1, (today - start).days - 10)))
        piece = actions.submit_piece(acting_user=None, correspondent=person, title=title if i < len(PIECES)
                                     else f"{title}（{i // len(PIECES) + 1}）", submitted_on=day,
                                     kind="article" if i % 4 == 0 else "news")
        roll = rng.random()
        if roll < 0.15:
            continue  # still pending
        if roll < 0.3:
            actions.record_adoption(acting_user=staff, submission=piece, adopted=False,
                                    expected_version=piece.version)
            continue
        level = rng.choices(["national", "provincial", "municipal", "district"], weights=[1, 3, 6, 8])[0]
        choices = outlets.get(level) or outlets["provincial"]
        actions.record_adoption(acting_user=staff, submission=piece, adopted=True, expected_version=piece.version,
                                outlet=rng.choice(choices), adopted_on=day + datetime.timedelta(days=rng.randint(1, 6)))
    # the department approves the placements the adoptions created, so the ledger counts each piece once
    from taizhang.ledger import actions as ledger
    from taizhang.ledger.models import Record

    for record in Record.objects.filter(placement__submissions__isnull=False, status=Record.Status.SUBMITTED
                                        ).distinct()[:10]:
        ledger.approve_record(acting_user=None, record=record)
    # the same story carried again at a higher level: scored once, at the higher level
    first = next((s for s in people[0].submissions.filter(result="adopted").order_by("id")), None)
    if first is not None and outlets["national"]:
        again = actions.submit_piece(acting_user=None, correspondent=people[0], title=first.title,
                                     submitted_on=first.submitted_on)
        actions.record_adoption(acting_user=staff, submission=again, adopted=True, expected_version=again.version,
                                outlet=outlets["national"][0], adopted_on=first.adopted_on or today)

