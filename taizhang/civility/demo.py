"""Demo civility data: the starter framework, a district's worth of sites of every type across the demo streets and
communities, six weeks of rounds and inspections (problems in every state, some recurring), document reviews,
surveys, titles and pairings, and a monthly bulletin. Deterministic (ctx.rng, ctx.today) and quick.

Cases are dispatched with the case loop's clock set to the inspection's time, so deadlines and overdue problems
are what they would have been."""

from __future__ import annotations

import datetime
import io
import uuid
from contextlib import contextmanager, suppress
from typing import Any
from unittest import mock

from django.contrib.auth import get_user_model
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from taizhang.civility import actions
from taizhang.civility.actions.framework import METHOD_BY_LABEL
from taizhang.civility.actions.problems import unmet_text
from taizhang.civility.demo_framework import FRAMEWORK
from taizhang.civility.models import Problem, Site, SiteType, Standard
from taizhang.core.demo import DEMO_PASSWORD, DemoContext
from taizhang.core.errors import TaizhangError
from taizhang.org import actions as org_actions
from taizhang.org.models import Unit
from taizhang.org.roles import Role

WEEKS = 4
STREET_SITES = [("market", "农贸市场"), ("back_street", "背街"), ("back_street", "巷"), ("main_street", "路"),
                ("park", "广场"), ("toilet", "公厕"), ("school_gate", "学校周边"), ("supermarket", "超市")]
DISTRICT_SITES = [("station", "火车站", "CGJ"), ("station", "长途汽车站", "CGJ"), ("hospital", "区人民医院", "HLT"),
                  ("hospital", "区中医院", "HLT"), ("service_hall", "区政务服务中心", "WBL"),
                  ("mall", "万达广场", "SCJ"), ("mall", "华润万象城", "SCJ"), ("culture", "区图书馆", "CUL"),
                  ("culture", "区文化馆", "CUL"), ("toilet", "火车站公厕", "CGJ")]


def _jpeg(rng: Any, color: tuple[int, int, int]) -> SimpleUploadedFile:
    from PIL import Image, ImageDraw

    image = Image.new("RGB", (240, 180), color)
    draw = ImageDraw.Draw(image)
    for _ in range(3):
        x, y = rng.randrange(0, 200), rng.randrange(0, 140)
        draw.rectangle([x, y, x + rng.randrange(10, 40), y + rng.randrange(10, 40)], fill=(rng.randrange(256),
                                                                                           rng.randrange(256), 90))
    out = io.BytesIO()
    image.save(out, "JPEG", quality=70)
    return SimpleUploadedFile("photo.jpg", out.getvalue(), content_type="image/jpeg")


def _at(day: datetime.date, hour: int) -> datetime.datetime:
    return datetime.datetime.combine(day, datetime.time(hour, 30), tzinfo=timezone.get_current_timezone())


@contextmanager
def _clock(moment: datetime.datetime) -> Any:
    """The case loop's clock at `moment` (its actions read `_now`), so a past inspection dispatches as it did."""
    try:
        from taizhang.cases import actions as case_actions
    except ImportError:
        yield
        return
    with mock.patch.object(case_actions, "_now", return_value=moment):
        yield


def _user(ctx: DemoContext, username: str, display: str, role: str, unit: Unit) -> Any:
    user = get_user_model().objects.filter(username=username).first()
    if user is None:
        user = get_user_model().objects.create_user(username=username, password=DEMO_PASSWORD)
        user.display_name = display
        user.save(update_fields=["display_name"])
    org_actions.grant_role(acting_user=None, user=user, unit=unit, role=role)
    ctx.users[username] = user
    ctx.logins.append((username, Role(role).label, unit.name))
    return user


