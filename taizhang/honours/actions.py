"""Every state change of a role-model campaign: open it, nominate, qualification sign-offs, jury scores, public
notice (公示) and objections, the public vote (through taizhang.votes), the result and the honourees.

The stages follow one order (models.STAGE_ORDER); `advance` moves one step at a time and refuses a skipped or
backward step, and a step whose work is not done, with a Chinese message. The result combines the jury's average
score and the public vote with the shares fixed on the campaign when it was opened:

    vote_score  = votes / (most votes of any candidate in the same category) × 100   (0 when nobody got a vote)
    final_score = jury_score × (100 − public_share)/100 + vote_score × public_share/100

The library of role models (典型库) is in library.py.
"""

from __future__ import annotations

import contextlib
import datetime
import hashlib
import itertools
import re
import secrets
from collections.abc import Iterable, Sequence
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.db.models import Avg
from django.utils import timezone

from taizhang.core import audit
from taizhang.core.concurrency import save_versioned
from taizhang.core.crypto import blind_index
from taizhang.core.errors import InvalidInput, InvalidTransition, NotPermitted, TaizhangError
from taizhang.org.models import Unit
from taizhang.org.roles import Cap
from taizhang.org.scoping import can_in_unit

from .models import (
    DEFAULT_QUALIFICATION,
    STAGE_ORDER,
    Campaign,
    Category,
    Evidence,
    Juror,
    JuryScore,
    Level,
    Nomination,
    Objection,
    QualificationItem,
    SignOff,
    Stage,
    age_on,
)

N = Nomination.State
PHONE_RE = re.compile(r"^1[3-9]\d{9}$")
CODE_RE = re.compile(r"^[A-Za-z0-9_-]{2,40}$")
ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
ID_CHECK = "10X98765432"
EVIDENCE_LIMIT = 10
CENT = Decimal("0.01")
IN_RACE = (N.QUALIFIED, N.HONOURED, N.NOT_SELECTED)  # candidates still standing after qualification


def require(user: Any, cap: str, unit: Unit, message: str = "您没有在该单位执行此操作的权限。") -> None:
    if user is not None and not can_in_unit(user, cap, unit):
        raise NotPermitted(message)


def require_organiser(user: Any, campaign: Campaign) -> None:
    require(user, Cap.MANAGE_WORK, campaign.unit, "只有主办单位的工作人员可以执行此操作。")


def _stage(campaign: Campaign, *allowed: str, doing: str) -> None:
    if campaign.stage not in allowed:
        names = "、".join(str(Stage(s).label) for s in allowed)
        raise InvalidTransition(f"评选活动处于“{campaign.get_stage_display()}”阶段，不能{doing}（须在{names}阶段）。")


def check_resident_id(number: str) -> datetime.date | None:
    """The birth date in a valid 18-digit resident ID number (checksum verified), else None."""
    n = number.strip().upper()
    if not re.fullmatch(r"\d{17}[\dX]", n):
        return None
    if ID_CHECK[sum(int(c) * w for c, w in zip(n[:17], ID_WEIGHTS, strict=True)) % 11] != n[17]:
        return None
    try:
        return datetime.date(int(n[6:10]), int(n[10:12]), int(n[12:14]))
    except ValueError:
        return None


def person_hash(id_number: str) -> str:
    return blind_index(id_number.strip().upper(), "honours-person")


# --- campaigns --------------------------------------------------------------------------------------------------
DATE_LABELS = {"nomination_ends": "推荐截止", "qualification_ends": "资格审查截止", "jury_ends": "评审截止",
               "notice_starts": "公示开始", "notice_ends": "公示结束", "vote_starts": "投票开始",
               "vote_ends": "投票结束"}
DATE_FIELDS = tuple(DATE_LABELS)


