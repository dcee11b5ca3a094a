"""Every state change of event filing: draft, submit (lead time in working days), the approval chain host unit →
supervising department → publicity department, change after approval, held, cancelled; events found held
without filing, followed up as cases."""

from __future__ import annotations

import datetime
import hashlib
from collections.abc import Iterable
from typing import Any

from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone

from taizhang.core import audit
from taizhang.core.concurrency import save_versioned
from taizhang.core.errors import InvalidInput, InvalidTransition, NotPermitted
from taizhang.filings.models import EventFiling, EventKind, FilingPhoto, FilingStep, LeadTime, UnfiledEvent
from taizhang.org.models import Unit
from taizhang.org.roles import Cap
from taizhang.org.scoping import can_in_unit

S = EventFiling.State
DEFAULT_LEAD_DAYS = {"forum": 5, "lecture": 2, "seminar": 5, "report": 3, "reading": 2, "salon": 2}
EDITABLE = ("kind", "topic", "organiser", "starts_at", "ends_at", "place", "speakers", "overseas_approval", "outline",
            "audience", "audience_size", "live_streaming", "streaming_platform", "supervisor")
LABELS = {"kind": "活动类型", "topic": "主题", "organiser": "承办方", "starts_at": "开始时间", "ends_at": "结束时间",
          "place": "地点", "speakers": "主讲人", "overseas_approval": "境外人员审批文号", "outline": "内容提纲",
          "audience": "参加对象", "audience_size": "预计人数", "live_streaming": "网络直播",
          "streaming_platform": "直播平台", "supervisor": "主管部门"}


def _user(user: Any) -> Any:
    return user if getattr(user, "is_authenticated", False) else None


def _now() -> datetime.datetime:
    return timezone.now()


def lead_days(kind: str) -> int:
    row = LeadTime.objects.filter(kind=kind).first()
    return row.working_days if row else DEFAULT_LEAD_DAYS.get(kind, 3)


def due_date(kind: str, starts: datetime.date) -> tuple[datetime.date, bool]:
    """The last day to file an event of `kind` starting on `starts`: lead_days working days before it
    (statutory holidays off, 调休 Saturdays on), and whether that year's calendar is provisional."""
    from taizhang.cases.workdays import is_provisional, is_workday

    remaining, day, provisional = lead_days(kind), starts, is_provisional(starts)
    while remaining > 0:
        day -= datetime.timedelta(days=1)
        provisional = provisional or is_provisional(day)
        if is_workday(day):
            remaining -= 1
    return day, provisional


def default_supervisor(unit: Unit) -> Unit | None:
    """The supervising department: the parent unit, unless the parent is the top of the tree (the department
    itself reviews then)."""
    parent = unit.parent
    if parent is None or parent.parent_id is None:
        return None
    return parent


def _clean(values: dict[str, Any]) -> dict[str, Any]:
    errors: dict[str, list[str]] = {}
    out = dict(values)
    if "kind" in out and out["kind"] not in EventKind.values:
        errors["kind"] = ["请选择活动类型"]
    for field, size in (("topic", 200), ("place", 200), ("audience", 200), ("organiser", 200),
                        ("streaming_platform", 100), ("overseas_approval", 100)):
        if field in out:
            out[field] = str(out[field] or "").strip()
            if len(out[field]) > size:
                errors[field] = [f"过长：最多 {size} 字"]
    for field in ("topic", "place", "audience"):
        if field in out and not out[field]:
            errors[field] = [f"请填写{LABELS[field]}"]
    if "outline" in out:
        out["outline"] = str(out["outline"] or "").strip()
        if not out["outline"]:
            errors["outline"] = ["请填写内容提纲"]
        elif len(out["outline"]) > 20000:
            errors["outline"] = ["过长：最多 20000 字"]
    if "speakers" in out:
        speakers = []
        for s in out["speakers"] or []:
            name = str(s.get("name") or "").strip()[:50]
            if name:
                speakers.append({"name": name, "title": str(s.get("title") or "").strip()[:100],
                                 "org": str(s.get("org") or "").strip()[:100], "overseas": bool(s.get("overseas"))})
        if not speakers:
            errors["speakers"] = ["请填写至少一位主讲人"]
        out["speakers"] = speakers
    starts, ends = out.get("starts_at"), out.get("ends_at")
    if starts and ends and ends <= starts:
        errors["ends_at"] = ["结束时间应晚于开始时间"]
    if "audience_size" in out and not 0 <= int(out["audience_size"] or 0) <= 1_000_000:
        errors["audience_size"] = ["人数有误"]
    if out.get("live_streaming") and not out.get("streaming_platform"):
        errors["streaming_platform"] = ["网络直播须填写直播平台"]
    if errors:
        first = next(iter(errors.items()))
        raise InvalidInput(f"{LABELS.get(first[0], first[0])}：{first[1][0]}", errors)
    return out