def build(ctx: DemoContext) -> None:
    root = ctx.units.get("WBL") or Unit.objects.filter(parent__isnull=True).first()
    if root is None:
        return
    rng = ctx.rng
    staff = ctx.users.get("staff")
    inspector = _user(ctx, "inspector", "文明办测评员", Role.REVIEWER, root)
    fw = _framework(root)
    sites = _sites(ctx, root)
    monday = ctx.today - datetime.timedelta(days=ctx.today.weekday())
    weeks = [monday - datetime.timedelta(weeks=n) for n in range(WEEKS - 1, -1, -1)]
    type_groups = [list(SiteType.values[i::3]) for i in range(3)]
    rounds = []
    for n, week in enumerate(weeks):
        rounds.append(actions.create_round(
            acting_user=None, framework=fw, owner=root, name=f"第{n + 1}轮实地测评", week_start=week,
            mode="unannounced" if n % 2 == 0 else "announced", site_types=type_groups[n % 3],
            teams=[{"name": f"第{k}督导组", "leader": inspector, "members": [inspector],
                    "site_types": type_groups[(n + k) % 3][:2]} for k in (1, 2)]))
    applicable = {t: actions.checklist(Site(type=t), fw) for t in SiteType.values}
    weak_sites = set(rng.sample([s.pk for s in sites], k=max(3, len(sites) // 8)))
    problems: list[Problem] = []
    for week, rnd in zip(weeks, rounds, strict=True):
        if week > ctx.today:
            continue
        chosen = [s for s in sites if s.type in rnd.site_types and rng.random() < 0.8]
        for site in chosen:
            day = min(ctx.today, week + datetime.timedelta(days=rng.randrange(0, 5)))
            moment = _at(day, rng.randrange(9, 17))
            fail_rate = 0.25 if site.pk in weak_sites else 0.05
            answers = []
            for s in applicable[site.type]:
                met = rng.random() >= fail_rate
                answers.append({"standard": s.pk, "met": met, "note": "" if met else _note(s, rng)})
            if not answers:
                continue
            photos = []
            failed = [a for a in answers if not a["met"]]
            if failed and rng.random() < 0.4:
                photos.append({"file": _jpeg(rng, (150, 140, 130)), "standard": failed[0]["standard"],
                               "taken_at": moment})
            with _clock(moment):
                inspection, _ = actions.submit_inspection(
                    acting_user=inspector, uuid=uuid.UUID(int=rng.getrandbits(128)), site=site, answers=answers,
                    framework=fw, round=rnd, started_at=moment - datetime.timedelta(minutes=20),
                    submitted_at=moment, latitude=site.latitude, longitude=site.longitude, photos=photos)
            problems += list(inspection.problems.all())
    _work_problems(ctx, problems, staff)
    _documents_and_surveys(ctx, fw, staff)
    _titles(ctx, root, staff)
    if staff is not None and weeks:
        last_month = (ctx.today.replace(day=1) - datetime.timedelta(days=1))
        spec = f"{ctx.today.year}-{ctx.today.month:02d}" if ctx.today.day > 20 else \
            f"{last_month.year}-{last_month.month:02d}"
        with suppress(TaizhangError):  # a month without data simply has no demo bulletin
            actions.create_bulletin(acting_user=staff, owner=root, kind="monthly", period_spec=spec)
    ctx.log(f"文明创建：测评体系{Standard.objects.filter(framework=fw).count()}条标准，点位{len(sites)}个，"
            f"问题{len(problems)}个；测评员 inspector")


def _note(standard: Standard, rng: Any) -> str:
    notes = {"1.2.1": ["门口有流动摊贩占道", "店外经营，占用人行道"], "2.1.1": ["地面有烟头和果皮", "墙角堆放杂物"],
             "2.1.3": ["公厕有异味，保洁记录缺失", "洗手池损坏"], "2.3.1": ["公益广告破损褪色", "公益广告数量不足"],
             "1.1.2": ["共享单车乱停放，占用盲道"], "1.3.2": ["电线杆上有小广告"], "6.2.1": ["有人随地吐痰、乱扔垃圾"]}
    # No cut in the middle of a phrase: the whole standard, marked as not met (the title is cut at its end).
    return rng.choice(notes.get(standard.code, [unmet_text(standard)]))


def _framework(root: Unit) -> Any:
    fw = actions.create_framework(acting_user=None, key="wbl", name="万柏林区文明城市创建测评体系（演示）", owner=root,
                                  notes="演示用：参照县级测评体系的结构编写，非正式文本")
    order = 0
    for pkey, pname, contents in FRAMEWORK:
        project = actions.add_project(acting_user=None, framework=fw, key=pkey, name=pname)
        for ckey, cname, standards in contents:
            content = actions.add_content(acting_user=None, project=project, key=ckey, name=cname)
            for code, text, points, method, types in standards:
                order += 1
                actions.add_standard(acting_user=None, content=content, code=code, text=text, points=points,
                                     method=METHOD_BY_LABEL[method], site_types=types)
    actions.activate_framework(acting_user=None, framework=fw)
    return fw


def _sites(ctx: DemoContext, root: Unit) -> list[Site]:
    rng = ctx.rng
    out: list[Site] = []
    n = 0

    def add(unit: Unit, site_type: str, name: str) -> None:
        nonlocal n
        n += 1
        out.append(actions.create_site(
            acting_user=None, code=f"WM{n:04d}", type=site_type, name=name, unit=unit,
            address=f"{unit.name}辖区", latitude=f"37.{rng.randrange(800000, 899999)}",
            longitude=f"112.{rng.randrange(400000, 599999)}", lead_name=f"{unit.name[:2]}负责人",
            lead_phone=f"139{rng.randrange(10000000, 99999999)}"))

    streets = Unit.objects.filter(parent=root, kind__in=[Unit.Kind.STREET, Unit.Kind.TOWN]).order_by("sort_order")
    for street in streets:
        children = list(Unit.objects.filter(parent=street).order_by("sort_order"))
        short = street.name[:2]
        for i, (site_type, word) in enumerate(STREET_SITES):
            owner = children[i % len(children)] if children and site_type in ("market", "toilet", "park") else street
            add(owner, site_type, f"{short}{word}" if site_type != "back_street" else f"{short}{word}{i}号")
        for child in children:
            add(child, "community" if child.kind == Unit.Kind.COMMUNITY else "practice", child.name)
    for site_type, name, code in DISTRICT_SITES:
        unit = ctx.units.get(code) or Unit.objects.filter(code=code).first() or root
        add(unit, site_type, name)
    return out


def _work_problems(ctx: DemoContext, problems: list[Problem], staff: Any) -> None:
    """Move problems through every state: rectified and closed, rectified awaiting re-inspection, sent back on
    re-inspection, still open (some overdue)."""
    rng = ctx.rng
    for problem in problems:
        roll = rng.random()
        age = (ctx.today - problem.found_on).days
        if age < 3 or roll < 0.2:
            continue  # still open (older ones are overdue)
        worker = _unit_user(problem.unit)
        if worker is None:
            continue
        done = problem.found_on + datetime.timedelta(days=rng.randrange(1, min(age, 9)))
        with _clock(_at(done, 15)):
            before = [_jpeg(rng, (140, 120, 110))] if roll < 0.5 else []
            actions.rectify_problem(acting_user=worker, problem=problem, reply="已按要求整改到位",
                                    before=before, after=[_jpeg(rng, (90, 160, 90))], on=done)
        if roll < 0.35 or staff is None:
            continue  # awaiting re-inspection
        check = min(ctx.today, done + datetime.timedelta(days=rng.randrange(1, 4)))
        passed = roll >= 0.45
        with _clock(_at(check, 16)):
            actions.reinspect_problem(acting_user=staff, problem=problem, passed=passed, on=check,
                                      note="" if passed else "复查仍有问题，请继续整改")


_unit_users: dict[int, Any] = {}


def _unit_user(unit: Unit) -> Any:
    """A liaison of the unit, made for the demo when it has none."""
    if unit.pk not in _unit_users:
        username = f"wm_{unit.code.lower()}"
        user = get_user_model().objects.filter(username=username).first()
        if user is None:
            user = get_user_model().objects.create_user(username=username, password=DEMO_PASSWORD)
            user.display_name = f"{unit.name}创建联络员"
            user.save(update_fields=["display_name"])
            org_actions.grant_role(acting_user=None, user=user, unit=unit, role=Role.LIAISON)
        _unit_users[unit.pk] = user
    return _unit_users[unit.pk]


def _documents_and_surveys(ctx: DemoContext, fw: Any, staff: Any) -> None:
    rng = ctx.rng
    streets = list(Unit.objects.filter(kind__in=[Unit.Kind.STREET, Unit.Kind.TOWN]).order_by("sort_order"))
    for standard in Standard.objects.filter(framework=fw, method="document"):
        for street in streets:
            doc = actions.submit_document(
                acting_user=None, standard=standard, unit=street, note="演示材料",
                uploaded=SimpleUploadedFile(f"{street.name}{standard.code}.txt",
                                            f"{street.name}{standard.text}（演示材料）".encode()),
                day=ctx.today - datetime.timedelta(days=rng.randrange(3, 20)))
            if staff is not None and rng.random() < 0.8:
                accept = rng.random() < 0.8
                actions.review_document(acting_user=staff, submission=doc, accept=accept,
                                        reason="" if accept else "缺少盖章页，请补充后重新报送",
                                        day=ctx.today - datetime.timedelta(days=rng.randrange(0, 3)))
    for standard in Standard.objects.filter(framework=fw, method__in=["survey", "online"]):
        for street in streets:
            respondents = rng.randrange(80, 200)
            actions.record_survey(acting_user=None, standard=standard, unit=street,
                                  surveyed_on=ctx.today - datetime.timedelta(days=rng.randrange(1, 25)),
                                  respondents=respondents, satisfied=int(respondents * rng.uniform(0.72, 0.97)))


def _titles(ctx: DemoContext, root: Unit, staff: Any) -> None:
    rng = ctx.rng
    year = ctx.today.year
    units = list(Unit.objects.filter(kind__in=[Unit.Kind.BUREAU, Unit.Kind.SCHOOL, Unit.Kind.ENTERPRISE]))
    villages = list(Unit.objects.filter(kind__in=[Unit.Kind.VILLAGE, Unit.Kind.TOWN]))
    communities = list(Unit.objects.filter(kind=Unit.Kind.COMMUNITY))
    plans: list[tuple[str, str, Unit, str, str]] = []
    for unit in units[:8]:
        kind = "campus" if unit.kind == Unit.Kind.SCHOOL else "unit"
        plans.append((kind, rng.choice(["district", "city", "city", "province"]), unit, unit.name, ""))
    for village in villages[:5]:
        plans.append(("village", rng.choice(["district", "city"]), village, village.name, ""))
    surnames = "王李张刘陈杨赵黄周吴"
    for community in communities[:6]:
        plans.append(("family", "district", community, "", rng.choice(surnames) + rng.choice("建国秀英志强丽华")))
    awarded = []
    for kind, level, unit, applicant, family in plans:
        app = actions.apply_title(acting_user=None, kind=kind, level=level, unit=unit, year=year - rng.choice([0, 1]),
                                  applicant=applicant, family_name=family, summary="演示申报材料")
        if staff is None:
            continue
        steps = ["district", "city", "province", "national"]
        target = steps.index(level) + 1
        reviews = target if rng.random() < 0.7 else rng.randrange(0, target)
        for _ in range(reviews):
            actions.review_application(acting_user=staff, application=app, approve=True,
                                       on=ctx.today - datetime.timedelta(days=rng.randrange(30, 400)))
            app.refresh_from_db()
        if app.status == "awarded":
            awarded.append(app.title)
    if staff is not None and awarded:
        for title in awarded[:-1]:
            if title.awarded_on.year < year:
                actions.check_title(acting_user=staff, title=title, year=year, passed=True, note="年度复查合格")
        actions.revoke_title(acting_user=staff, title=awarded[-1], reason="发生严重失信事件，经研究撤销称号")
    bureaus = [u for u in units if u.kind == Unit.Kind.BUREAU]
    if staff is not None:
        for bureau, community in zip(bureaus, communities, strict=False):
            actions.create_pairing(acting_user=staff, unit=bureau, partner=community,
                                   started_on=ctx.today - datetime.timedelta(days=rng.randrange(60, 700)),
                                   content="共建文明社区：环境整治、志愿服务、文明实践")
