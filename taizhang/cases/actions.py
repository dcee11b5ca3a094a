"""Every state change of a case (工单). One state machine for every kind of case.

    NEW ──dispatch──▶ DISPATCHED ──accept──▶ ACCEPTED ──handle──▶ HANDLED ──verify(passed)──▶ CLOSED
                        │   ▲                  │                    │  └─verify(failed)─▶ ACCEPTED
                        │   └──overrule───┐    │                    └──close──▶ CLOSED
                        └──send back──▶ SENT_BACK ◀──send back──┘
                                          └──uphold──▶ NEW (re-dispatch, to new_unit when given)
    HANDLED / VERIFIED / CLOSED ──reopen──▶ REOPENED ──handle──▶ HANDLED …;  any open state ──cancel──▶ CANCELLED

Staff (``manage_work`` over the case's unit, i.e. held in the unit or an ancestor) dispatch, arbitrate, verify,
close, reopen, cancel and decide extensions; the responsible unit's people (``edit_records`` over the unit) accept,
send back, request extensions and handle. ``acting_user=None`` is the system (demo, jobs, public site).
Each transition writes a CaseEvent and an audit row, calls the kind's ``on_state_change`` and notifies.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.db import models, transaction
from django.urls import reverse
from django.utils import timezone

from taizhang.cases.models import Case, CaseAttachment, CaseEvent, EscalationRule, ExtensionRequest
from taizhang.cases.registry import CaseKind, get_kind
from taizhang.cases.workdays import add_working_days, is_provisional
from taizhang.core import audit
from taizhang.core.concurrency import save_versioned
from taizhang.core.errors import InvalidInput, InvalidTransition, NotPermitted
from taizhang.org.models import Unit
from taizhang.org.roles import Cap
from taizhang.org.scoping import can_in_unit

S = Case.State
E = CaseEvent.Kind

MAX_FILES = 20
AUDIT_FIELDS = ["state", "unit", "deadline", "escalation_level", "satisfaction"]

# Audit names of the case actions (shown by the audit viewer).
AUDIT_ACTIONS = {
    "case_dispatch": "派发工单",
    "case_accept": "签收工单",
    "case_send_back": "退单",
    "case_arbitrate": "退单裁定",
    "case_extension": "申请延期",
    "case_extension_decide": "延期审批",
    "case_handle": "办理工单",
    "case_verify": "核查工单",
    "case_close": "办结工单",
    "case_reopen": "重办工单",
    "case_cancel": "撤销工单",
    "case_rate": "评价工单",
    "case_attach": "上传工单附件",
    "case_escalate": "逾期督办",
}


def _now() -> datetime.datetime:
    """The clock (tests replace it)."""
    return timezone.now()


def _today() -> datetime.date:
    return timezone.localdate(_now())


def _user(user: Any) -> Any:
    return user if getattr(user, "is_authenticated", False) else None


# --- permission checks ---------------------------------------------------------------------------------------


def can_manage(user: Any, case: Case) -> bool:
    return user is None or can_in_unit(user, Cap.MANAGE_WORK, case.unit)


def has_manage(user: Any) -> bool:
    from taizhang.org.scoping import has_cap

    return has_cap(user, Cap.MANAGE_WORK)


def can_work(user: Any, case: Case) -> bool:
    return user is None or can_in_unit(user, Cap.EDIT_RECORDS, case.unit)


def _require_manage(user: Any, unit: Unit) -> None:
    if user is not None and not can_in_unit(user, Cap.MANAGE_WORK, unit):
        raise NotPermitted("只有宣传部工作人员可以执行此操作。")


def _require_work(user: Any, case: Case) -> None:
    if not can_work(user, case):
        raise NotPermitted("只有责任单位的填报人员可以执行此操作。")


def _require_state(case: Case, allowed: Iterable[str], doing: str) -> None:
    if case.state not in tuple(allowed):
        raise InvalidTransition(f"工单当前状态为“{case.get_state_display()}”，不能{doing}。")


def _require_text(value: str, field: str, message: str) -> str:
    value = (value or "").strip()
    if not value:
        raise InvalidInput(message, {field: [message]})
    return value


# --- plumbing: save, event, audit, hook, notices ----------------------------------------------------------------


def _save(case: Case, fields: list[str]) -> None:
    save_versioned(case, case.version, fields)


def _event(case: Case, kind: str, user: Any, text: str = "", old: str = "", new: str = "",
           at: datetime.datetime | None = None) -> CaseEvent:
    return CaseEvent.objects.create(
        case=case, kind=kind, from_state=old, to_state=new, user=_user(user), unit=case.unit, text=text,
        at=at or _now(),
    )


def _finish(case: Case, user: Any, action: str, old_state: str, before: dict[str, Any], message: str = "") -> None:
    audit.record(action, case, user=user, before=before, after=audit.snapshot(case, AUDIT_FIELDS), message=message)
    if old_state != case.state:
        kind = get_kind(case.kind)
        if kind is not None and kind.on_state_change is not None:
            kind.on_state_change(case, old_state, case.state)


def case_url(case: Case) -> str:
    return reverse("cases:case_detail", args=[case.pk])


def managers_of(unit: Unit) -> list[Any]:
    """Users who hold ``manage_work`` in the unit or one of its ancestors (the department's staff)."""
    from taizhang.org.notices import unit_people

    return unit_people(unit, Cap.MANAGE_WORK)


def _tell_unit(case: Case, event: str, title: str, body: str = "", cap: str = Cap.EDIT_RECORDS, url: str = "") -> None:
    from taizhang.org.notices import notify_unit

    notify_unit(case.unit, event, case, cap=cap, title=title, body=body, url=url or case_url(case))


def _tell_staff(case: Case, event: str, title: str, body: str = "", url: str = "") -> None:
    from taizhang.core.notifications import notify

    recipients = managers_of(case.unit)
    if recipients:
        notify(recipients, event, case, title=title, body=body, url=url or case_url(case))


def _tell_leaders(case: Case, event: str, title: str, body: str = "", url: str = "") -> None:
    """The unit's leaders: its reviewers, or the nearest ancestor's when it has none."""
    from taizhang.core.notifications import notify
    from taizhang.org.notices import nearest_people

    recipients = nearest_people(case.unit, Cap.REVIEW_RECORDS)
    if recipients:
        notify(recipients, event, case, title=title, body=body, url=url or case_url(case))


def _fmt(day: datetime.date | None) -> str:
    return f"{day.year}年{day.month}月{day.day}日" if day else "无"


# --- deadlines ------------------------------------------------------------------------------------------------


def compute_deadline(kind: CaseKind, start: datetime.date, sla_days: int | None = None) -> tuple[datetime.date, bool]:
    days = kind.sla_working_days if sla_days is None else sla_days
    return add_working_days(start, days)


def _kind(key: str) -> CaseKind:
    kind = get_kind(key)
    if kind is None:
        raise InvalidInput("未知的工单类型", {"kind": ["未知的工单类型"]})
    return kind


def _deadline(kind: CaseKind, deadline: datetime.date | None, sla_days: int | None) -> tuple[datetime.date, bool, int]:
    if sla_days is not None and not 0 <= int(sla_days) <= 365:
        raise InvalidInput("办理时限应在 0 到 365 个工作日之间", {"sla_days": ["办理时限不正确"]})
    sla = kind.sla_working_days if sla_days is None else int(sla_days)
    today = _today()
    if deadline is not None:
        if deadline < today:
            raise InvalidInput("办理期限不能早于今天", {"deadline": ["办理期限不能早于今天"]})
        return deadline, is_provisional(deadline), sla
    day, provisional = add_working_days(today, sla)
    return day, provisional, sla


# --- creating and dispatching ---------------------------------------------------------------------------------


def _subject_fields(subject: models.Model | None) -> dict[str, Any]:
    if subject is None:
        return {"content_type": None, "object_id": None}
    if subject.pk is None:
        raise InvalidInput("工单关联的对象尚未保存")
    return {"content_type": ContentType.objects.get_for_model(type(subject)), "object_id": subject.pk}


@transaction.atomic
def create_case(
    *, acting_user: Any, kind: str, unit: Unit, title: str, description: str = "", subject: models.Model | None = None,
) -> Case:
    """Register a case waiting for dispatch (待派发), held by `unit` (usually the department) until dispatched."""
    case_kind = _kind(kind)
    title = _require_text(title, "title", "请填写工单标题")[:200]
    _require_manage(acting_user, unit)
    case = Case.objects.create(
        kind=case_kind.key, unit=unit, title=title, description=(description or "").strip(), state=S.NEW,
        sla_days=case_kind.sla_working_days, created_at=_now(), **_subject_fields(subject),
    )
    _event(case, E.CREATE, acting_user, "登记待派发", "", S.NEW)
    audit.record("create", case, user=acting_user, after=audit.snapshot(case, AUDIT_FIELDS))
    return case


@transaction.atomic
def dispatch_case(
    *, acting_user: Any, kind: str, unit: Unit, title: str, description: str = "", subject: models.Model | None = None,
    deadline: datetime.date | None = None, sla_days: int | None = None,
) -> Case:
    """Create a case and assign it to the responsible unit with a deadline in working days."""
    case_kind = _kind(kind)
    title = _require_text(title, "title", "请填写工单标题")[:200]
    if unit is None or not unit.is_active:
        raise InvalidInput("请选择责任单位", {"unit": ["请选择责任单位"]})
    _require_manage(acting_user, unit)
    day, provisional, sla = _deadline(case_kind, deadline, sla_days)
    now = _now()
    case = Case.objects.create(
        kind=case_kind.key, unit=unit, title=title, description=(description or "").strip(), state=S.DISPATCHED,
        deadline=day, deadline_provisional=provisional, sla_days=sla, dispatched_at=now,
        dispatched_by=_user(acting_user), created_at=now, **_subject_fields(subject),
    )
    _event(case, E.DISPATCH, acting_user, f"派发至{unit.name}，办理期限{_fmt(day)}{'（暂定）' if provisional else ''}",
           "", S.DISPATCHED, at=now)
    _finish(case, acting_user, "case_dispatch", S.NEW, {})
    _tell_unit(case, "case.dispatched", f"新工单：{case.title}", f"办理期限{_fmt(day)}，请及时签收办理。")
    return case


@transaction.atomic
def redispatch_case(
    *, acting_user: Any, case: Case, unit: Unit, deadline: datetime.date | None = None, sla_days: int | None = None,
    note: str = "",
) -> Case:
    """Dispatch a case waiting in 待派发 (new, or sent back and upheld) to a unit."""
    _require_state(case, [S.NEW], "派发")
    _require_manage(acting_user, case.unit)
    if unit is None or not unit.is_active:
        raise InvalidInput("请选择责任单位", {"unit": ["请选择责任单位"]})
    _require_manage(acting_user, unit)
    day, provisional, sla = _deadline(_kind(case.kind), deadline, sla_days)
    before = audit.snapshot(case, AUDIT_FIELDS)
    old = case.state
    now = _now()
    case.unit = unit
    case.state = S.DISPATCHED
    case.deadline, case.deadline_provisional, case.sla_days = day, provisional, sla
    case.dispatched_at = now
    case.accepted_at = None
    case.dispatched_by = _user(acting_user)
    case.escalation_level = 0
    _save(case, ["unit", "state", "deadline", "deadline_provisional", "sla_days", "dispatched_at", "accepted_at",
                 "dispatched_by", "escalation_level"])
    text = f"派发至{unit.name}，办理期限{_fmt(day)}{'（暂定）' if provisional else ''}"
    _event(case, E.DISPATCH, acting_user, text + (f"。{note.strip()}" if note.strip() else ""), old, S.DISPATCHED)
    _finish(case, acting_user, "case_dispatch", old, before)
    _tell_unit(case, "case.dispatched", f"新工单：{case.title}", f"办理期限{_fmt(day)}，请及时签收办理。")
    return case


# --- the unit's steps -----------------------------------------------------------------------------------------


@transaction.atomic
def accept_case(*, acting_user: Any, case: Case) -> Case:
    _require_state(case, [S.DISPATCHED], "签收")
    _require_work(acting_user, case)
    before, old = audit.snapshot(case, AUDIT_FIELDS), case.state
    case.state = S.ACCEPTED
    case.accepted_at = _now()
    _save(case, ["state", "accepted_at"])
    _event(case, E.ACCEPT, acting_user, f"{case.unit.name}签收", old, case.state)
    _finish(case, acting_user, "case_accept", old, before)
    return case


@transaction.atomic
def send_back_case(*, acting_user: Any, case: Case, reason: str) -> Case:
    """退单: the unit says the case is not theirs; staff arbitrate."""
    _require_state(case, [S.DISPATCHED, S.ACCEPTED], "退单")
    _require_work(acting_user, case)
    reason = _require_text(reason, "reason", "退单必须说明理由")
    before, old = audit.snapshot(case, AUDIT_FIELDS), case.state
    case.state = S.SENT_BACK
    _save(case, ["state"])
    _event(case, E.SEND_BACK, acting_user, reason, old, case.state)
    _finish(case, acting_user, "case_send_back", old, before, reason)
    _tell_staff(case, "case.sent_back", f"{case.unit.name}申请退单：{case.title}", f"理由：{reason}")
    return case


@transaction.atomic
def arbitrate_send_back(
    *, acting_user: Any, case: Case, uphold: bool, new_unit: Unit | None = None, reason: str = ""
) -> Case:
    """Uphold: the case returns to 待派发 (and is dispatched to `new_unit` when given). Overrule: back to the same
    unit with the reason, with its deadline unchanged."""
    _require_state(case, [S.SENT_BACK], "裁定退单")
    _require_manage(acting_user, case.unit)
    reason = (reason or "").strip()
    if not uphold and not reason:
        raise InvalidInput("驳回退单必须说明理由", {"reason": ["请说明理由"]})
    if new_unit is not None and new_unit.pk == case.unit_id and uphold:
        raise InvalidInput("改派的单位不能是原责任单位", {"new_unit": ["请选择其他单位"]})
    before, old = audit.snapshot(case, AUDIT_FIELDS), case.state
    if uphold:
        case.state = S.NEW
        _save(case, ["state"])
        _event(case, E.ARBITRATE, acting_user, "同意退单" + (f"：{reason}" if reason else ""), old, case.state)
        _finish(case, acting_user, "case_arbitrate", old, before, "同意退单")
        _tell_unit(case, "case.send_back_upheld", f"退单已同意：{case.title}", reason)
        if new_unit is not None:
            redispatch_case(acting_user=acting_user, case=case, unit=new_unit)
        return case
    case.state = S.DISPATCHED
    case.accepted_at = None
    _save(case, ["state", "accepted_at"])
    _event(case, E.ARBITRATE, acting_user, f"驳回退单：{reason}", old, case.state)
    _finish(case, acting_user, "case_arbitrate", old, before, f"驳回退单：{reason}")
    _tell_unit(case, "case.send_back_overruled", f"退单未获同意，请继续办理：{case.title}", f"理由：{reason}")
    return case


def extension_unavailable(case: Case, pending: ExtensionRequest | None = None) -> str:
    """Why the unit cannot ask for an extension now (shown where the form would be); "" when it can."""
    if case.state not in (S.DISPATCHED, S.ACCEPTED, S.REOPENED):
        return ""
    if pending is None:
        pending = pending_extension(case)
    if pending is not None:
        return f"已有延期申请待审批（申请延至{_fmt(pending.requested_until)}），审批后才能再次申请。"
    if case.deadline is not None and _today() > case.deadline:
        return f"办理期限（{_fmt(case.deadline)}）已过，不能再申请延期，请尽快办理。"
    return ""


def pending_extension(case: Case) -> ExtensionRequest | None:
    return ExtensionRequest.objects.filter(case=case, state=ExtensionRequest.State.PENDING).first()


# --- what a user may do now ----------------------------------------------------------------------------------


def available_actions(user: Any, case: Case, pending: ExtensionRequest | None = None) -> list[str]:
    """The actions `user` may take on `case` now (the names of the detail page's forms, in its order): the rule the
    actions below enforce. The detail page offers these forms; a subject page's case panel offers "打开工单办理"
    only when there is one. `pending` is the case's pending extension request (looked up when None)."""
    if pending is None:
        pending = pending_extension(case)
    state = case.state
    allowed: list[str] = []
    if can_work(user, case):
        if state == S.DISPATCHED:
            allowed.append("accept")
        if state in (S.DISPATCHED, S.ACCEPTED):
            allowed.append("send_back")
        if state in (S.DISPATCHED, S.ACCEPTED, S.REOPENED):
            allowed.append("handle")
            if not extension_unavailable(case, pending):
                allowed.append("extension")
    if can_manage(user, case):
        if state == S.NEW:
            allowed.append("redispatch")
        if state == S.SENT_BACK:
            allowed.append("arbitrate")
        if pending is not None:
            allowed.append("decide")
        if state == S.HANDLED:
            allowed.append("verify")
        if state in (S.HANDLED, S.VERIFIED):
            allowed.append("close")
        if state in (S.HANDLED, S.VERIFIED, S.CLOSED):
            allowed.append("reopen")
        if state in Case.OPEN_STATES:
            allowed.append("cancel")
        kind = get_kind(case.kind)
        if kind is not None and kind.has_citizen and state in (S.HANDLED, S.VERIFIED, S.CLOSED) and not case.rated_at:
            allowed.append("rate")
    return allowed


def waiting_on(case: Case) -> str:
    """Who acts on the case now, in one line, for a viewer who cannot ("待东一社区办理，截止2026年9月28日")."""
    unit = case.unit.name
    state = case.state
    if state in Case.RUNNING_STATES:
        text = f"待{unit}办理"
        if case.deadline is not None:
            text += f"，截止{_fmt(case.deadline)}{'（暂定）' if case.deadline_provisional else ''}"
            if case.is_overdue(_today()):
                text += "，已逾期"
        return text
    if state == S.NEW:
        return "待宣传部派发"
    if state == S.SENT_BACK:
        return f"{unit}已退单，待宣传部裁定"
    if state == S.HANDLED:
        kind = get_kind(case.kind)
        return f"{unit}已办理，待{kind.verified_by if kind else '宣传部'}{kind.verify_word if kind else '核查'}"
    if state == S.VERIFIED:
        return "已核查，待宣传部办结"
    if state == S.CLOSED:
        return f"已于{_fmt(timezone.localdate(case.closed_at))}办结" if case.closed_at else "已办结"
    return "工单已撤销"


@transaction.atomic
def request_extension(*, acting_user: Any, case: Case, until: datetime.date, reason: str) -> ExtensionRequest:
    """Ask for a later deadline; only before the deadline has passed."""
    _require_state(case, [S.DISPATCHED, S.ACCEPTED, S.REOPENED], "申请延期")
    _require_work(acting_user, case)
    reason = _require_text(reason, "reason", "申请延期必须说明理由")
    today = _today()
    if case.deadline is not None and today > case.deadline:
        raise InvalidTransition(f"办理期限（{_fmt(case.deadline)}）已过，不能再申请延期，请尽快办理。")
    if until is None or (case.deadline is not None and until <= case.deadline) or until <= today:
        raise InvalidInput("申请延至的日期应晚于当前办理期限", {"until": ["应晚于当前办理期限"]})
    if ExtensionRequest.objects.filter(case=case, state=ExtensionRequest.State.PENDING).exists():
        raise InvalidTransition("该工单已有待审批的延期申请。")
    request = ExtensionRequest.objects.create(
        case=case, requested_until=until, previous_deadline=case.deadline, reason=reason,
        requested_by=_user(acting_user),
    )
    _event(case, E.EXTENSION_REQUEST, acting_user, f"申请延至{_fmt(until)}：{reason}", case.state, case.state)
    audit.record("case_extension", case, user=acting_user, message=f"申请延至{_fmt(until)}：{reason}")
    _tell_staff(case, "case.extension_requested", f"{case.unit.name}申请延期：{case.title}",
                f"申请延至{_fmt(until)}，理由：{reason}")
    return request


@transaction.atomic
def decide_extension(
    *, acting_user: Any, request: ExtensionRequest, approve: bool, reason: str = ""
) -> ExtensionRequest:
    case = request.case
    _require_manage(acting_user, case.unit)
    if request.state != ExtensionRequest.State.PENDING:
        raise InvalidTransition("该延期申请已审批。")
    if case.state not in Case.OPEN_STATES:
        raise InvalidTransition(f"工单当前状态为“{case.get_state_display()}”，不能审批延期。")
    reason = (reason or "").strip()
    if not approve and not reason:
        raise InvalidInput("不同意延期必须填写意见", {"reason": ["请填写意见"]})
    before = audit.snapshot(case, AUDIT_FIELDS)
    request.state = ExtensionRequest.State.APPROVED if approve else ExtensionRequest.State.REFUSED
    request.decided_by = _user(acting_user)
    request.decided_at = _now()
    request.decision_reason = reason
    request.save(update_fields=["state", "decided_by", "decided_at", "decision_reason", "updated_at"])
    if approve:
        case.deadline = request.requested_until
        case.deadline_provisional = is_provisional(request.requested_until)
        case.escalation_level = 0
        _save(case, ["deadline", "deadline_provisional", "escalation_level"])
        text = f"同意延期至{_fmt(request.requested_until)}" + (f"：{reason}" if reason else "")
    else:
        text = f"不同意延期：{reason}"
    _event(case, E.EXTENSION_DECISION, acting_user, text, case.state, case.state)
    audit.record("case_extension_decide", case, user=acting_user, before=before,
                 after=audit.snapshot(case, AUDIT_FIELDS), message=text)
    _tell_unit(case, "case.extension_decided", f"延期申请{'已同意' if approve else '未同意'}：{case.title}", text)
    return request


def _store_files(case: Case, user: Any, files: Iterable[Any], default_phase: str | None = None) -> list[CaseAttachment]:
    """Check every file first (nothing stored if one is refused), then store them under generated names."""
    from taizhang.core.uploads import EVIDENCE_TYPES, check_upload

    pairs: list[tuple[str | None, Any]] = []
    for item in files:
        if isinstance(item, tuple):
            pairs.append((item[0], item[1]))
        else:
            pairs.append((default_phase, item))
    if len(pairs) > MAX_FILES:
        raise InvalidInput(f"一次最多上传 {MAX_FILES} 个文件", {"files": ["文件过多"]})
    checked = []
    for phase, f in pairs:
        if phase is not None and phase not in CaseAttachment.Phase.values:
            raise InvalidInput("附件类别不正确", {"files": ["附件类别不正确"]})
        try:
            info = check_upload(f, EVIDENCE_TYPES)
        except InvalidInput as exc:
            name = str(getattr(f, "name", "") or "")[:60]
            message = f"“{name}”：{exc.message}" if len(pairs) > 1 else exc.message
            raise InvalidInput(message, {"files": [message]}) from exc
        checked.append((phase, f, info))
    stored: list[CaseAttachment] = []
    names: list[str] = []
    try:
        for phase, f, info in checked:
            default = CaseAttachment.Phase.AFTER if info.is_image else CaseAttachment.Phase.DOCUMENT
            attachment = CaseAttachment(
                case=case, phase=phase or default,
                original_name=info.safe_name, content_type=info.content_type, size=info.size, sha256=info.sha256,
                is_image=info.is_image, uploaded_by=_user(user),
            )
            f.seek(0)
            attachment.file.save("upload", f, save=False)
            names.append(attachment.file.name)
            attachment.save()
            stored.append(attachment)
    except Exception:
        from django.core.files.storage import default_storage

        for name in names:
            default_storage.delete(name)
        raise
    return stored


@transaction.atomic
def add_attachments(
    *, acting_user: Any, case: Case, files: Iterable[Any], phase: str = "before"
) -> list[CaseAttachment]:
    """Evidence added outside handling (e.g. 整改前 photos); the unit or staff, while the case is open."""
    if case.state not in Case.OPEN_STATES:
        raise InvalidTransition(f"工单当前状态为“{case.get_state_display()}”，不能上传附件。")
    if not (can_work(acting_user, case) or can_manage(acting_user, case)):
        raise NotPermitted("您没有为该工单上传附件的权限。")
    files = list(files)
    if not files:
        raise InvalidInput("请选择要上传的文件", {"files": ["请选择要上传的文件"]})
    stored = _store_files(case, acting_user, files, phase)
    _event(case, E.NOTE, acting_user, f"上传附件{len(stored)}份", case.state, case.state)
    audit.record("case_attach", case, user=acting_user, message="、".join(a.original_name for a in stored)[:500])
    return stored


@transaction.atomic
def handle_case(
    *, acting_user: Any, case: Case, reply: str, public_reply: str = "", files: Iterable[Any] = ()
) -> Case:
    """The unit records how it handled the case (and signs for it if it had not), with evidence."""
    _require_state(case, [S.DISPATCHED, S.ACCEPTED, S.REOPENED], "办理回复")
    _require_work(acting_user, case)
    reply = _require_text(reply, "reply", "请填写办理情况")
    before, old = audit.snapshot(case, AUDIT_FIELDS), case.state
    now = _now()
    stored = _store_files(case, acting_user, list(files))
    if case.accepted_at is None:
        case.accepted_at = now
    case.state = S.HANDLED
    case.handled_at = now
    case.reply = reply
    case.public_reply = (public_reply or "").strip()
    _save(case, ["state", "accepted_at", "handled_at", "reply", "public_reply"])
    extra = f"（附件{len(stored)}份）" if stored else ""
    _event(case, E.HANDLE, acting_user, reply + extra, old, case.state, at=now)
    _finish(case, acting_user, "case_handle", old, before)
    _tell_staff(case, "case.handled", f"{case.unit.name}已办理：{case.title}", "请核查办理情况。")
    return case


# --- staff's steps --------------------------------------------------------------------------------------------


def _close(case: Case, acting_user: Any, text: str, event_kind: str = E.CLOSE) -> None:
    now = _now()
    old = case.state
    case.state = S.CLOSED
    case.closed_at = now
    # On time: the unit finished (handled) by the (possibly extended) deadline; closing day when never handled.
    done = timezone.localdate(case.handled_at or now)
    case.closed_on_time = case.deadline is None or done <= case.deadline
    _save(case, ["state", "closed_at", "closed_on_time"])
    _event(case, event_kind, acting_user, text, old, case.state, at=now)


@transaction.atomic
def verify_case(*, acting_user: Any, case: Case, passed: bool, reason: str = "", close: bool = True) -> Case:
    """核查: passed → closed (or 已核查 when `close` is False, e.g. waiting for a citizen's rating); failed → the
    unit handles it again (办理中), with the reason."""
    _require_state(case, [S.HANDLED], "核查")
    _require_manage(acting_user, case.unit)
    reason = (reason or "").strip()
    before, old = audit.snapshot(case, AUDIT_FIELDS), case.state
    if passed:
        if close:
            _close(case, acting_user, "核查通过，办结" + (f"：{reason}" if reason else ""), E.VERIFY)
        else:
            case.state = S.VERIFIED
            _save(case, ["state"])
            _event(case, E.VERIFY, acting_user, "核查通过" + (f"：{reason}" if reason else ""), old, case.state)
        _finish(case, acting_user, "case_verify", old, before, "核查通过")
        return case
    if not reason:
        raise InvalidInput("核查未通过必须填写意见", {"reason": ["请填写意见"]})
    case.state = S.ACCEPTED
    _save(case, ["state"])
    _event(case, E.VERIFY, acting_user, f"核查未通过：{reason}", old, case.state)
    _finish(case, acting_user, "case_verify", old, before, f"核查未通过：{reason}")
    _tell_unit(case, "case.verify_failed", f"核查未通过，请重新办理：{case.title}", f"理由：{reason}")
    return case


@transaction.atomic
def close_case(*, acting_user: Any, case: Case, reason: str = "") -> Case:
    _require_state(case, [S.HANDLED, S.VERIFIED], "办结")
    _require_manage(acting_user, case.unit)
    before, old = audit.snapshot(case, AUDIT_FIELDS), case.state
    reason = (reason or "").strip()
    _close(case, acting_user, "办结" + (f"：{reason}" if reason else ""))
    _finish(case, acting_user, "case_close", old, before, reason)
    _tell_unit(case, "case.closed", f"工单已办结：{case.title}")
    return case


@transaction.atomic
def reopen_case(*, acting_user: Any, case: Case, reason: str) -> Case:
    """Back to the unit with a fresh deadline (a citizen unsatisfied, a problem recurring, a closure found false)."""
    _require_state(case, [S.HANDLED, S.VERIFIED, S.CLOSED], "重办")
    _require_manage(acting_user, case.unit)
    reason = _require_text(reason, "reason", "重办必须说明理由")
    before, old = audit.snapshot(case, AUDIT_FIELDS), case.state
    day, provisional = add_working_days(_today(), case.sla_days)
    case.state = S.REOPENED
    case.reopen_count += 1
    case.deadline, case.deadline_provisional = day, provisional
    case.closed_at = None
    case.closed_on_time = None
    case.handled_at = None
    case.escalation_level = 0
    case.satisfaction = None
    case.satisfaction_comment = ""
    case.rated_at = None
    _save(case, ["state", "reopen_count", "deadline", "deadline_provisional", "closed_at", "closed_on_time",
                 "handled_at", "escalation_level", "satisfaction", "satisfaction_comment", "rated_at"])
    _event(case, E.REOPEN, acting_user, f"{reason}（新办理期限{_fmt(day)}{'（暂定）' if provisional else ''}）",
           old, case.state)
    _finish(case, acting_user, "case_reopen", old, before, reason)
    _tell_unit(case, "case.reopened", f"工单重办：{case.title}", f"理由：{reason}；办理期限{_fmt(day)}")
    return case


@transaction.atomic
def cancel_case(*, acting_user: Any, case: Case, reason: str) -> Case:
    _require_state(case, Case.OPEN_STATES, "撤销")
    _require_manage(acting_user, case.unit)
    reason = _require_text(reason, "reason", "撤销工单必须说明理由")
    before, old = audit.snapshot(case, AUDIT_FIELDS), case.state
    case.state = S.CANCELLED
    case.closed_at = _now()
    _save(case, ["state", "closed_at"])
    ExtensionRequest.objects.filter(case=case, state=ExtensionRequest.State.PENDING).update(
        state=ExtensionRequest.State.REFUSED, decision_reason="工单已撤销", decided_at=_now())
    _event(case, E.CANCEL, acting_user, reason, old, case.state)
    _finish(case, acting_user, "case_cancel", old, before, reason)
    if old != S.NEW:
        _tell_unit(case, "case.cancelled", f"工单已撤销：{case.title}", f"理由：{reason}")
    return case


@transaction.atomic
def rate_case(*, acting_user: Any, case: Case, rating: str, comment: str = "") -> Case:
    """Satisfaction from the citizen (acting_user None: the public site) or recorded by staff (回访).
    An 'unsatisfied' rating does not reopen the case by itself: the caller decides (reopen_case)."""
    kind = get_kind(case.kind)
    if kind is None or not kind.has_citizen:
        raise InvalidTransition("该类工单没有群众评价。")
    _require_state(case, [S.HANDLED, S.VERIFIED, S.CLOSED], "评价")
    if acting_user is not None and not can_manage(acting_user, case):
        raise NotPermitted("只有宣传部工作人员可以代为登记评价。")
    if rating not in Case.Satisfaction.values:
        raise InvalidInput("评价只能是满意、基本满意或不满意", {"rating": ["评价不正确"]})
    if case.rated_at is not None:
        raise InvalidTransition("该工单已评价。")
    before = audit.snapshot(case, AUDIT_FIELDS)
    case.satisfaction = rating
    case.satisfaction_comment = (comment or "").strip()[:500]
    case.rated_at = _now()
    _save(case, ["satisfaction", "satisfaction_comment", "rated_at"])
    label = Case.Satisfaction(rating).label
    _event(case, E.RATE, acting_user, label + (f"：{case.satisfaction_comment}" if case.satisfaction_comment else ""),
           case.state, case.state)
    audit.record("case_rate", case, user=acting_user, before=before, after=audit.snapshot(case, AUDIT_FIELDS))
    if rating == Case.Satisfaction.UNSATISFIED:
        _tell_staff(case, "case.unsatisfied", f"群众不满意：{case.title}", case.satisfaction_comment)
    return case


# --- escalation rules (data, edited by staff) -----------------------------------------------------------------


@transaction.atomic
def save_rule(
    *, acting_user: Any, rule: EscalationRule | None = None, kind: str = "", after_working_days: int = 0,
    level: int = 1, is_active: bool = True,
) -> EscalationRule:
    if acting_user is not None and not has_manage(acting_user):
        raise NotPermitted("只有宣传部工作人员可以修改督办规则。")
    kind = (kind or "").strip()
    if kind and get_kind(kind) is None:
        raise InvalidInput("未知的工单类型", {"kind": ["未知的工单类型"]})
    if level not in EscalationRule.Level.values:
        raise InvalidInput("督办级别只能是 1 或 2", {"level": ["督办级别不正确"]})
    if not 0 <= int(after_working_days) <= 365:
        raise InvalidInput("逾期工作日数应在 0 到 365 之间", {"after_working_days": ["数值不正确"]})
    before = audit.snapshot(rule) if rule is not None else None
    rule = rule or EscalationRule()
    rule.kind, rule.after_working_days, rule.level, rule.is_active = kind, int(after_working_days), level, is_active
    rule.save()
    audit.record("config", rule, user=acting_user, before=before, after=audit.snapshot(rule))
    return rule


@transaction.atomic
def delete_rule(*, acting_user: Any, rule: EscalationRule) -> None:
    if acting_user is not None and not has_manage(acting_user):
        raise NotPermitted("只有宣传部工作人员可以修改督办规则。")
    audit.record("delete", rule, user=acting_user, before=audit.snapshot(rule))
    rule.delete()


def escalate_overdue(now: datetime.datetime | None = None) -> int:
    """The escalation sweep (see cases.escalation): returns how many escalation steps were taken."""
    from taizhang.cases.escalation import escalate_overdue as sweep

    return sweep(now)