def _step(filing: EventFiling, kind: str, user: Any, text: str = "", stage: str = "") -> None:
    FilingStep.objects.create(filing=filing, kind=kind, stage=stage, user=_user(user), text=text)


def _require_unit(user: Any, unit: Unit) -> None:
    if user is not None and not (can_in_unit(user, Cap.EDIT_RECORDS, unit) or can_in_unit(user, Cap.MANAGE_WORK, unit)):
        raise NotPermitted("您不能为该单位备案活动。")


@transaction.atomic
def create_filing(*, acting_user: Any, unit: Unit, **values: Any) -> EventFiling:
    _require_unit(acting_user, unit)
    values = _clean({k: v for k, v in values.items() if k in EDITABLE})
    for field in ("kind", "topic", "starts_at", "ends_at", "place", "outline", "audience", "speakers"):
        if field not in values or values[field] in (None, "", []):
            raise InvalidInput(f"请填写{LABELS[field]}", {field: [f"请填写{LABELS[field]}"]})
    values.setdefault("supervisor", default_supervisor(unit))
    filing = EventFiling.objects.create(unit=unit, created_by=_user(acting_user), **values)
    audit.record("filing_create", filing, user=acting_user, after=audit.snapshot(filing))
    return filing


@transaction.atomic
def update_filing(*, acting_user: Any, filing: EventFiling, expected_version: int, **values: Any) -> EventFiling:
    """Edit a draft or returned filing; an approved filing changed before the event goes back to the department
    for review, with the changed fields on its timeline."""
    _require_unit(acting_user, filing.unit)
    if filing.state not in (S.DRAFT, S.RETURNED, S.APPROVED):
        raise InvalidTransition(f"备案当前为“{filing.get_state_display()}”，不能修改")
    if filing.state == S.APPROVED and filing.starts_at <= _now():
        raise InvalidTransition("活动已开始，不能再变更备案")
    values = _clean({k: v for k, v in values.items() if k in EDITABLE})
    changed = [k for k, v in values.items() if getattr(filing, k if k != "supervisor" else "supervisor") != v]
    if not changed:
        return filing
    before = audit.snapshot(filing)
    for key in changed:
        setattr(filing, key, values[key])
    fields = list(changed)
    if filing.state == S.APPROVED:
        if filing.has_overseas_speaker and not filing.overseas_approval:
            raise InvalidInput("有境外主讲人的活动须先取得审批，请填写审批文号", {"overseas_approval": ["请填写"]})
        filing.state, filing.changed_after_approval = S.DEPARTMENT, True
        fields += ["state", "changed_after_approval"]
        _step(filing, FilingStep.Kind.CHANGE, acting_user, "变更：" + "、".join(LABELS[k] for k in changed) +
              "；已转宣传部重新审核", stage=S.DEPARTMENT)
    save_versioned(filing, expected_version, fields)
    audit.record("filing_update", filing, user=acting_user, before=before, after=audit.snapshot(filing))
    return filing


