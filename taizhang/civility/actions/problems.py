"""Problems on the case loop. A failed standard opens a problem and dispatches a "civility_problem" case to the
site's responsible unit; the unit rectifies (before/after photos, `handle_case`); a re-inspection closes the case
(销号, `verify_case` passed) or sends it back. The case kind's on_state_change hook keeps `Problem.status` in step
whatever page moved the case. A problem at the same site and standard (by code, across editions) within
TAIZHANG_CIVILITY_RECURRING_DAYS of an earlier one is flagged recurring."""

from __future__ import annotations

import datetime
from types import ModuleType
from typing import Any

from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone

from taizhang.civility.actions.common import clean_text, require
from taizhang.civility.models import Inspection, Photo, Problem, Standard
from taizhang.core import audit
from taizhang.core.errors import InvalidInput, InvalidTransition, NotPermitted
from taizhang.org.roles import Cap
from taizhang.org.scoping import can_in_unit

CASE_KIND = "civility_problem"
FALLBACK_DAYS = 7
TITLE_MAX = 80


def clip(text: str, limit: int) -> str:
    """Cut at the end, never in the middle of a phrase followed by more text: "…" marks the cut."""
    text = " ".join(str(text or "").split())
    return text if len(text) <= limit else text[:limit - 1] + "…"


def unmet_text(standard: Standard) -> str:
    """What a problem says when the inspector wrote nothing: the standard, plainly marked as not met."""
    return f"未达标：{standard.text}"


def problem_title(site_name: str, standard: Standard, description: str) -> str:
    """The case title: site, standard code and the problem, cut only at the end."""
    return clip(f"{site_name}：{standard.code} {description}", TITLE_MAX)


def can_reinspect(user: Any, problem: Problem) -> bool:
    """Who re-checks (复查) a rectified problem: the inspecting side, never the responsible unit itself.
    The 文明办 staff of the unit (manage_work), or an inspector (测评员: review_records) whose scope reaches above
    the responsible unit, i.e. the inspection team that finds problems at the unit's sites."""
    if user is None:
        return True
    if can_in_unit(user, Cap.MANAGE_WORK, problem.unit):
        return True
    parent = problem.unit.parent
    return parent is not None and can_in_unit(user, Cap.REVIEW_RECORDS, parent)


def reinspectable(user: Any) -> Any:
    """The problems waiting for a re-check (已整改待复查) that `user` may re-check (the rule of can_reinspect)."""
    from django.db.models import Q

    from taizhang.org.scoping import unit_ids_for

    manage = unit_ids_for(user, Cap.MANAGE_WORK)
    review = unit_ids_for(user, Cap.REVIEW_RECORDS)
    return Problem.objects.filter(status=Problem.Status.RECTIFIED).filter(
        Q(unit_id__in=manage) | Q(unit__parent_id__in=review))


def cases() -> ModuleType | None:
    """The case loop's actions, when the cases app provides them."""
    try:
        from taizhang.cases import actions
    except ImportError:
        return None
    return actions if hasattr(actions, "dispatch_case") else None


def get_case(problem: Problem) -> Any:
    if problem.case_id is None:
        return None
    try:
        from taizhang.cases.models import Case
    except ImportError:
        return None
    return Case.objects.filter(pk=problem.case_id).first()


def _find_previous(problem: Problem, days: int) -> Problem | None:
    since = problem.found_on - datetime.timedelta(days=days)
    return (Problem.objects.filter(site=problem.site, standard__code=problem.standard.code, found_on__gte=since,
                                   found_on__lte=problem.found_on)
            .exclude(pk=problem.pk).exclude(status=Problem.Status.CANCELLED).order_by("-found_on", "-id").first())


def open_problem(*, acting_user: Any, inspection: Inspection, standard: Standard, description: str) -> Problem:
    from taizhang.civility.actions.inspections import recurring_days

    site = inspection.site
    found_on = timezone.localtime(inspection.submitted_at).date()
    description = clip(description, 500) if str(description or "").strip() else clip(unmet_text(standard), 500)
    problem = Problem(inspection=inspection, site=site, standard=standard, unit=site.unit,
                      description=description, found_on=found_on)
    problem.save()
    previous = _find_previous(problem, recurring_days())
    if previous is not None:
        problem.recurring = True
        problem.recurrence_of = previous
    loop = cases()
    if loop is not None:
        # The dispatch follows from the inspection by rule: the 文明办 (the system) dispatches, whoever inspected.
        dispatcher = acting_user if acting_user is not None and can_in_unit(acting_user, Cap.MANAGE_WORK,
                                                                             site.unit) else None
        case = loop.dispatch_case(acting_user=dispatcher, kind=CASE_KIND, unit=site.unit,
                                  title=problem_title(site.name, standard, problem.description),
                                  description=f"测评标准：{standard.text}\n问题：{problem.description}",
                                  subject=problem)
        problem.case_id = case.pk
        problem.case_state = str(case.state)
        problem.deadline = case.deadline.date() if isinstance(case.deadline, datetime.datetime) else case.deadline
    else:
        problem.deadline = found_on + datetime.timedelta(days=FALLBACK_DAYS)
    problem.save(update_fields=["recurring", "recurrence_of", "case_id", "case_state", "deadline"])
    audit.record("create", problem, user=acting_user, after=audit.snapshot(problem),
                 message="反复出现的问题" if problem.recurring else "")
    return problem