@transaction.atomic
def open_campaign(*, acting_user: Any, unit: Unit, code: str, title: str, honour_title: str, year: int,
                  categories: Sequence[tuple[str, int]], dates: dict[str, datetime.date],
                  level: str = Level.DISTRICT, public_share: Decimal | int | str = 40, votes_per_day: int = 1,
                  description: str = "", qualification: Sequence[tuple[str, str]] | None = None,
                  jurors: Iterable[Any] = (), per_unit_limit: int | None = None) -> Campaign:
    """Open a campaign in its nomination stage, with its categories and quotas, dates and the fixed shares."""
    require(acting_user, Cap.MANAGE_WORK, unit, "只有宣传部门的工作人员可以发起评选活动。")
    errors: dict[str, list[str]] = {}
    code = str(code or "").strip()
    if not CODE_RE.match(code):
        errors["code"] = ["活动代码为2至40位字母、数字、短横线或下划线。"]
    elif Campaign.objects.filter(code=code).exists():
        errors["code"] = [f"活动代码“{code}”已被使用。"]
    title, honour_title = str(title or "").strip(), str(honour_title or "").strip()
    if not title:
        errors["title"] = ["请填写活动名称。"]
    if not honour_title:
        errors["honour_title"] = ["请填写授予称号。"]
    if level not in Level.values:
        errors["level"] = ["请选择级别。"]
    try:
        share = Decimal(str(public_share))
    except ArithmeticError:
        share = Decimal(-1)
    if not Decimal(0) <= share <= Decimal(100):
        errors["public_share"] = ["公众投票占比应在 0 至 100 之间。"]
    if not 1 <= int(votes_per_day) <= 10:
        errors["votes_per_day"] = ["每人每日票数应在 1 至 10 之间。"]
    if per_unit_limit is not None and not 1 <= int(per_unit_limit) <= 500:
        errors["per_unit_limit"] = ["每单位推荐上限应在 1 至 500 之间（不限请留空）。"]
    missing = [f for f in DATE_FIELDS if not isinstance(dates.get(f), datetime.date)]
    for f in missing:
        errors[f] = ["请填写日期。"]
    if not missing:
        for earlier, later in itertools.pairwise(DATE_FIELDS):
            if dates[later] < dates[earlier]:
                errors.setdefault(later, []).append(f"{DATE_LABELS[later]}不能早于{DATE_LABELS[earlier]}。")
    cats = [(str(n or "").strip(), int(q or 0)) for n, q in categories]
    cats = [(n, q) for n, q in cats if n]
    if not cats:
        errors["categories"] = ["请至少设置一个评选类别及名额。"]
    elif any(q < 1 or q > 100 for _n, q in cats):
        errors["categories"] = ["每个类别的名额应在 1 至 100 之间。"]
    elif len({n for n, _q in cats}) != len(cats):
        errors["categories"] = ["类别名称不能重复。"]
    if errors:
        raise InvalidInput("评选活动信息有误：" + "；".join(m for ms in errors.values() for m in ms), errors)
    campaign = Campaign.objects.create(
        unit=unit, code=code, title=title[:120], honour_title=honour_title[:60], level=level, year=int(year),
        description=str(description or "")[:5000], public_share=share.quantize(CENT), votes_per_day=int(votes_per_day),
        per_unit_limit=int(per_unit_limit) if per_unit_limit is not None else None,
        **{f: dates[f] for f in DATE_FIELDS})
    for i, (name, quota) in enumerate(cats):
        Category.objects.create(campaign=campaign, name=name[:40], quota=quota, order=i)
    for i, (sector, requirement) in enumerate(qualification if qualification is not None else DEFAULT_QUALIFICATION):
        QualificationItem.objects.create(campaign=campaign, sector=sector[:40], requirement=requirement[:120], order=i)
    for user in jurors:
        Juror.objects.get_or_create(campaign=campaign, user=user)
    audit.record("create", campaign, user=acting_user, message=f"发起评选活动，公众投票占比 {campaign.public_share}%")
    return campaign


@transaction.atomic
def add_juror(*, acting_user: Any, campaign: Campaign, user: Any) -> Juror:
    require_organiser(acting_user, campaign)
    _stage(campaign, Stage.NOMINATION, Stage.QUALIFICATION, Stage.JURY, doing="增加评委")
    juror, _ = Juror.objects.get_or_create(campaign=campaign, user=user)
    audit.record("update", campaign, user=acting_user, message=f"增加评委 {user.get_username()}")
    return juror


@transaction.atomic
def advance(*, acting_user: Any, campaign: Campaign, to: str, expected_version: int | None = None) -> Campaign:
    """Move the campaign to the next stage. Refuses anything but the next stage, or a stage whose work is not done."""
    require_organiser(acting_user, campaign)
    if to not in STAGE_ORDER:
        raise InvalidInput("未知的阶段。", {"to": ["未知的阶段"]})
    here = STAGE_ORDER.index(campaign.stage)
    there = STAGE_ORDER.index(to)
    if there != here + 1:
        nxt = Stage(STAGE_ORDER[here + 1]).label if here + 1 < len(STAGE_ORDER) else "（无）"
        raise InvalidTransition(
            f"评选活动须按推荐、资格审查、评审、公示、公众投票、结果确定、发布的顺序进行：当前为“"
            f"{campaign.get_stage_display()}”，下一阶段是“{nxt}”，不能进入“{Stage(to).label}”。")
    nominations = Nomination.objects.filter(campaign=campaign)
    if to == Stage.QUALIFICATION:
        if not nominations.filter(state=N.SUBMITTED).exists():
            raise InvalidTransition("还没有任何推荐，不能进入资格审查。")
    elif to == Stage.JURY:
        pending = nominations.filter(state=N.SUBMITTED).count()
        if pending:
            raise InvalidTransition(f"还有 {pending} 名被推荐人的资格审查意见未出齐，不能进入评审。")
        if not nominations.filter(state=N.QUALIFIED).exists():
            raise InvalidTransition("没有通过资格审查的被推荐人，不能进入评审。")
    elif to == Stage.NOTICE:
        unscored = nominations.filter(state=N.QUALIFIED, scores__isnull=True).count()
        if unscored:
            raise InvalidTransition(f"还有 {unscored} 名候选人没有评委评分，不能进入公示。")
        for n in nominations.filter(state=N.QUALIFIED):
            avg = n.scores.aggregate(a=Avg("score"))["a"]
            n.jury_score = Decimal(avg).quantize(CENT, ROUND_HALF_UP)
            n.save(update_fields=["jury_score"])
    elif to == Stage.VOTE:
        open_objections = Objection.objects.filter(
            nomination__campaign=campaign,
            state__in=[Objection.State.RECEIVED, Objection.State.INVESTIGATING]).count()
        if open_objections:
            raise InvalidTransition(f"还有 {open_objections} 件公示异议未答复，不能进入公众投票。")
        if timezone.localdate() <= campaign.notice_ends:
            raise InvalidTransition(f"公示期至 {campaign.notice_ends:%Y年%m月%d日} 结束，公示期满后才能进入公众投票。")
        _open_vote(acting_user, campaign)
    elif to == Stage.RESULT:
        compute_result(campaign, acting_user=acting_user)
    elif to == Stage.ANNOUNCED:
        if not nominations.filter(state=N.HONOURED).exists():
            raise InvalidTransition("请先确定当选人员，再发布结果。")
        from .library import enter_honourees

        nominations.filter(state=N.QUALIFIED).update(state=N.NOT_SELECTED)
        campaign.announced_on = timezone.localdate()
        enter_honourees(acting_user=acting_user, campaign=campaign)
    before = campaign.stage
    campaign.stage = to
    save_versioned(campaign, campaign.version if expected_version is None else expected_version,
                   ["stage", "announced_on"])
    audit.record("transition", campaign, user=acting_user, before={"stage": before}, after={"stage": to},
                 message=f"进入“{campaign.get_stage_display()}”阶段")
    return campaign