@transaction.atomic
def submit_filing(*, acting_user: Any, filing: EventFiling) -> EventFiling:
    _require_unit(acting_user, filing.unit)
    if filing.state not in (S.DRAFT, S.RETURNED):
        raise InvalidTransition(f"备案当前为“{filing.get_state_display()}”，不能提交")
    now = _now()
    if filing.starts_at <= now:
        raise InvalidTransition("活动已开始：须在举办前报备")
    if filing.has_overseas_speaker and not filing.overseas_approval:
        raise InvalidInput("有境外主讲人的活动须先取得审批，请填写审批文号", {"overseas_approval": ["请填写"]})
    due, _provisional = due_date(filing.kind, timezone.localtime(filing.starts_at).date())
    if filing.submitted_at is None:  # the first submission decides whether it was filed in time
        filing.submitted_at, filing.due_by = now, due
        filing.filed_in_time = timezone.localtime(now).date() <= due
    filing.state = S.HOST
    save_versioned(filing, filing.version, ["state", "submitted_at", "due_by", "filed_in_time"])
    late = "" if filing.filed_in_time else f"（晚于{due:%Y年%m月%d日}，未按规定提前报备）"
    _step(filing, FilingStep.Kind.SUBMIT, acting_user, f"提交备案{late}", stage=S.HOST)
    audit.record("filing_submit", filing, user=acting_user)
    return filing


def _held_at(user: Any, unit: Unit) -> bool:
    """The user reviews for this very unit (a role held in it), not from a unit above it: each stage of the
    chain is decided by its own unit."""
    from taizhang.org.scoping import root_paths_for

    return any(path == unit.path for cap in (Cap.REVIEW_RECORDS, Cap.MANAGE_WORK)
               for path in root_paths_for(user, cap))


def _may_decide(user: Any, filing: EventFiling) -> bool:
    if user is None:
        return True
    if filing.state == S.HOST:
        return _held_at(user, filing.unit)
    if filing.state == S.SUPERVISOR:
        return filing.supervisor is not None and _held_at(user, filing.supervisor)
    if filing.state == S.DEPARTMENT:
        return can_in_unit(user, Cap.MANAGE_WORK, filing.unit)
    return False


def _last_submit(filing: EventFiling) -> datetime.datetime:
    last = filing.steps.filter(kind__in=(FilingStep.Kind.SUBMIT, FilingStep.Kind.CHANGE)).order_by("-at").first()
    return last.at if last else filing.created_at


NEXT: dict[str, str] = {S.HOST: S.SUPERVISOR, S.SUPERVISOR: S.DEPARTMENT, S.DEPARTMENT: S.APPROVED}
STAGE_NAMES: dict[str, str] = {S.HOST: "主办单位", S.SUPERVISOR: "主管部门", S.DEPARTMENT: "宣传部"}


@transaction.atomic
def decide_filing(*, acting_user: Any, filing: EventFiling, approve: bool, reason: str = "") -> EventFiling:
    filing = EventFiling.objects.select_for_update(of=("self",)).select_related("unit", "supervisor").get(pk=filing.pk)
    if filing.state not in NEXT:
        raise InvalidTransition(f"备案当前为“{filing.get_state_display()}”，不在审核环节")
    if not _may_decide(acting_user, filing):
        raise NotPermitted(f"您不能代表{STAGE_NAMES[filing.state]}审核该备案")
    if acting_user is not None and filing.created_by_id == getattr(acting_user, "pk", None):
        raise NotPermitted("填报人不能审核自己提交的备案")
    if acting_user is not None and filing.steps.filter(kind=FilingStep.Kind.APPROVE, user=acting_user,
                                                       at__gte=_last_submit(filing)).exists():
        raise NotPermitted("同一人不能审核同一备案的两个环节")
    reason = str(reason or "").strip()
    stage = filing.state
    if not approve:
        if not reason:
            raise InvalidInput("退回须说明理由", {"reason": ["请说明理由"]})
        filing.state = S.RETURNED
        _step(filing, FilingStep.Kind.RETURN, acting_user, reason, stage=stage)
    else:
        nxt = NEXT[stage]
        if nxt == S.SUPERVISOR and filing.supervisor is None:
            nxt = S.DEPARTMENT
        filing.state = nxt
        _step(filing, FilingStep.Kind.APPROVE, acting_user, reason, stage=stage)
    save_versioned(filing, filing.version, ["state"])
    audit.record("filing_decide", filing, user=acting_user,
                 message=f"{STAGE_NAMES[stage]}{'通过' if approve else '退回：' + reason}")
    return filing


