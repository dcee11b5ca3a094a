"""Demo role models: this year's district campaign taken from nomination through sector sign-offs (one nominee fails
the credit check), the jury, 公示 (one objection investigated and answered on record), a public vote with a planted
brushing burst caught (taizhang.votes), the result with the fixed shares, honourees in the library with a promotion
article, a lecture and a care visit; last years' honourees; and a 美德少年 campaign on public notice now (a minor
shown by initials), so the portal has something open. A district selects a handful of people a year.

The demo ledger (taizhang.ledger.demo, built before this) reports role models by kind — 好人, 道德模范, 美德少年,
其他先进典型 (rm_good_people …) — on the district's selection records; 选树典型人数 (honours_selected) counts the
people honoured here, and a summary writes those kinds within it (“选树典型22名，其中评选表彰好人8名…”). So every
such record's people are entered in the library too, honoured on the record's day within the record's unit
(`_ledger_honourees`): whatever the period and unit, the library holds at least as many people as the ledger
reports of any kind."""

from __future__ import annotations

import datetime
from typing import Any

from django.utils import timezone

from taizhang.core.demo import DemoContext
from taizhang.honours import actions, library
from taizhang.honours.models import Campaign, Juror, Level, Nomination, QualificationItem, Stage

DEEDS = {
    "助人为乐": "退休后坚持十二年义务为社区独居老人理发、买菜、陪同就医，组织“银发互助队”结对帮扶老人四十余户。",
    "见义勇为": "深夜下班途中发现居民楼起火，冲入楼道逐户敲门疏散群众，背出行动不便的老人两名，自己手臂被烧伤。",
    "诚实守信": "经营小吃店二十年，疫情期间店铺停业仍按时足额支付员工工资，并主动退还顾客预付的储值卡余额三万余元。",
    "敬业奉献": "扎根社区卫生服务站十八年，建立慢病随访档案两千余份，常年利用休息日上门为卧床病人换药、测血压。",
    "孝老爱亲": "照顾瘫痪在床的婆婆十五年，同时抚养已故哥哥的两个孩子，两个孩子均考上大学，邻里称赞“好媳妇”。",
    "美德少年": "在校园里拾金不昧，把捡到的钱包交还失主；坚持每周到敬老院陪老人读报，带动同学参加志愿服务。",
    "志愿服务": "十年如一日参加社区志愿服务，牵头成立邻里互助志愿服务队，累计服务三千余小时，"
                "带动身边百余人加入志愿者队伍。",
}
PEOPLE = [  # (name, gender, birth year, unit code, workplace, category)
    ("赵德顺", "male", 1956, "JF01", "解放街道建设社区居民", "助人为乐"),
    ("钱玉兰", "female", 1962, "YM", "迎泽街道南华社区居民", "助人为乐"),
    ("孙志刚", "male", 1985, "LY", "太原某物流公司驾驶员", "见义勇为"),
    ("李红梅", "female", 1971, "QX", "桥西街道“李记小吃”店主", "诚实守信"),
    ("周建华", "male", 1978, "MZ", "庙前街道社区卫生服务站医生", "敬业奉献"),
    ("吴秀英", "female", 1968, "HT", "郝庄镇松庄村村民", "孝老爱亲"),
    ("郑海波", "male", 1990, "TJ", "杨家堡镇西岗村村民", "见义勇为"),
    ("王淑芬", "female", 1959, "JF", "解放街道和平社区居民", "孝老爱亲"),
    ("冯国强", "male", 1975, "EDU", "区第三中学教师", "敬业奉献"),
]


def _id_number(birth: datetime.date, n: int) -> str:
    body = f"140109{birth:%Y%m%d}{n % 1000:03d}"
    total = sum(int(c) * w for c, w in zip(body, actions.ID_WEIGHTS, strict=True))
    return body + actions.ID_CHECK[total % 11]


def _phone(n: int) -> str:
    return f"1393510{n % 10000:04d}"


def _dates(today: datetime.date, offsets: tuple[int, ...]) -> dict[str, datetime.date]:
    return {f: today + datetime.timedelta(days=o) for f, o in zip(actions.DATE_FIELDS, offsets, strict=True)}


def _unit(ctx: DemoContext, code: str) -> Any:
    return ctx.units.get(code) or next(iter(ctx.units.values()))


def _root(ctx: DemoContext) -> Any:
    return next(u for u in ctx.units.values() if u.parent_id is None)


