"""Demo 随手拍: a starter place list and dispatch catalogue, and a few hundred reports over the last four months in
every state (with small generated photos), some merged, rejected, answered, reopened and rated — built through
the actions with the clock set back, so timelines, deadlines and figures look like a real history."""

from __future__ import annotations

import datetime
import hashlib
import io
from contextlib import contextmanager
from typing import Any

from django.utils import timezone
from PIL import Image, ImageDraw

from taizhang.core.demo import DemoContext

from . import actions
from .models import Category, DispatchRule, Place, Report
from .photos import CleanPhoto

# (street code, places: (name, kind, dlat, dlng)) around a district centre
CENTRE = (37.8570, 112.5600)
PLACES = {
    "JF": [("解放路", "road", 0.004, 0.001), ("建设北路", "road", 0.006, -0.003),
           ("建设社区", "community", 0.005, 0.0), ("解放路菜市场", "landmark", 0.003, 0.002)],
    "YM": [("迎泽大街", "road", -0.004, 0.0), ("双塔寺街", "road", -0.006, 0.008),
           ("桥东社区", "community", -0.003, 0.004), ("迎泽公园东门", "landmark", -0.002, -0.004)],
    "LY": [("柳巷", "road", 0.001, 0.003), ("钟楼街", "road", 0.0, 0.005), ("钟楼社区", "community", 0.002, 0.004),
           ("柳巷步行街口", "landmark", 0.001, 0.002)],
    "QX": [("桥西大街", "road", 0.0, -0.010), ("朝阳社区", "community", 0.002, -0.012),
           ("桥西公交总站", "landmark", -0.001, -0.011)],
    "MZ": [("庙前街", "road", 0.008, 0.006), ("万达社区", "community", 0.009, 0.007),
           ("万达广场", "landmark", 0.010, 0.008)],
    "HT": [("郝庄正街", "road", -0.010, 0.015), ("双塔村", "community", -0.011, 0.016)],
    "TJ": [("杨家堡街", "road", -0.015, -0.012), ("杨家堡村", "community", -0.016, -0.013)],
}
DESCRIPTIONS = {
    "illegal_parking": ["汽车长期停在人行道上，行人只能走机动车道", "共享单车堆满盲道", "消防通道被私家车堵住"],
    "street_vending": ["早市摊贩占满人行道", "饭店在门外摆桌经营，油烟很大", "流动摊贩堵在学校门口"],
    "garbage": ["路边垃圾堆了好几天没人清", "垃圾桶满溢，气味很大", "绿化带里倒了一堆建筑垃圾"],
    "facility_damage": ["井盖松动，车过时响声很大，有安全隐患", "路灯一排都不亮", "公交站公益广告牌玻璃碎了"],
    "uncivil_behaviour": ["有人在墙上乱涂乱画", "小区里遛狗不牵绳，吓到小孩", "广场上有人随地扔烟头"],
    "other": ["公益宣传栏内容过期没有更新", "社区文化墙褪色严重"],
}
ANSWERS = {"illegal_parking": {"vehicle": "car"}, "street_vending": {"kind": "shop"},
           "facility_damage": {"facility": "lamp"}}
REPLIES = ["已安排人员现场处理，问题已整改。", "已联系责任方限期整改，现已恢复正常。",
           "执法队员已到场劝导，现场秩序恢复。", "已清运完毕，并增加了巡查频次。"]


def _photo(rng: Any, label: int) -> CleanPhoto:
    img = Image.new("RGB", (320, 240), (rng.randrange(120, 220), rng.randrange(120, 220), rng.randrange(120, 220)))
    draw = ImageDraw.Draw(img)
    for _ in range(4):
        x, y = rng.randrange(0, 280), rng.randrange(0, 200)
        draw.rectangle([x, y, x + rng.randrange(20, 90), y + rng.randrange(20, 60)],
                       fill=(rng.randrange(0, 255), rng.randrange(0, 255), rng.randrange(0, 255)))
    draw.text((10, 10), f"#{label}", fill=(0, 0, 0))
    out = io.BytesIO()
    img.save(out, format="JPEG", quality=60)
    small = img.copy()
    small.thumbnail((160, 160))
    thumb = io.BytesIO()
    small.save(thumb, format="JPEG", quality=60)
    data = out.getvalue()
    return CleanPhoto(data, thumb.getvalue(), 320, 240, hashlib.sha256(data).hexdigest())


@contextmanager
def _clock(at: datetime.datetime) -> Any:
    """Set back the clock of the citizen and case actions (both read their `_now`)."""
    from taizhang.cases import actions as case_actions

    old_c, old_k = actions._now, case_actions._now
    actions._now = lambda: at
    case_actions._now = lambda: at
    try:
        yield
    finally:
        actions._now = old_c
        case_actions._now = old_k


def _places(ctx: DemoContext) -> list[Place]:
    out = []
    for code, rows in PLACES.items():
        area = ctx.units.get(code)
        if area is None:
            continue
        for i, (name, kind, dlat, dlng) in enumerate(rows):
            place, _ = Place.objects.get_or_create(name=name, area=area, defaults={
                "kind": kind, "lat": CENTRE[0] + dlat, "lng": CENTRE[1] + dlng, "sort_order": i})
            out.append(place)
    return out


def _catalogue(ctx: DemoContext) -> None:
    cgj = ctx.units.get("CGJ")
    for cat in Category.objects.all():
        for code in PLACES:
            street = ctx.units.get(code)
            if street is None:
                continue
            unit = cgj if (cat.key == "facility_damage" and cgj is not None) else street
            DispatchRule.objects.get_or_create(category=cat, area=street, place=None, defaults={"unit": unit})


