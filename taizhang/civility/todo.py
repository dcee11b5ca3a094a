"""The inspector's to-dos: the current round (督查轮次) and its sites not yet inspected by the user, and the
problems waiting for a re-check (复查) the user may do. Read-only; the re-check rule itself lives in
actions.problems (can_reinspect / reinspectable)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db.models import Q, QuerySet
from django.utils import timezone

from taizhang.civility.models import Inspection, InspectionRound, InspectionTeam, Site
from taizhang.org.roles import Cap


def current_round(user: Any) -> InspectionRound | None:
    """The latest round that has started (the one the site list links the checklist to)."""
    today = timezone.localdate()
    return (InspectionRound.objects.visible_to(user).filter(week_start__lte=today)
            .order_by("-week_start", "-id").first())


def round_sites(user: Any, rnd: InspectionRound) -> QuerySet[Site]:
    """The active sites of the round's types that the user may inspect."""
    return Site.objects.visible_to(user, Cap.REVIEW_RECORDS).filter(is_active=True, type__in=list(rnd.site_types))


def todo_sites(user: Any, rnd: InspectionRound) -> QuerySet[Site]:
    """The round's sites the user has not inspected in this round yet."""
    done = Inspection.objects.filter(round=rnd, inspector=user).values("site_id")
    return round_sites(user, rnd).exclude(pk__in=done)


@dataclass
class RoundMarks:
    mine: set[int]  # sites the user inspected in the round
    others: set[int]  # sites someone else inspected in the round (and the user not)
    types: set[str]  # the round's site types

    def status(self, site: Site) -> str:
        if site.pk in self.mine:
            return "mine"
        if site.pk in self.others:
            return "others"
        return "todo" if site.type in self.types else ""


def round_marks(user: Any, rnd: InspectionRound | None) -> RoundMarks:
    if rnd is None:
        return RoundMarks(set(), set(), set())
    mine: set[int] = set()
    anyone: set[int] = set()
    for site_id, inspector_id in Inspection.objects.filter(round=rnd).values_list("site_id", "inspector_id"):
        anyone.add(site_id)
        if inspector_id == user.pk:
            mine.add(site_id)
    return RoundMarks(mine, anyone - mine, set(rnd.site_types))


def inspects(user: Any, rnd: InspectionRound | None) -> bool:
    """A user "inspects" when they have submitted inspections before or are on a team of the current round."""
    if Inspection.objects.filter(inspector=user).exists():
        return True
    if rnd is None:
        return False
    return InspectionTeam.objects.filter(round=rnd).filter(Q(leader=user) | Q(members=user)).exists()