# A stage date may be corrected while its stage is current or ahead; a start date only while its stage is ahead.
DATE_STAGE = {"nomination_ends": (Stage.NOMINATION, False), "qualification_ends": (Stage.QUALIFICATION, False),
              "jury_ends": (Stage.JURY, False), "notice_starts": (Stage.NOTICE, True),
              "notice_ends": (Stage.NOTICE, False), "vote_starts": (Stage.VOTE, True),
              "vote_ends": (Stage.VOTE, True)}  # the poll's closing time is fixed when it opens


def correctable_dates(campaign: Campaign) -> list[str]:
    here = campaign.stage_index
    return [f for f, (stage, is_fixed_once_current) in DATE_STAGE.items()
            if STAGE_ORDER.index(stage) > here or (STAGE_ORDER.index(stage) == here and not is_fixed_once_current)]


@transaction.atomic
def correct_campaign(*, acting_user: Any, campaign: Campaign, expected_version: int, reason: str,
                     title: str | None = None, description: str | None = None,
                     dates: dict[str, datetime.date] | None = None, per_unit_limit: int | str | None = "keep",
                     ) -> Campaign:
    """Correct a campaign after it opened: its name and description, the dates of stages not yet past, and (while
    nominating) the per-unit limit. The shares, votes per day, categories and quotas stay as opened. A reason is
    required; before and after go to the audit log; a concurrent change is refused, not overwritten."""
    require_organiser(acting_user, campaign)
    if campaign.stage == Stage.ANNOUNCED:
        raise InvalidTransition("结果已发布，评选活动信息不能再更正。")
    reason = str(reason or "").strip()
    errors: dict[str, list[str]] = {}
    if not reason:
        errors["reason"] = ["请填写更正说明。"]
    before: dict[str, Any] = {}
    after: dict[str, Any] = {}

    def change(field: str, value: Any) -> None:
        if getattr(campaign, field) != value:
            before[field], after[field] = getattr(campaign, field), value

    if title is not None:
        if not str(title).strip():
            errors["title"] = ["请填写活动名称。"]
        change("title", str(title).strip()[:120])
    if description is not None:
        change("description", str(description).strip()[:5000])
    allowed = correctable_dates(campaign)
    new_dates = {f: getattr(campaign, f) for f in DATE_FIELDS}
    for field, day in (dates or {}).items():
        if field not in DATE_LABELS or day == getattr(campaign, field):
            continue
        if field not in allowed:
            errors.setdefault(field, []).append(f"{DATE_LABELS[field]}所属阶段已开始或已过，不能更正。")
        new_dates[field] = day
        change(field, day)
    for earlier, later in itertools.pairwise(DATE_FIELDS):
        if new_dates[later] < new_dates[earlier]:
            errors.setdefault(later, []).append(f"{DATE_LABELS[later]}不能早于{DATE_LABELS[earlier]}。")
    if per_unit_limit != "keep":
        limit = None if per_unit_limit is None or per_unit_limit == "" else int(per_unit_limit)
        if limit != campaign.per_unit_limit and campaign.stage != Stage.NOMINATION:
            errors["per_unit_limit"] = ["推荐阶段结束后不能更改每单位推荐上限。"]
        elif limit is not None and not 1 <= limit <= 500:
            errors["per_unit_limit"] = ["每单位推荐上限应在 1 至 500 之间（不限请留空）。"]
        change("per_unit_limit", limit)
    if errors:
        raise InvalidInput("更正有误：" + "；".join(m for ms in errors.values() for m in ms), errors)
    if not after:
        raise InvalidInput("没有需要更正的内容。")
    for field, value in after.items():
        setattr(campaign, field, value)
    save_versioned(campaign, expected_version, list(after))
    audit.record("update", campaign, user=acting_user, before={k: str(v) for k, v in before.items()},
                 after={k: str(v) for k, v in after.items()}, message=f"更正评选活动信息：{reason[:200]}")
    return campaign