def _past_honourees(ctx: DemoContext, staff: Any) -> None:
    today = ctx.today
    rows = [("刘长福", "male", 1950, "JF", "解放街道新华社区居民", "助人为乐", 1),
            ("陈桂兰", "female", 1964, "YM", "迎泽街道桥东社区居民", "孝老爱亲", 1),
            ("杨志宏", "male", 1982, "LY", "区消防救援大队队员", "见义勇为", 1),
            ("刘长福", "male", 1950, "JF", "解放街道新华社区居民", "助人为乐", 2)]  # one person, two honours
    for i, (name, gender, year, code, workplace, category, back) in enumerate(rows):
        birth = datetime.date(year, 3, 8 + (0 if name == "刘长福" else i))
        serial = 900 if name == "刘长福" else 900 + i  # the same ID number: one person in the library
        library.record_honour(
            acting_user=staff, unit=_unit(ctx, code), name=name, gender=gender, birth_date=birth, workplace=workplace,
            phone=_phone(serial), id_number=_id_number(birth, serial), deeds=DEEDS[category],
            title="万柏林好人" if back == 1 else "太原好人", level="district" if back == 1 else "municipal",
            year=today.year - back, category=category, awarded_on=datetime.date(today.year - back, 12, 20))


# The ledger's role-model kinds (the reports library's ``part_of`` within honours_selected): the honour a person of
# that kind holds, by the level of the selection record, and the category of their deeds.
LEDGER_KINDS: dict[str, tuple[dict[str, str], tuple[str, ...]]] = {
    "rm_good_people": ({"district": "万柏林好人", "municipal": "太原好人", "provincial": "山西好人",
                        "national": "中国好人"}, ("助人为乐", "见义勇为", "诚实守信", "敬业奉献", "孝老爱亲")),
    "rm_moral_models": ({"district": "万柏林区道德模范", "municipal": "太原市道德模范", "provincial": "山西省道德模范",
                         "national": "全国道德模范"}, ("敬业奉献", "孝老爱亲", "诚实守信", "见义勇为", "助人为乐")),
    "rm_youth": ({"district": "万柏林区美德少年", "municipal": "太原市美德少年", "provincial": "山西省美德少年",
                  "national": "全国美德少年"}, ("美德少年",)),
    "rm_other_models": ({"district": "万柏林区最美志愿者", "municipal": "太原市最美志愿者",
                         "provincial": "山西省最美志愿者", "national": "全国最美志愿者"}, ("志愿服务",)),
}
SELECTION_LEVELS = {"rm_local_selection": Level.DISTRICT, "rm_municipal_selection": Level.MUNICIPAL,
                    "rm_provincial_selection": Level.PROVINCIAL, "rm_national_selection": Level.NATIONAL}
# Name characters with their pinyin initial (a minor is shown by initials only): names made in turn, no draw.
FAMILY = tuple(zip("王李张刘陈杨黄周吴徐胡朱高林何郭马罗梁宋谢韩唐董", "WLZLCYHZWXHZGLHGMLLSXHTD", strict=True))
GIVEN = {"male": tuple(zip("建国志明海文华宇浩然轩强", "JGZMHWHYHRXQ", strict=True)),
         "female": tuple(zip("秀英玉芳燕春梅涵雨欣佳琪", "XYYFYCMHYXJQ", strict=True))}


