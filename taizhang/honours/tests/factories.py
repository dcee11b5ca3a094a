"""Builders for honours tests (and the permission matrix): a campaign with two categories, valid ID numbers, a
candidate taken through qualification and the jury."""

from __future__ import annotations

import datetime
import itertools
from decimal import Decimal
from typing import Any

from django.utils import timezone

from taizhang.honours import actions
from taizhang.honours.models import Campaign, Category, Juror, Nomination, QualificationItem

_seq = itertools.count(1)
DEEDS = "多年如一日照顾孤寡老人，组织邻里互助小组，在暴雨中转移被困群众十余人，事迹感人。"


def resident_id(birth: datetime.date, serial: int | None = None) -> str:
    """A valid 18-digit resident ID number (checksum computed) for a birth date."""
    n = serial if serial is not None else next(_seq)
    body = f"330106{birth:%Y%m%d}{n % 1000:03d}"
    check = actions.ID_CHECK[sum(int(c) * w for c, w in zip(body, actions.ID_WEIGHTS, strict=True)) % 11]
    return body + check


def dates(base: datetime.date | None = None) -> dict[str, datetime.date]:
    """Stage dates with the notice (公示) running today."""
    today = base or timezone.localdate()
    return {"nomination_ends": today - datetime.timedelta(days=20),
            "qualification_ends": today - datetime.timedelta(days=12),
            "jury_ends": today - datetime.timedelta(days=6),
            "notice_starts": today - datetime.timedelta(days=2), "notice_ends": today + datetime.timedelta(days=3),
            "vote_starts": today + datetime.timedelta(days=4), "vote_ends": today + datetime.timedelta(days=10)}


def make_campaign(unit: Any, *, code: str | None = None, public_share: int | str = 40,
                  categories: list[tuple[str, int]] | None = None, jurors: list[Any] | None = None,
                  base: datetime.date | None = None) -> Campaign:
    return actions.open_campaign(
        acting_user=None, unit=unit, code=code or f"HR-{next(_seq)}", title="测试区第五届“身边好人”评选",
        honour_title="测试区好人", year=timezone.localdate().year,
        categories=categories or [("助人为乐", 2), ("见义勇为", 1)], dates=dates(base), public_share=public_share,
        jurors=jurors or [])


def nominate(campaign: Campaign, unit: Any, *, category: Category | None = None, name: str = "王建国",
             birth: datetime.date = datetime.date(1970, 5, 6), phone: str = "13912345678", initials: str = "",
             user: Any = None) -> Nomination:
    return actions.nominate(
        acting_user=user, campaign=campaign, category=category or campaign.categories.first(), unit=unit,
        name=name, gender="male", workplace="东一社区居民", phone=phone, id_number=resident_id(birth),
        deeds=DEEDS, initials=initials)


def qualify(nomination: Nomination, *, positive: bool = True) -> Nomination:
    for item in QualificationItem.objects.filter(campaign=nomination.campaign):
        nomination.refresh_from_db()
        if nomination.state != Nomination.State.SUBMITTED:
            break
        if nomination.signoffs.filter(item=item).exists():
            continue
        actions.sign_off(acting_user=None, nomination=nomination, item=item, positive=positive,
                         opinion="经核查，无违法犯罪记录" if positive else "有失信记录")
    nomination.refresh_from_db()
    return nomination


def score_all(campaign: Campaign, scores: dict[int, list[Decimal | int]]) -> None:
    """scores: nomination pk → one score per juror (jurors created as needed, unnamed system jurors)."""
    from taizhang.core.testing import make_user

    jurors = list(Juror.objects.filter(campaign=campaign))
    need = max(len(v) for v in scores.values())
    while len(jurors) < need:
        jurors.append(Juror.objects.create(campaign=campaign, user=make_user()))
    for pk, values in scores.items():
        n = Nomination.objects.get(pk=pk)
        for juror, value in zip(jurors, values, strict=False):
            actions.score(acting_user=None, nomination=n, value=value, juror=juror)


def to_notice(campaign: Campaign, nominations: list[Nomination], scores: list[int] | None = None) -> Campaign:
    """Qualification, jury and 公示 for the given nominations (all qualified)."""
    actions.advance(acting_user=None, campaign=campaign, to="qualification")
    for n in nominations:
        qualify(n)
    actions.advance(acting_user=None, campaign=campaign, to="jury")
    score_all(campaign, {n.pk: [scores[i] if scores else 80] for i, n in enumerate(nominations)})
    campaign.refresh_from_db()
    return actions.advance(acting_user=None, campaign=campaign, to="notice")
