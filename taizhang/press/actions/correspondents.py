"""Correspondents and submissions: adoption linked to the ledger's placements (never counted twice), points by
rules that are data (a story counts once, at its highest level), monthly minimums and the year's best."""

from __future__ import annotations

import datetime
import hashlib
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.db import transaction

from taizhang.core import audit
from taizhang.core.concurrency import save_versioned
from taizhang.core.errors import InvalidInput, InvalidTransition
from taizhang.core.periods import Period
from taizhang.ledger.models import ActivityType, Outlet, Placement
from taizhang.org.models import Unit
from taizhang.press.actions.common import require_staff, require_unit, text
from taizhang.press.models import Correspondent, PointRule, Submission
from taizhang.press.models.correspondents import LEVEL_RANK

R = Submission.Result


@transaction.atomic
def add_correspondent(
    *, acting_user: Any, unit: Unit, name: str, joined_on: datetime.date | None = None
) -> Correspondent:
    require_unit(acting_user, unit, "您不能为该单位登记通讯员。")
    person = Correspondent.objects.create(
        unit=unit, name=text(name, "name", "姓名", max_length=50), joined_on=joined_on
    )
    audit.record("correspondent_add", person, user=acting_user)
    return person


def story_key_for(title: str) -> str:
    """The same piece carried by several outlets shares a key: its title without spaces and punctuation."""
    core = "".join(ch for ch in title if ch.isalnum())
    return hashlib.sha1(core.encode("utf-8"), usedforsecurity=False).hexdigest()[:16]


@transaction.atomic
def submit_piece(
    *,
    acting_user: Any,
    correspondent: Correspondent,
    title: str,
    submitted_on: datetime.date,
    kind: str = PointRule.Kind.NEWS,
    outlet: Outlet | None = None,
    story_key: str = "",
) -> Submission:
    require_unit(acting_user, correspondent.unit, "您不能为该单位登记稿件。")
    if kind not in PointRule.Kind.values:
        raise InvalidInput("稿件类型有误", {"kind": ["稿件类型有误"]})
    title = text(title, "title", "稿件标题", max_length=300)
    piece = Submission.objects.create(
        unit=correspondent.unit,
        correspondent=correspondent,
        title=title,
        kind=kind,
        submitted_on=submitted_on,
        outlet=outlet,
        story_key=story_key or story_key_for(title),
    )
    audit.record("submission_add", piece, user=acting_user)
    return piece


@transaction.atomic
def record_adoption(
    *,
    acting_user: Any,
    submission: Submission,
    adopted: bool,
    expected_version: int,
    outlet: Outlet | None = None,
    adopted_on: datetime.date | None = None,
    link: str = "",
    placement: Placement | None = None,
) -> Submission:
    """Record whether a piece was adopted. An adopted piece is counted in the ledger as a placement: an existing
    placement of the same story and outlet is linked; otherwise a placement record is created and submitted for
    review. Nothing is counted twice: the placement is the only ledger figure, the submission only earns points."""
    require_staff(acting_user, submission.unit, "只有宣传部工作人员可以登记稿件采用情况。")
    if submission.result != R.PENDING:
        raise InvalidTransition("该稿件已登记采用结果")
    if not adopted:
        submission.result = R.REJECTED
        save_versioned(submission, expected_version, ["result"])
        audit.record("submission_reject", submission, user=acting_user)
        return submission
    outlet = outlet or submission.outlet
    if outlet is None:
        raise InvalidInput("请选择采用的媒体", {"outlet": ["请选择媒体"]})
    if adopted_on is None:
        raise InvalidInput("请填写采用日期", {"adopted_on": ["请填写日期"]})
    if adopted_on < submission.submitted_on:
        raise InvalidInput("采用日期不能早于投稿日期", {"adopted_on": ["日期有误"]})
    link = str(link or "").strip()
    if link and not link.lower().startswith(("http://", "https://")):
        raise InvalidInput("链接须以 http:// 或 https:// 开头", {"link": ["链接格式有误"]})
    if placement is None:
        placement = (
            Placement.objects.filter(record__unit=submission.unit, outlet=outlet, story_key=submission.story_key)
            .exclude(record__status="superseded")
            .first()
        )
    if placement is None:
        placement = _create_placement(submission, outlet, adopted_on, link)
    elif Submission.objects.filter(placement=placement).exclude(pk=submission.pk).exists():
        raise InvalidInput("该用稿记录已关联其他稿件：同一篇用稿只计一次", {"placement": ["已关联"]})
    submission.result, submission.outlet, submission.level = R.ADOPTED, outlet, outlet.level
    submission.adopted_on, submission.link, submission.placement = adopted_on, link[:500], placement
    save_versioned(submission, expected_version, ["result", "outlet", "level", "adopted_on", "link", "placement"])
    audit.record(
        "submission_adopt",
        submission,
        user=acting_user,
        message=f"{outlet.name}（{outlet.get_level_display()}）采用，用稿记录 #{placement.record_id}",
    )
    return submission