def _made_person(n: int, kind: str, awarded: datetime.date) -> tuple[str, str, datetime.date, int, str]:
    """The n-th generated person: (name, gender, birth date, ID serial, initials); a 美德少年 is 9 to 14."""
    male = n % 2 == 1
    given = GIVEN["male" if male else "female"]
    parts = (FAMILY[n % len(FAMILY)], given[n // 2 * 5 % len(given)], given[(n // 2 * 7 + 3) % len(given)])
    name, initials = "".join(c for c, _i in parts), "".join(i for _c, i in parts)
    age = 9 + n % 6 if kind == "rm_youth" else 28 + n * 13 % 45
    birth = datetime.date(awarded.year - age - 1, 1 + n % 12, 1 + n * 5 % 28)
    serial = 100 + (2 * n + (1 if male else 0)) % 780  # clear of the campaigns' (0–52) and past years' (900–903)
    return name, "male" if male else "female", birth, serial, initials


def _ledger_honourees(ctx: DemoContext, staff: Any) -> None:
    """The people behind the ledger's role-model figures (see the module's docstring): one honour each, on the
    record's day, at the record's unit's streets and towns in turn (or the unit itself when it has none)."""
    from taizhang.ledger.models import RecordFigure
    from taizhang.org.models import Unit

    rows = (RecordFigure.objects.filter(metric__key__in=list(LEDGER_KINDS), value__gt=0,
                                        date__lte=timezone.localdate())
            .select_related("record__activity_type", "unit").order_by("date", "record_id", "metric__key"))
    places: dict[int, list[Any]] = {}
    made = 0
    for row in rows:
        unit, day = row.unit, row.date
        if unit.pk not in places:
            places[unit.pk] = list(Unit.objects.filter(parent=unit, kind__in=(Unit.Kind.STREET, Unit.Kind.TOWN))
                                   .order_by("path")) or [unit]
        level = SELECTION_LEVELS.get(row.record.activity_type.key, Level.DISTRICT)
        titles, categories = LEDGER_KINDS[row.metric.key]
        for _ in range(int(row.value)):
            name, gender, birth, serial, initials = _made_person(made, row.metric.key, day)
            place = places[unit.pk][made % len(places[unit.pk])]
            category = categories[made % len(categories)]
            minor = row.metric.key == "rm_youth"
            library.record_honour(
                acting_user=staff, unit=place, name=name, gender=gender, birth_date=birth,
                workplace=f"{place.name}辖区中小学学生" if minor else f"{place.name}居民", phone=_phone(serial),
                id_number=_id_number(birth, serial), deeds=DEEDS[category], title=titles[level], level=level,
                year=day.year, category=category, awarded_on=day, initials=initials if minor else "")
            made += 1
    if made:
        ctx.log(f"先进典型：台账所报各年度好人、道德模范、美德少年等 {made} 人已登记入典型库"
                "（选树典型人数不少于台账所报各类典型人数）")


def _campaign(ctx: DemoContext, staff: Any, jurors: list[Any]) -> Campaign:
    today, rng = ctx.today, ctx.rng
    campaign = actions.open_campaign(
        acting_user=staff, unit=_root(ctx), code=f"HR-{today.year}", title=f"{today.year}年度“万柏林好人”评选",
        honour_title="万柏林好人", year=today.year, level="district", public_share=40, votes_per_day=1,
        categories=[("助人为乐", 2), ("见义勇为", 1), ("诚实守信", 1), ("敬业奉献", 1), ("孝老爱亲", 1)],
        dates=_dates(today, (-70, -55, -45, -38, -32, -20, -14)),
        description="面向全区推选助人为乐、见义勇为、诚实守信、敬业奉献、孝老爱亲五类身边好人。"
                    "评审得分占60%，公众投票占40%。", jurors=jurors)
    cats = {c.name: c for c in campaign.categories.all()}
    liaison = ctx.users.get("liaison_jf")
    nominations = []
    for i, (name, gender, year, code, workplace, category) in enumerate(PEOPLE):
        birth = datetime.date(year, 1 + i, 10 + i)
        unit = _unit(ctx, code)
        by = liaison if liaison is not None and code in ("JF", "JF01") else staff
        kind = Nomination.Kind.JOINT if i == 3 else Nomination.Kind.SELF if i == 7 else Nomination.Kind.UNIT
        nominations.append(actions.nominate(
            acting_user=by, campaign=campaign, category=cats[category], unit=unit, kind=kind,
            nominators={"joint": "桥西街道商会、西里社区居委会", "self": "本人"}.get(kind, ""),
            name=name, gender=gender, birth_date=birth, workplace=workplace, phone=_phone(i), id_number=_id_number(
                birth, i), deeds=DEEDS[category]))
    actions.advance(acting_user=staff, campaign=campaign, to=Stage.QUALIFICATION)
    items = list(QualificationItem.objects.filter(campaign=campaign))
    opinions = {"公安": "经查询，无违法犯罪记录", "纪检监察": "未发现违纪违法问题", "信用": "未列入失信被执行人名单"}
    for n in nominations:
        for item in items:
            n.refresh_from_db()
            if n.state != Nomination.State.SUBMITTED:
                break
            bad = n.name == "郑海波" and item.sector == "信用"
            opinion = "列入失信被执行人名单（2023年民间借贷纠纷）" if bad else opinions.get(item.sector, "同意")
            actions.sign_off(acting_user=staff, nomination=n, item=item, positive=not bad, opinion=opinion)
    actions.advance(acting_user=staff, campaign=campaign, to=Stage.JURY)
    for n in Nomination.objects.filter(campaign=campaign, state=Nomination.State.QUALIFIED):
        for juror in Juror.objects.filter(campaign=campaign):
            actions.score(acting_user=juror.user, nomination=n, value=rng.randint(74, 96), juror=juror,
                          comment="事迹突出，群众认可度高")
    actions.advance(acting_user=staff, campaign=campaign, to=Stage.NOTICE)
    target = Nomination.objects.get(campaign=campaign, name="钱玉兰")
    objection = actions.submit_objection(
        nomination=target, text="钱玉兰所在小区有人反映她组织的互助队向老人收取费用，与“义务”不符，请核实。",
        contact_phone="13835100077")
    actions.investigate(acting_user=staff, objection=objection,
                        findings="经迎泽街道和南华社区走访互助队成员及受助老人12户，互助队未收取任何费用；"
                                 "所称“收费”系老人自愿集资购买理发工具，账目公开，有收据。")
    actions.answer(acting_user=staff, objection=objection, upheld=False,
                   text="经核查，互助队服务均为无偿，集资购买工具系老人自愿且账目公开，异议不成立。感谢您的监督。")
    actions.advance(acting_user=staff, campaign=campaign, to=Stage.VOTE)
    from taizhang.votes import actions as votes
    from taizhang.votes.demo import simulate_public_vote

    poll = votes.poll_for(campaign)
    if poll is not None:
        simulate_public_vote(ctx, poll, days=6, burst=True)
    actions.advance(acting_user=staff, campaign=campaign, to=Stage.RESULT)
    chosen = [n for cat, rows in actions.ranking(campaign) for n in rows[:cat.quota]]
    actions.confirm_honourees(acting_user=staff, campaign=campaign, nominations=chosen)
    actions.advance(acting_user=staff, campaign=campaign, to=Stage.ANNOUNCED)
    ctx.log(f"先进典型：{campaign.title} 已发布，{len(chosen)} 人当选（综合得分 = 评审×60% + 投票×40%），"
            f"公示异议 {objection.code} 已核查答复")
    return campaign


def _promotion(ctx: DemoContext, staff: Any, campaign: Campaign) -> None:
    today = ctx.today
    honours = list(campaign.honours.select_related("role_model")[:3])
    if not honours:
        return
    first = honours[0].role_model
    library.add_promotion(acting_user=staff, role_model=first, kind="article",
                          title=f"身边好人｜{first.name}：十二年义务理发，温暖独居老人", outlet="“文明万柏林”公众号",
                          link="https://wx.example.cn/s/wbl-haoren-01", reach=8632,
                          happened_on=today - datetime.timedelta(days=5))
    library.add_promotion(acting_user=staff, role_model=first, kind="lecture", title="“万柏林好人”事迹宣讲进社区",
                          outlet="解放街道新时代文明实践所", reach=120, happened_on=today - datetime.timedelta(days=2))
    library.add_care_visit(acting_user=staff, role_model=honours[-1].role_model,
                           visited_on=today - datetime.timedelta(days=1), visitors="区委宣传部、区文明办",
                           kind="走访慰问",
                           content="上门看望，了解生活和身体状况，送去慰问品，协调社区卫生服务站定期随访。",
                           amount=1000)


def _youth_notice(ctx: DemoContext, staff: Any, jurors: list[Any]) -> None:
    """美德少年 campaign on notice now: the portal's 评选公示, with a minor shown by initials."""
    today = ctx.today
    campaign = actions.open_campaign(
        acting_user=staff, unit=_root(ctx), code=f"MDSN-{today.year}", title=f"{today.year}年度万柏林区“美德少年”评选",
        honour_title="万柏林区美德少年", year=today.year, public_share=0, categories=[("美德少年", 2)],
        dates=_dates(today, (-25, -15, -5, -1, 5, 6, 10)), jurors=jurors,
        description="公示期内接受社会监督；本次评选不设公众投票，评审得分即综合得分。")
    rows = [("张子涵", "female", 12, "ZZH", "区第一实验小学六年级"), ("刘浩然", "male", 13, "LHR", "区第三中学初一"),
            ("马思远", "male", 11, "MSY", "桥西街道西里小学五年级")]
    cat = campaign.categories.get()
    made = []
    for i, (name, gender, age, initials, school) in enumerate(rows):
        birth = datetime.date(today.year - age, 5, 1 + i)
        made.append(actions.nominate(
            acting_user=staff, campaign=campaign, category=cat, unit=_unit(ctx, "EDU"), name=name, gender=gender,
            birth_date=birth, workplace=school, phone=_phone(50 + i), id_number=_id_number(birth, 50 + i),
            deeds=DEEDS["美德少年"], initials=initials))
    actions.advance(acting_user=staff, campaign=campaign, to=Stage.QUALIFICATION)
    for n in made:
        for item in QualificationItem.objects.filter(campaign=campaign):
            actions.sign_off(acting_user=staff, nomination=n, item=item, positive=True, opinion="同意")
    actions.advance(acting_user=staff, campaign=campaign, to=Stage.JURY)
    for n in made:
        for juror in Juror.objects.filter(campaign=campaign):
            actions.score(acting_user=juror.user, nomination=n, value=ctx.rng.randint(80, 95), juror=juror)
    actions.advance(acting_user=staff, campaign=campaign, to=Stage.NOTICE)
    ctx.log(f"先进典型：{campaign.title} 正在公示（未成年人只显示姓名首字母）")


def build(ctx: DemoContext) -> None:
    staff = ctx.users.get("staff")
    if staff is None or not ctx.units:
        return
    jurors = [u for u in (ctx.users.get("leader"), ctx.users.get("reviewer"), staff) if u is not None]
    _past_honourees(ctx, staff)
    _ledger_honourees(ctx, staff)
    campaign = _campaign(ctx, staff, jurors)
    _promotion(ctx, staff, campaign)
    _youth_notice(ctx, staff, jurors)