def candidates(campaign: Campaign) -> Any:
    """The candidates still standing (qualified, not removed), in category order."""
    return (Nomination.objects.filter(campaign=campaign, state__in=IN_RACE)
            .select_related("category", "unit").order_by("category__order", "id"))


def _day_start(day: datetime.date) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time.min))


def _open_vote(acting_user: Any, campaign: Campaign) -> None:
    if campaign.public_share == 0:
        return  # no public vote counts: nothing to open
    from taizhang.votes import actions as votes

    options = [(n, f"{n.shown_name}（{n.category.name}·{n.workplace}）") for n in candidates(campaign)]
    opens = _day_start(campaign.vote_starts)  # the vote runs over the dates fixed when the campaign was opened
    closes = _day_start(campaign.vote_ends + datetime.timedelta(days=1))
    votes.open_poll(acting_user=acting_user, code=campaign.code, title=f"{campaign.title}公众投票", subject=campaign,
                    options=options, opens_at=opens, closes_at=closes, votes_per_day=campaign.votes_per_day,
                    max_choices=1)


def vote_counts(campaign: Campaign, acting_user: Any = None) -> dict[int, int]:
    """Valid votes per candidate from the votes app (closing the poll first); {} without a public vote."""
    if campaign.public_share == 0:
        return {}
    from taizhang.votes import actions as votes

    poll = votes.poll_for(campaign)
    if poll is None:
        raise InvalidTransition("未找到本活动的公众投票，不能确定结果。")
    with contextlib.suppress(InvalidTransition, InvalidInput):  # already closed
        votes.close_poll(acting_user=acting_user, poll=poll)
    return {int(k): int(v) for k, v in votes.final_counts(poll).items()}


def combine(jury_score: Decimal, votes: int, best_votes: int, public_share: Decimal) -> tuple[Decimal, Decimal]:
    """(vote_score, final_score) of one candidate; see the module's docstring."""
    vote_score = (Decimal(votes) * 100 / Decimal(best_votes)) if best_votes else Decimal(0)
    share = Decimal(public_share)
    final = Decimal(jury_score) * (100 - share) / 100 + vote_score * share / 100
    return vote_score.quantize(CENT, ROUND_HALF_UP), final.quantize(CENT, ROUND_HALF_UP)


def compute_result(campaign: Campaign, *, acting_user: Any = None, counts: dict[int, int] | None = None) -> None:
    """Store votes, vote score and final score on every candidate still standing."""
    counts = vote_counts(campaign, acting_user) if counts is None else counts
    rows = list(candidates(campaign))
    best: dict[int, int] = {}
    for n in rows:
        best[n.category_id] = max(best.get(n.category_id, 0), counts.get(n.pk, 0))
    for n in rows:
        n.votes = counts.get(n.pk, 0)
        n.vote_score, n.final_score = combine(n.jury_score or Decimal(0), n.votes, best[n.category_id],
                                              campaign.public_share)
        n.save(update_fields=["votes", "vote_score", "final_score"])
    audit.record("compute", campaign, user=acting_user, message="计算综合得分",
                 after={str(n.pk): str(n.final_score) for n in rows})


def ranking(campaign: Campaign) -> list[tuple[Category, list[Nomination]]]:
    out = []
    rows = list(candidates(campaign))
    for cat in campaign.categories.all():
        mine = sorted((n for n in rows if n.category_id == cat.pk),
                      key=lambda n: (-(n.final_score or Decimal(0)), -(n.jury_score or Decimal(0)), n.pk))
        out.append((cat, mine))
    return out


@transaction.atomic
def confirm_honourees(*, acting_user: Any, campaign: Campaign, nominations: Iterable[Nomination]) -> list[Nomination]:
    """The committee's decision: who is honoured. Each category's quota is the upper bound."""
    require_organiser(acting_user, campaign)
    _stage(campaign, Stage.RESULT, doing="确定当选人员")
    chosen = list(nominations)
    if not chosen:
        raise InvalidInput("请至少选择一名当选人员。", {"nominations": ["请至少选择一名当选人员"]})
    standing = {n.pk for n in candidates(campaign)}
    if any(n.campaign_id != campaign.pk or n.pk not in standing for n in chosen):
        raise InvalidInput("只能从本活动仍在评选中的候选人中确定当选人员。", {"nominations": ["候选人无效"]})
    for cat in campaign.categories.all():
        picked = sum(1 for n in chosen if n.category_id == cat.pk)
        if picked > cat.quota:
            raise InvalidInput(f"“{cat.name}”类名额为 {cat.quota} 名，选择了 {picked} 名，超出名额。",
                               {"nominations": [f"{cat.name}超出名额"]})
    ids = [n.pk for n in chosen]
    Nomination.objects.filter(campaign=campaign, state__in=IN_RACE).exclude(pk__in=ids).update(state=N.QUALIFIED)
    Nomination.objects.filter(pk__in=ids).update(state=N.HONOURED)
    audit.record("decide", campaign, user=acting_user, message=f"确定当选人员 {len(ids)} 名",
                 after={"honoured": ids})
    return list(Nomination.objects.filter(pk__in=ids))