def _create_placement(submission: Submission, outlet: Outlet, day: datetime.date, link: str) -> Placement:
    from taizhang.ledger import actions as ledger
    from taizhang.ledger.actions import PlacementInput

    atype = ActivityType.objects.filter(kind=ActivityType.Kind.PLACEMENT).order_by("id").first()
    if atype is None:
        raise InvalidInput("台账分类中没有“对外宣传用稿”类型，无法计入用稿")
    record = ledger.create_record(
        acting_user=None,
        unit=submission.unit,
        activity_type=atype,
        title=submission.title[:200],
        start_date=day,
        figures={},
        description=f"通讯员{submission.correspondent.name}投稿，由稿件采用登记生成",
        placement=PlacementInput(
            outlet=outlet, article_title=submission.title, url=link, story_key=submission.story_key
        ),
        submit=True,
    )
    return Placement.objects.get(record=record)


# --- points -------------------------------------------------------------------------------------------------------
@dataclass
class Score:
    correspondent: Correspondent
    points: Decimal = Decimal(0)
    adopted: int = 0
    stories: list[dict[str, Any]] = field(default_factory=list)
    submissions: list[int] = field(default_factory=list)


def point_table() -> dict[tuple[str, str], Decimal]:
    return {(r.kind, r.level): r.points for r in PointRule.objects.all()}


def scores(period: Period, *, unit_ids: list[int] | None = None) -> list[Score]:
    """Each correspondent's points in `period`: every story once, at its highest level (by adoption date)."""
    table = point_table()
    qs = Submission.objects.filter(result=R.ADOPTED, adopted_on__range=(period.start, period.end)).select_related(
        "correspondent__unit"
    )
    if unit_ids is not None:
        qs = qs.filter(unit_id__in=unit_ids)
    by_person: dict[int, Score] = {}
    best: dict[tuple[int, str], Submission] = {}
    for piece in qs.order_by("id"):
        score = by_person.setdefault(piece.correspondent_id, Score(piece.correspondent))
        score.adopted += 1
        score.submissions.append(piece.pk)
        key = (piece.correspondent_id, piece.story_key)
        if key not in best or LEVEL_RANK[piece.level] < LEVEL_RANK[best[key].level]:
            best[key] = piece
    for (person, _story), piece in best.items():
        value = table.get((piece.kind, piece.level), Decimal(0))
        by_person[person].points += value
        by_person[person].stories.append({"submission": piece.pk, "level": piece.level, "points": value})
    return sorted(by_person.values(), key=lambda s: (-s.points, s.correspondent.name))


def monthly_shortfalls(month: Period, *, units: list[Unit]) -> list[tuple[Unit, int, int]]:
    """Units whose adopted submissions in `month` fall short of TAIZHANG_CORRESPONDENT_MONTHLY_MINIMUM:
    (unit, adopted, minimum)."""
    minimum = settings.TAIZHANG_CORRESPONDENT_MONTHLY_MINIMUM
    counts: dict[int, int] = defaultdict(int)
    for unit_id in Submission.objects.filter(result=R.ADOPTED, adopted_on__range=(month.start, month.end)).values_list(
        "unit_id", flat=True
    ):
        counts[unit_id] += 1
    return [(u, counts[u.pk], minimum) for u in units if counts[u.pk] < minimum]


def outstanding(year: int, *, top: int = 10, unit_ids: list[int] | None = None) -> list[Score]:
    """The year's outstanding correspondents: the highest points, at least one adopted piece."""
    period = Period(datetime.date(year, 1, 1), datetime.date(year, 12, 31), str(year), "year")
    return [s for s in scores(period, unit_ids=unit_ids) if s.points > 0][:top]