def build(ctx: DemoContext) -> None:
    from taizhang.cases import actions as cases
    from taizhang.cases.models import Case

    places = _places(ctx)
    _catalogue(ctx)
    if not places:
        return
    staff = ctx.users.get("staff")
    cats = list(Category.objects.filter(active=True))
    rng = ctx.rng
    scale = float(getattr(ctx, "scale", 1.0))
    n = max(40, int(220 * scale))
    now = timezone.make_aware(datetime.datetime.combine(ctx.today, datetime.time(10, 0)))
    recent: list[Report] = []
    counts = {"merged": 0, "rejected": 0, "answered": 0, "reopened": 0, "dispatched": 0}
    tail = max(12, n // 8)  # the last reports fall in the last three days: some are still new or in hand
    for i in range(n):
        age_days = (n - i) * 3 / tail if i >= n - tail else 3 + (n - tail - i) * 117 / (n - tail)
        submitted = now - datetime.timedelta(days=age_days, minutes=rng.randrange(0, 600))
        cat = rng.choice(cats)
        place = rng.choice(places)
        jitter = (rng.uniform(-0.0002, 0.0002), rng.uniform(-0.0002, 0.0002))
        photos = [_photo(rng, i)] if rng.random() < 0.35 else []
        with _clock(submitted):
            report = actions.submit_report(
                category=cat, description=rng.choice(DESCRIPTIONS.get(cat.key, ["发现问题，请处理"])),
                answers=ANSWERS.get(cat.key, {}), place=place if rng.random() < 0.6 else None,
                address="" if rng.random() < 0.7 else "附近", lat=(place.lat or 0) + jitter[0],
                lng=(place.lng or 0) + jitter[1], phone=f"139{rng.randrange(10000000, 99999999)}"
                if rng.random() < 0.6 else "", channel=Report.Channel.OPEN311 if rng.random() < 0.1
                else Report.Channel.WEB, submitted_at=submitted, clean_photos=photos)
        roll = rng.random()
        step = submitted + datetime.timedelta(hours=rng.randrange(1, 20))
        if age_days < 2 and roll < 0.6:
            continue  # still new
        if roll < 0.05 and recent:
            target = next((r for r in reversed(recent) if r.category_id == cat.pk and r.status != "merged"), None)
            if target is not None:
                with _clock(step):
                    actions.merge_report(acting_user=staff, report=report, into=target)
                counts["merged"] += 1
                continue
        if roll < 0.10:
            with _clock(step):
                actions.reject_report(acting_user=staff, report=report,
                                      reason="该问题属于物业管理范围，已告知联系物业。")
            counts["rejected"] += 1
            continue
        if roll < 0.20:
            with _clock(step):
                actions.answer_report(acting_user=staff, report=report, reply="经核实，该问题已由相关部门处理完毕。")
            counts["answered"] += 1
            _maybe_rate(rng, report, step + datetime.timedelta(days=1))
            continue
        with _clock(step):
            actions.accept_report(acting_user=staff, report=report)
            actions.dispatch_report(acting_user=staff, report=report)
        counts["dispatched"] += 1
        recent.append(report)
        case = Case.objects.for_subject(report).order_by("-id").first()
        if case is None or age_days < 1:
            continue
        worker = ctx.users.get("liaison_jf") if case.unit.code == "JF" else None
        days = rng.choice([1, 2, 2, 3, 4, 6]) if age_days > 6 else 1
        done = step + datetime.timedelta(days=days)
        with _clock(step + datetime.timedelta(hours=3)):
            cases.accept_case(acting_user=worker, case=case)
        if age_days < 3 and rng.random() < 0.5:
            continue  # being handled
        with _clock(done):
            cases.handle_case(acting_user=worker, case=case, reply="已处理", public_reply=rng.choice(REPLIES))
        if age_days < 4 and rng.random() < 0.5:
            continue  # waiting for verification
        with _clock(done + datetime.timedelta(hours=4)):
            cases.verify_case(acting_user=staff, case=case, passed=True)
        report.refresh_from_db()
        rated = _maybe_rate(rng, report, done + datetime.timedelta(days=1))
        if rated == "unsatisfied" and rng.random() < 0.6 and age_days > 10:
            with _clock(done + datetime.timedelta(days=1, hours=2)):
                actions.reopen_report(report=report, reason="问题没有彻底解决，又出现了")
            counts["reopened"] += 1
            again = done + datetime.timedelta(days=3)
            case.refresh_from_db()
            with _clock(again):
                cases.handle_case(acting_user=worker, case=case, reply="再次处理",
                                  public_reply="已再次整改并加强巡查。")
                cases.verify_case(acting_user=staff, case=case, passed=True)
            report.refresh_from_db()
            _maybe_rate(rng, report, again + datetime.timedelta(days=1), unhappy=0.1)
    ctx.log(f"随手拍：{n} 份报告（派单 {counts['dispatched']}、直接答复 {counts['answered']}、不予受理 "
            f"{counts['rejected']}、合并 {counts['merged']}、重新办理 {counts['reopened']}），{len(places)} 个地点；"
            "公众端在 /public/（随手拍 /public/report/）")


def _maybe_rate(rng: Any, report: Report, at: datetime.datetime, unhappy: float = 0.15) -> str:
    if rng.random() > 0.7 or not report.can_rate:
        return ""
    roll = rng.random()
    rating = "unsatisfied" if roll < unhappy else ("basically_satisfied" if roll < unhappy + 0.2 else "satisfied")
    with _clock(at):
        actions.rate_report(report=report, rating=rating)
    return rating