# --- nominations ------------------------------------------------------------------------------------------------
def validate_person(data: dict[str, Any], *, today: datetime.date | None = None) -> dict[str, list[str]]:
    errors: dict[str, list[str]] = {}
    today = today or timezone.localdate()
    name = str(data.get("name") or "").strip()
    if not 2 <= len(name) <= 30:
        errors["name"] = ["请填写被推荐人姓名（2至30个字）。"]
    id_number = str(data.get("id_number") or "").strip().upper()
    derived = check_resident_id(id_number)
    birth = data.get("birth_date")
    if derived is None:
        errors["id_number"] = ["身份证号码无效，请核对。"]
    elif birth and birth != derived:
        errors["birth_date"] = ["出生日期与身份证号码不一致。"]
    else:
        data["birth_date"] = birth = derived
    if not birth:
        errors.setdefault("birth_date", ["请填写出生日期。"])
    elif birth > today or age_on(birth, today) > 110:
        errors["birth_date"] = ["出生日期不合理。"]
    phone = re.sub(r"[\s-]", "", str(data.get("phone") or ""))
    if not PHONE_RE.match(phone):
        errors["phone"] = ["请填写11位手机号码。"]
    data["phone"], data["id_number"], data["name"] = phone, id_number, name
    initials = re.sub(r"[^A-Za-z]", "", str(data.get("initials") or "")).upper()
    data["initials"] = initials
    if birth and "birth_date" not in errors and age_on(birth, today) < 18 and not 1 <= len(initials) <= 4:
        errors["initials"] = ["被推荐人未满18周岁，请填写姓名拼音首字母（公示时只显示首字母）。"]
    if data.get("gender") not in Nomination.Gender.values:
        errors["gender"] = ["请选择性别。"]
    if not str(data.get("workplace") or "").strip():
        errors["workplace"] = ["请填写工作单位、学校或住址。"]
    deeds = str(data.get("deeds") or "").strip()
    if len(deeds) < 20:
        errors["deeds"] = ["请填写主要事迹（不少于20字）。"]
    elif len(deeds) > 5000:
        errors["deeds"] = [f"主要事迹不超过5000字（现为{len(deeds)}字）。"]
    return errors


@transaction.atomic
def nominate(*, acting_user: Any, campaign: Campaign, category: Category, unit: Unit, kind: str = "unit",
             nominators: str = "", name: str, gender: str, birth_date: datetime.date | None = None, workplace: str,
             phone: str, id_number: str, deeds: str, initials: str = "", evidence: Iterable[Any] = ()) -> Nomination:
    """A unit's liaison (or staff) nominates a person, on the unit's behalf, the person's own or jointly."""
    if acting_user is not None and not (can_in_unit(acting_user, Cap.EDIT_RECORDS, unit)
                                        or can_in_unit(acting_user, Cap.MANAGE_WORK, unit)):
        raise NotPermitted("只能以本单位（或下级单位）名义推荐。")
    _stage(campaign, Stage.NOMINATION, doing="推荐")
    if category.campaign_id != campaign.pk:
        raise InvalidInput("请选择本活动的评选类别。", {"category": ["类别无效"]})
    data: dict[str, Any] = {"name": name, "gender": gender, "birth_date": birth_date, "workplace": workplace,
                            "phone": phone, "id_number": id_number, "deeds": deeds, "initials": initials}
    errors = validate_person(data)
    if kind not in Nomination.Kind.values:
        errors["kind"] = ["请选择推荐方式。"]
    if kind == Nomination.Kind.JOINT and not str(nominators or "").strip():
        errors["nominators"] = ["联名推荐请填写联名单位或联名人。"]
    if errors:
        raise InvalidInput("推荐信息有误：" + "；".join(m for ms in errors.values() for m in ms), errors)
    _check_unit_limit(campaign, unit)
    digest = person_hash(data["id_number"])
    if Nomination.objects.filter(campaign=campaign, id_hash=digest).exists():
        raise InvalidInput("该人员已在本活动中被推荐，不能重复推荐。", {"id_number": ["已被推荐"]})
    try:
        with transaction.atomic():
            nomination = Nomination.objects.create(
                campaign=campaign, category=category, unit=unit, kind=kind, nominators=str(nominators)[:200],
                name=data["name"], initials=data["initials"], gender=gender, birth_date=data["birth_date"],
                workplace=str(workplace).strip()[:120], phone=data["phone"], id_number=data["id_number"],
                id_hash=digest, deeds=str(deeds).strip(),
                submitted_by=acting_user if getattr(acting_user, "is_authenticated", False) else None)
    except IntegrityError as exc:
        raise InvalidInput("该人员已在本活动中被推荐，不能重复推荐。", {"id_number": ["已被推荐"]}) from exc
    add_evidence(acting_user=acting_user, nomination=nomination, files=evidence, audit_it=False)
    audit.record("create", nomination, user=acting_user, message=f"推荐（{nomination.get_kind_display()}）")
    return nomination