@transaction.atomic
def record_held(*, acting_user: Any, filing: EventFiling, summary: str, attendance: int | None = None,
                photos: Iterable[Any] = ()) -> EventFiling:
    from taizhang.core.uploads import IMAGE_TYPES, check_upload

    _require_unit(acting_user, filing.unit)
    if filing.state != S.APPROVED:
        raise InvalidTransition("只有已批准的活动可以登记举办情况")
    if filing.starts_at > _now():
        raise InvalidTransition("活动尚未举办")
    summary = str(summary or "").strip()
    if not summary:
        raise InvalidInput("请填写举办情况", {"summary": ["请填写举办情况"]})
    if attendance is not None and not 0 <= attendance <= 1_000_000:
        raise InvalidInput("实际参加人数有误", {"attendance": ["人数有误"]})
    for upload in list(photos)[:12]:
        checked = check_upload(upload, IMAGE_TYPES)
        upload.seek(0)
        data = upload.read()
        photo = FilingPhoto(filing=filing, name=str(getattr(upload, "name", "") or "photo")[-200:])
        photo.file.save(f"{hashlib.sha256(data).hexdigest()[:16]}.{checked.kind}", ContentFile(data), save=False)
        photo.save()
    filing.state, filing.held_summary, filing.held_attendance = S.HELD, summary[:5000], attendance
    save_versioned(filing, filing.version, ["state", "held_summary", "held_attendance"])
    _step(filing, FilingStep.Kind.HELD, acting_user, summary[:200])
    audit.record("filing_held", filing, user=acting_user)
    return filing


@transaction.atomic
def cancel_filing(*, acting_user: Any, filing: EventFiling, reason: str) -> EventFiling:
    _require_unit(acting_user, filing.unit)
    if filing.state in (S.HELD, S.CANCELLED):
        raise InvalidTransition("该活动已举办或已取消")
    if not str(reason or "").strip():
        raise InvalidInput("请说明取消理由", {"reason": ["请说明理由"]})
    filing.state = S.CANCELLED
    save_versioned(filing, filing.version, ["state"])
    _step(filing, FilingStep.Kind.CANCEL, acting_user, reason.strip())
    audit.record("filing_cancel", filing, user=acting_user, message=reason)
    return filing


@transaction.atomic
def report_unfiled(*, acting_user: Any, unit: Unit, kind: str, topic: str, held_on: datetime.date, source: str,
                   reference: str = "") -> UnfiledEvent:
    """Staff record an event found held without filing; a follow-up case goes to the unit."""
    from taizhang.cases.actions import dispatch_case

    if acting_user is not None and not can_in_unit(acting_user, Cap.MANAGE_WORK, unit):
        raise NotPermitted("只有宣传部工作人员可以登记未备案活动")
    if kind not in EventKind.values or source not in UnfiledEvent.Source.values:
        raise InvalidInput("活动类型或发现途径有误")
    topic = str(topic or "").strip()
    if not topic:
        raise InvalidInput("请填写活动名称", {"topic": ["请填写"]})
    if held_on > timezone.localdate():
        raise InvalidInput("举办日期不能晚于今天", {"held_on": ["日期有误"]})
    event = UnfiledEvent.objects.create(unit=unit, kind=kind, topic=topic[:200], held_on=held_on, source=source,
                                        reference=str(reference or "").strip()[:300], found_by=_user(acting_user))
    dispatch_case(acting_user=acting_user, kind="filing_followup", unit=unit, subject=event,
                  title=f"未备案活动：{event.topic}",
                  description=f"{held_on:%Y年%m月%d日}举办的{event.get_kind_display()}“{event.topic}”未按规定备案"
                              f"（{event.get_source_display()}发现）。请说明情况并整改。")
    audit.record("filing_unfiled", event, user=acting_user, after=audit.snapshot(event))
    return event