def _photos(acting_user: Any, problem: Problem, files: Any, stage: str) -> list[Photo]:
    from taizhang.civility.actions.inspections import store_photo

    return [store_photo(acting_user=acting_user, uploaded=f, stage=stage, problem=problem) for f in files or ()]


def _copy(photo: Photo) -> ContentFile[bytes]:
    """The stored (metadata-free) photo as a new upload for the case's evidence."""
    with photo.image.open("rb") as f:
        return ContentFile(f.read(), name=f"{photo.get_stage_display()}{photo.pk}.jpg")


@transaction.atomic
def rectify_problem(*, acting_user: Any, problem: Problem, reply: str, before: Any = (), after: Any = (),
                    on: datetime.date | None = None) -> Problem:
    """The unit reports the problem fixed, with photos before and after (at least one after)."""
    require(acting_user, Cap.EDIT_RECORDS, problem.unit, "只有责任单位可以报送整改")
    reply = clean_text(reply, "reply", "整改情况", max_length=2000)
    if problem.status not in (Problem.Status.OPEN,):
        raise InvalidTransition("该问题不在待整改状态")
    if not after and not problem.photos.filter(stage=Photo.Stage.AFTER).exists():
        raise InvalidInput("请上传整改后的照片", {"after": ["请上传整改后的照片"]})
    before_photos = _photos(acting_user, problem, before, Photo.Stage.BEFORE)
    after_photos = _photos(acting_user, problem, after, Photo.Stage.AFTER)
    loop = cases()
    case = get_case(problem)
    if loop is not None and case is not None:
        files = [(p.stage, _copy(p)) for p in before_photos + after_photos]
        case = loop.handle_case(acting_user=acting_user, case=case, reply=reply, public_reply="", files=files)
        problem.case_state = str(case.state)
    problem.refresh_from_db(fields=["status", "version"])
    problem.status = Problem.Status.RECTIFIED
    problem.rectified_on = on or timezone.localdate()
    problem.save(update_fields=["status", "rectified_on", "case_state"])
    audit.record("respond", problem, user=acting_user, message=f"报送整改：{reply[:100]}")
    return problem


@transaction.atomic
def reinspect_problem(*, acting_user: Any, problem: Problem, passed: bool, note: str = "", photos: Any = (),
                      on: datetime.date | None = None) -> Problem:
    """复查: passed → closed (销号); failed → back to the unit (the case returns to accepted). Done by the 文明办:
    its staff or its inspectors (see can_reinspect)."""
    if not can_reinspect(acting_user, problem):
        raise NotPermitted("复查由区文明办测评人员进行，责任单位不能复查本单位的问题")
    if problem.status != Problem.Status.RECTIFIED:
        raise InvalidTransition("只有已整改的问题才能复查")
    if not passed and not str(note or "").strip():
        raise InvalidInput("请填写复查未通过的原因", {"note": ["请填写复查未通过的原因"]})
    note = clean_text(note, "note", "复查意见", max_length=2000, required=False)
    _photos(acting_user, problem, photos, Photo.Stage.REINSPECTION)
    loop = cases()
    case = get_case(problem)
    if loop is not None and case is not None:
        # An inspector without manage_work re-checks by the civility rule: the case is verified by the system,
        # naming the inspector in the case's timeline (the audit entry below names the user too).
        verifier = acting_user if acting_user is None or can_in_unit(acting_user, Cap.MANAGE_WORK,
                                                                     problem.unit) else None
        reason = str(note or "").strip()
        if verifier is None and acting_user is not None:
            who = getattr(acting_user, "display_name", "") or acting_user.get_username()
            reason = f"{reason}（复查人：{who}）" if reason else f"复查人：{who}"
        case = loop.verify_case(acting_user=verifier, case=case, passed=passed, reason=reason)
        problem.case_state = str(case.state)
    problem.refresh_from_db(fields=["status", "version", "reopen_count"])
    if passed:
        problem.status = Problem.Status.CLOSED
        problem.closed_on = on or timezone.localdate()
    else:
        problem.status = Problem.Status.OPEN
        problem.reopen_count += 1
        problem.rectified_on = None
    problem.save(update_fields=["status", "closed_on", "rectified_on", "reopen_count", "case_state"])
    audit.record("close" if passed else "return", problem, user=acting_user,
                 message="复查通过，销号" if passed else f"复查未通过：{note}")
    return problem


STATE_TO_STATUS = {
    "closed": Problem.Status.CLOSED,
    "verified": Problem.Status.CLOSED,
    "handled": Problem.Status.RECTIFIED,
    "cancelled": Problem.Status.CANCELLED,
}


def on_case_state_change(case: Any, old_state: str, new_state: str) -> None:
    """Hook of the "civility_problem" case kind: mirror the case's state on its problem."""
    problem_id = getattr(case, "object_id", None)
    if not problem_id:
        return
    problem = Problem.objects.filter(pk=problem_id).first()
    if problem is None:
        return
    status = STATE_TO_STATUS.get(str(new_state), Problem.Status.OPEN)
    fields: dict[str, Any] = {"case_state": str(new_state), "status": status}
    today = timezone.localdate()
    if status == Problem.Status.CLOSED and problem.closed_on is None:
        fields["closed_on"] = today
    if status == Problem.Status.RECTIFIED and problem.rectified_on is None:
        fields["rectified_on"] = today
    if status == Problem.Status.OPEN:
        fields["closed_on"] = None
        if str(old_state) in ("handled", "closed", "verified"):
            fields["rectified_on"] = None
    Problem.objects.filter(pk=problem.pk).update(**fields)