def _check_unit_limit(campaign: Campaign, unit: Unit) -> None:
    """Refuse a nomination past the campaign's per-unit limit. The campaign row is locked first, so two liaisons of
    one unit submitting at once cannot both take the last place."""
    if campaign.per_unit_limit is None:
        return
    Campaign.objects.select_for_update().filter(pk=campaign.pk).values_list("pk", flat=True).first()
    used = Nomination.objects.filter(campaign=campaign, unit=unit).exclude(state=N.WITHDRAWN).count()
    if used >= campaign.per_unit_limit:
        raise InvalidInput(
            f"{unit.name}在本活动中最多推荐 {campaign.per_unit_limit} 人，已推荐 {used} 人（撤回的不计）。",
            {"unit": [f"已达推荐上限 {campaign.per_unit_limit} 人"]})


@transaction.atomic
def add_evidence(*, acting_user: Any, nomination: Nomination, files: Iterable[Any],
                 audit_it: bool = True) -> list[Evidence]:
    from taizhang.core.uploads import EVIDENCE_TYPES, check_upload

    files = list(files)
    if not files:
        return []
    if acting_user is not None and not (can_in_unit(acting_user, Cap.EDIT_RECORDS, nomination.unit)
                                        or can_in_unit(acting_user, Cap.MANAGE_WORK, nomination.unit)):
        raise NotPermitted("只能为本单位的推荐上传证明材料。")
    if nomination.evidence.count() + len(files) > EVIDENCE_LIMIT:
        raise InvalidInput(f"每名被推荐人最多上传 {EVIDENCE_LIMIT} 份证明材料。", {"file": ["材料过多"]})
    out = []
    for upload in files:
        checked = check_upload(upload, EVIDENCE_TYPES)
        upload.seek(0)
        data = upload.read()
        ev = Evidence(nomination=nomination, name=checked.safe_name[:200], content_type=checked.content_type,
                      size=checked.size, sha256=checked.sha256,
                      uploaded_by=acting_user if getattr(acting_user, "is_authenticated", False) else None)
        ev.file.save(f"{hashlib.sha256(data).hexdigest()[:16]}.{checked.kind}", ContentFile(data), save=False)
        ev.save()
        out.append(ev)
    if audit_it:
        audit.record("upload", nomination, user=acting_user, message=f"上传证明材料 {len(out)} 份")
    return out


@transaction.atomic
def withdraw(*, acting_user: Any, nomination: Nomination, reason: str) -> Nomination:
    if acting_user is not None and not (can_in_unit(acting_user, Cap.EDIT_RECORDS, nomination.unit)
                                        or can_in_unit(acting_user, Cap.MANAGE_WORK, nomination.unit)):
        raise NotPermitted("只能撤回本单位的推荐。")
    _stage(nomination.campaign, Stage.NOMINATION, Stage.QUALIFICATION, doing="撤回推荐")
    if not str(reason or "").strip():
        raise InvalidInput("请填写撤回原因。", {"reason": ["请填写撤回原因"]})
    nomination.state = N.WITHDRAWN
    save_versioned(nomination, nomination.version, ["state"])
    audit.record("withdraw", nomination, user=acting_user, message=str(reason).strip()[:300])
    return nomination


def reveal(*, acting_user: Any, nomination: Nomination) -> dict[str, str]:
    """The unmasked phone and ID number, for staff who manage the nomination's unit; audited."""
    if acting_user is None or not can_in_unit(acting_user, Cap.MANAGE_WORK, nomination.unit):
        raise NotPermitted("您无权查看完整的个人信息。")
    audit.record("download", nomination, user=acting_user, message="查看被推荐人完整个人信息")
    return {"phone": nomination.phone, "id_number": nomination.id_number}


# --- qualification ----------------------------------------------------------------------------------------------
def may_sign(user: Any, item: QualificationItem) -> bool:
    if user is None:
        return True
    if can_in_unit(user, Cap.MANAGE_WORK, item.campaign.unit):
        return True
    return item.sector_unit is not None and can_in_unit(user, Cap.REVIEW_RECORDS, item.sector_unit)


@transaction.atomic
def sign_off(*, acting_user: Any, nomination: Nomination, item: QualificationItem, positive: bool,
             opinion: str) -> SignOff:
    """One sector's opinion on one checklist item; the nomination passes when every item is signed positive."""
    campaign = nomination.campaign
    if item.campaign_id != campaign.pk:
        raise InvalidInput("审查项不属于本活动。", {"item": ["审查项无效"]})
    if not may_sign(acting_user, item):
        raise NotPermitted(f"只有{item.sector}部门或主办单位可以出具该项意见。")
    _stage(campaign, Stage.QUALIFICATION, doing="出具资格审查意见")
    if nomination.state != N.SUBMITTED:
        raise InvalidTransition(f"该被推荐人已{nomination.get_state_display()}，不能再出具审查意见。")
    opinion = str(opinion or "").strip()
    if not opinion:
        raise InvalidInput("请填写审查意见。", {"opinion": ["请填写审查意见"]})
    if SignOff.objects.filter(nomination=nomination, item=item).exists():
        raise InvalidTransition(f"{item.sector}已就“{item.requirement}”出具意见，不能重复出具。")
    signoff = SignOff.objects.create(
        nomination=nomination, item=item, positive=bool(positive), opinion=opinion[:300],
        signed_by=acting_user if getattr(acting_user, "is_authenticated", False) else None)
    audit.record("sign_off", nomination, user=acting_user,
                 message=f"{item.sector}：{item.requirement}——{'通过' if positive else '不通过'}：{opinion[:200]}")
    _settle(nomination)
    return signoff


def _settle(nomination: Nomination) -> None:
    signed = list(SignOff.objects.filter(nomination=nomination).values_list("positive", flat=True))
    items = QualificationItem.objects.filter(campaign_id=nomination.campaign_id).count()
    if not all(signed):
        nomination.state = N.DISQUALIFIED
    elif len(signed) >= items:
        nomination.state = N.QUALIFIED
    else:
        return
    save_versioned(nomination, nomination.version, ["state"])
    audit.record("transition", nomination, user=None, message=nomination.get_state_display())


def signoffs_waiting(user: Any) -> list[tuple[Nomination, QualificationItem]]:
    """(nomination, item) pairs this user may sign and nobody has signed yet."""
    rows = []
    noms = (Nomination.objects.filter(campaign__stage=Stage.QUALIFICATION, state=N.SUBMITTED)
            .select_related("campaign", "campaign__unit", "category"))
    items: dict[int, list[QualificationItem]] = {}
    done: set[tuple[int, int]] = set(SignOff.objects.filter(nomination__in=noms).values_list("nomination_id",
                                                                                              "item_id"))
    for n in noms[:500]:
        if n.campaign_id not in items:
            items[n.campaign_id] = list(QualificationItem.objects.filter(campaign_id=n.campaign_id)
                                        .select_related("campaign__unit", "sector_unit"))
        for item in items[n.campaign_id]:
            if (n.pk, item.pk) not in done and may_sign(user, item):
                rows.append((n, item))
    return rows


# --- jury -------------------------------------------------------------------------------------------------------
@transaction.atomic
def score(*, acting_user: Any, nomination: Nomination, value: Decimal | int | str, comment: str = "",
          juror: Juror | None = None) -> JuryScore:
    """A juror's score (0–100) for a qualified candidate; a juror may change it while the jury sits."""
    campaign = nomination.campaign
    _stage(campaign, Stage.JURY, doing="评分")
    if juror is None:
        juror = Juror.objects.filter(campaign=campaign, user=acting_user).first() if acting_user else None
        if juror is None:
            raise NotPermitted("您不是本活动的评委。")
    elif juror.campaign_id != campaign.pk:
        raise InvalidInput("评委不属于本活动。", {"juror": ["评委无效"]})
    if nomination.state != N.QUALIFIED:
        raise InvalidTransition("只能为通过资格审查的候选人评分。")
    try:
        points = Decimal(str(value)).quantize(CENT, ROUND_HALF_UP)
    except ArithmeticError as exc:
        raise InvalidInput("评分应为 0 至 100 之间的数字。", {"score": ["评分应为 0 至 100"]}) from exc
    if not Decimal(0) <= points <= Decimal(100):
        raise InvalidInput("评分应为 0 至 100 之间的数字。", {"score": ["评分应为 0 至 100"]})
    row, created = JuryScore.objects.update_or_create(
        nomination=nomination, juror=juror,
        defaults={"score": points, "comment": str(comment or "")[:300], "scored_at": timezone.now()})
    audit.record("score", nomination, user=acting_user, message=f"评委{'评分' if created else '修改评分'} {points}")
    return row


def jury_waiting(user: Any) -> list[tuple[Campaign, Nomination, JuryScore | None]]:
    """The candidates of every campaign now in its jury stage where `user` is a juror, with the user's own score
    (None while unscored): the juror's own list."""
    if not getattr(user, "is_authenticated", False):
        return []
    jurors = {j.campaign_id: j for j in Juror.objects.filter(user=user, campaign__stage=Stage.JURY)
              .select_related("campaign")}
    if not jurors:
        return []
    mine = {s.nomination_id: s for s in JuryScore.objects.filter(juror__in=list(jurors.values()))}
    rows = (Nomination.objects.filter(campaign_id__in=list(jurors), state=N.QUALIFIED)
            .select_related("category", "unit").defer("phone", "id_number")
            .order_by("campaign_id", "category__order", "id"))
    return [(jurors[n.campaign_id].campaign, n, mine.get(n.pk)) for n in rows]


# --- public notice and objections ---------------------------------------------------------------------------------
def notices_open(day: datetime.date | None = None) -> Any:
    day = day or timezone.localdate()
    return Campaign.objects.filter(stage=Stage.NOTICE, notice_starts__lte=day, notice_ends__gte=day)


@transaction.atomic
def submit_objection(*, nomination: Nomination, text: str, contact_phone: str = "", device_hash: str = "",
                     address_hash: str = "") -> Objection:
    """An objection from the public during the notice (公示); no account: acting_user is None."""
    campaign = nomination.campaign
    if campaign.stage != Stage.NOTICE:
        raise InvalidTransition("该评选活动不在公示期，不能提出异议。")
    if nomination.state != N.QUALIFIED:
        raise InvalidInput("该候选人不在公示名单中。", {"nomination": ["候选人无效"]})
    text = str(text or "").strip()
    if len(text) < 10:
        raise InvalidInput("请具体写明异议的事实和理由（不少于10字）。", {"text": ["不少于10字"]})
    if len(text) > 2000:
        raise InvalidInput(f"异议内容不超过2000字（现为{len(text)}字）。", {"text": ["不超过2000字"]})
    phone = re.sub(r"[\s-]", "", str(contact_phone or ""))
    if phone and not PHONE_RE.match(phone):
        raise InvalidInput("联系电话应为11位手机号码（可不填）。", {"contact_phone": ["手机号码有误"]})
    objection = Objection.objects.create(
        nomination=nomination, code=_objection_code(), text=text, contact_phone=phone,
        device_hash=device_hash[:64], address_hash=address_hash[:64])
    audit.record("create", objection, user=None, message="公示异议")
    _tell_organisers(objection)
    return objection


def _tell_organisers(objection: Objection) -> None:
    """A notice to the organising unit's staff (or the nearest unit above with some). The objection's text is not
    copied into the notice: it may name people; it is read, masked, on the objection's page."""
    from django.urls import reverse

    from taizhang.core.notifications import notify
    from taizhang.core.sites import staff_urls
    from taizhang.org.notices import nearest_people

    nomination = objection.nomination
    campaign = nomination.campaign
    with staff_urls():  # objections come from the public site, whose URLs have no staff pages
        url = reverse("honours:objection_detail", args=[objection.pk])
    notify(nearest_people(campaign.unit, Cap.MANAGE_WORK), "objection_received", objection,
           title=f"公示异议：{campaign.title}",
           body=(f"候选人{nomination.shown_name}（{nomination.category.name}）"
                 f"收到公示异议 {objection.code}，请核查并答复。"),
           url=url)


def _objection_code() -> str:
    alphabet = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"
    for _ in range(10):
        code = "YY" + "".join(secrets.choice(alphabet) for _ in range(8))
        if not Objection.objects.filter(code=code).exists():
            return code
    raise TaizhangError("系统繁忙，请稍后再试。")


@transaction.atomic
def investigate(*, acting_user: Any, objection: Objection, findings: str) -> Objection:
    campaign = objection.nomination.campaign
    require_organiser(acting_user, campaign)
    if objection.state in (Objection.State.UPHELD, Objection.State.DISMISSED):
        raise InvalidTransition("该异议已答复，不能再修改核查情况。")
    findings = str(findings or "").strip()
    if not findings:
        raise InvalidInput("请填写核查情况。", {"findings": ["请填写核查情况"]})
    objection.findings, objection.state = findings[:5000], Objection.State.INVESTIGATING
    objection.investigated_by = acting_user if getattr(acting_user, "is_authenticated", False) else None
    objection.save(update_fields=["findings", "state", "investigated_by", "updated_at"])
    audit.record("investigate", objection, user=acting_user, message=findings[:300])
    return objection


@transaction.atomic
def answer(*, acting_user: Any, objection: Objection, upheld: bool, text: str) -> Objection:
    """Answer on record; an upheld objection removes the candidate from the campaign."""
    nomination = objection.nomination
    require_organiser(acting_user, nomination.campaign)
    if objection.state != Objection.State.INVESTIGATING:
        raise InvalidTransition("请先登记核查情况，再答复异议。" if objection.state == Objection.State.RECEIVED
                                else "该异议已答复。")
    text = str(text or "").strip()
    if not text:
        raise InvalidInput("请填写答复内容。", {"answer": ["请填写答复内容"]})
    objection.answer, objection.answered_at = text[:5000], timezone.now()
    objection.answered_by = acting_user if getattr(acting_user, "is_authenticated", False) else None
    objection.state = Objection.State.UPHELD if upheld else Objection.State.DISMISSED
    objection.save(update_fields=["answer", "answered_at", "answered_by", "state", "updated_at"])
    audit.record("answer", objection, user=acting_user, message=f"{objection.get_state_display()}：{text[:200]}")
    if upheld and nomination.state in IN_RACE:
        nomination.state = N.REMOVED
        save_versioned(nomination, nomination.version, ["state"])
        audit.record("transition", nomination, user=acting_user, message=f"异议 {objection.code} 成立，取消候选资格")
    return objection
