"""Every state change of a citizen report. Citizens act with acting_user=None (they have no account).

Dispatched reports become cases of kind "citizen_report" (taizhang.cases); the case loop's state changes flow back
through `on_case_state_change`, so the report's public status follows the case.
"""

from __future__ import annotations

import datetime
import math
import re
from collections.abc import Iterable, Sequence
from typing import Any

from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone

from taizhang.core import audit
from taizhang.core.errors import InvalidInput, InvalidTransition, NotPermitted
from taizhang.org.models import Unit
from taizhang.org.roles import Cap
from taizhang.org.scoping import can_in_unit

from .masking import mask_text
from .models import MAX_LOCATION_ACCURACY_M, Category, DispatchRule, Photo, Place, Report, ReportEvent
from .photos import MAX_PHOTOS, clean_photo

CASE_KIND = "citizen_report"
MERGE_RADIUS_M = 50
MERGE_DAYS = 7
S = Report.Status
_PHONE_RE = re.compile(r"^(?:\+?86)?(?:1[3-9][0-9]{9}|0[1-9][0-9]{1,2}[2-9][0-9]{6,7})$")


# --- helpers ----------------------------------------------------------------------------------------------------
def _now() -> datetime.datetime:
    """The clock (the demo replaces it to build a history)."""
    return timezone.now()


def haversine_m(lat1: float, lng1: float, lat2: float, lng2: float) -> float:
    r = 6371000.0
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lng2 - lng1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * r * math.asin(math.sqrt(a))


def root_unit() -> Unit:
    unit = Unit.objects.filter(parent__isnull=True).order_by("sort_order", "id").first()
    if unit is None:
        raise InvalidInput("尚未建立单位，无法受理随手拍")
    return unit


def can_intake(user: Any, report: Report) -> bool:
    return bool(user is not None and can_in_unit(user, Cap.MANAGE_WORK, report.area))


def _require_intake(user: Any, report: Report) -> None:
    if user is not None and not can_intake(user, report):
        raise NotPermitted("您没有受理该片区随手拍的权限。")


def _event(report: Report, kind: str, text: str = "", *, user: Any = None, public: bool = True,
           at: datetime.datetime | None = None) -> None:
    actor = user if user is not None and getattr(user, "is_authenticated", False) else None
    ReportEvent.objects.create(report=report, kind=kind, text=mask_text(text) if public else text, public=public,
                               actor=actor, at=at or _now())


def _save(report: Report, fields: list[str]) -> None:
    report.version += 1
    report.save(update_fields=[*fields, "version", "updated_at"])


def _check_version(report: Report, expected_version: int | None) -> None:
    if expected_version is not None and expected_version != report.version:
        from taizhang.core.errors import StaleObjectError

        raise StaleObjectError("该报告已被他人处理，请刷新后再试。")


def nearest_place(lat: float, lng: float, max_m: float = 3000) -> Place | None:
    best: tuple[float, Place] | None = None
    box = 0.05
    for place in Place.objects.filter(active=True, lat__isnull=False, lng__isnull=False,
                                      lat__range=(lat - box, lat + box), lng__range=(lng - box, lng + box)):
        d = haversine_m(lat, lng, float(place.lat or 0), float(place.lng or 0))
        if d <= max_m and (best is None or d < best[0]):
            best = (d, place)
    return best[1] if best else None


def validate_answers(category: Category, raw: dict[str, Any], *, require: bool = True) -> dict[str, Any]:
    """Answers to the category's own questions, checked against their datatypes. Raises InvalidInput.
    `require=False` (imports from other platforms, which never asked our questions) skips the required check."""
    errors: dict[str, list[str]] = {}
    out: dict[str, Any] = {}
    for attr in category.attributes or []:
        code, label = str(attr.get("code")), str(attr.get("label") or attr.get("code"))
        value = raw.get(code)
        if isinstance(value, list) and attr.get("datatype") != "multivaluelist":
            value = value[0] if value else ""
        if value in (None, "", []):
            if attr.get("required") and require:
                errors[f"attr_{code}"] = [f"请填写“{label}”"]
            continue
        datatype = attr.get("datatype", "string")
        keys = [str(v.get("key")) for v in attr.get("values") or []]
        if datatype == "number":
            try:
                out[code] = float(str(value))
            except ValueError:
                errors[f"attr_{code}"] = [f"“{label}”应为数字"]
        elif datatype == "singlevaluelist":
            if str(value) not in keys:
                errors[f"attr_{code}"] = [f"“{label}”的选项无效"]
            else:
                out[code] = str(value)
        elif datatype == "multivaluelist":
            values = [str(v) for v in (value if isinstance(value, list) else [value])]
            if any(v not in keys for v in values):
                errors[f"attr_{code}"] = [f"“{label}”的选项无效"]
            else:
                out[code] = values
        else:
            text = str(value).strip()
            if len(text) > 500:
                errors[f"attr_{code}"] = [f"“{label}”不能超过 500 字"]
            out[code] = text
    if errors:
        raise InvalidInput("补充问题填写有误", errors)
    return out


def _empty(value: Any) -> bool:
    return value is None or value == "" or value == []


def _plain(value: Any) -> str:
    """One answer as typed: a whole number without ".0" (numbers are stored as floats), text as it is."""
    if isinstance(value, float) and math.isfinite(value) and value.is_integer():
        return str(int(value))
    return str(value)


def answer_lines(report: Report, *, masked: bool = False) -> list[tuple[str, str]]:
    """The report's answers to its category's questions as (question, text) for people to read, in the category's
    order: a choice shown by its name (several joined with 、), numbers and free text as given, a choice the
    catalogue no longer has as its key; answers to questions the category no longer asks follow, under their code.
    `masked`: phone and ID numbers in the text masked (everyone but intake staff)."""
    answers = report.answers if isinstance(report.answers, dict) else {}
    lines: list[tuple[str, str]] = []
    asked: set[str] = set()
    for attr in report.category.attributes or []:
        code = str(attr.get("code"))
        asked.add(code)
        names = {str(v.get("key")): str(v.get("name") or v.get("key")) for v in attr.get("values") or []
                 if isinstance(v, dict)}
        lines.append((str(attr.get("label") or code), _answer_text(answers.get(code), names)))
    lines += [(str(code), _answer_text(value, {})) for code, value in answers.items() if str(code) not in asked]
    return [(label, mask_text(text) if masked else text) for label, text in lines if text]


def _answer_text(value: Any, names: dict[str, str]) -> str:
    if _empty(value):
        return ""
    items = value if isinstance(value, list) else [value]
    return "、".join(names.get(str(v), _plain(v)) for v in items if not _empty(v))


_CODE_SEPARATORS = re.compile(r"[\s\-‐‑–—－_·.]+")


def normalise_code(text: str) -> str:
    """A tracking code as typed or copied ("sphr vcwq xysa", "SPHR-VCWQ-XYSA"): spaces (also full-width) and
    hyphens dropped, upper case."""
    return _CODE_SEPARATORS.sub("", text or "").upper()[:32]


def code_groups(code: str) -> str:
    """The code in groups of four for reading and copying ("SPHR VCWQ XYSA"); lookups accept either form."""
    return " ".join(code[i:i + 4] for i in range(0, len(code), 4))


def location_accuracy(value: Any) -> int | None:
    """The phone's stated accuracy (the browser's coords.accuracy) in whole metres, rounded up; None when absent or
    absurd — not a number, negative, infinite, over MAX_LOCATION_ACCURACY_M. A bad value is dropped without a word
    to the citizen: it says nothing about the report and must never stop it."""
    if value is None or isinstance(value, bool):
        return None
    try:
        number = float(str(value).strip()[:32])
    except ValueError:
        return None
    if not math.isfinite(number) or number < 0 or number > MAX_LOCATION_ACCURACY_M:
        return None
    return max(1, math.ceil(number))


def normalise_phone(phone: str) -> str:
    text = re.sub(r"[\s\-()（）]", "", phone or "")
    if text and not _PHONE_RE.match(text):
        raise InvalidInput("联系电话格式不正确", {"phone": ["请填写手机号或带区号的固定电话"]})
    return text


# --- citizens ---------------------------------------------------------------------------------------------------
NO_LOCATION = "请提供位置：使用手机定位、在列表中选择地点，或填写位置描述"


def has_location(*, place: Any, lat: Any, address: str) -> bool:
    """A report is located by a place, a position or a description of where (one of them is enough)."""
    return place not in (None, "") or lat not in (None, "") or bool((address or "").strip())


@transaction.atomic
def submit_report(
    *,
    acting_user: Any = None,
    category: Category,
    description: str,
    answers: dict[str, Any] | None = None,
    place: Place | None = None,
    address: str = "",
    lat: float | None = None,
    lng: float | None = None,
    location_accuracy_m: Any = None,
    phone: str = "",
    contact_name: str = "",
    photos: Sequence[Any] = (),
    channel: str = Report.Channel.WEB,
    device_hash: str = "",
    address_hash: str = "",
    submitted_at: datetime.datetime | None = None,
    external_id: str = "",
    open311_client: Any = None,
    clean_photos: Sequence[Any] | None = None,
) -> Report:
    errors: dict[str, list[str]] = {}
    description = (description or "").strip()
    if not category.active:
        errors["category"] = ["该类别已停用"]
    if not description:
        errors["description"] = ["请描述问题"]
    elif len(description) > 2000:
        errors["description"] = ["问题描述不能超过 2000 字"]
    address = (address or "").strip()
    if len(address) > 200:
        errors["address"] = ["位置描述不能超过 200 字"]
    if (lat is None) != (lng is None):
        errors["location"] = ["经纬度须同时提供"]
    elif lat is not None and lng is not None and not (-90 <= lat <= 90 and -180 <= lng <= 180):
        errors["location"] = ["经纬度超出范围"]
    if not has_location(place=place, lat=lat, address=address):
        errors["location"] = [NO_LOCATION]
    if place is not None and not place.active:
        errors["place"] = ["该地点已停用"]
    if len(photos) + len(clean_photos or ()) > MAX_PHOTOS:
        errors["photos"] = [f"最多上传 {MAX_PHOTOS} 张照片"]
    try:
        phone = normalise_phone(phone)
    except InvalidInput as exc:
        errors.update(exc.errors)
    try:
        clean_answers = validate_answers(category, answers or {}, require=channel != Report.Channel.IMPORT)
    except InvalidInput as exc:
        errors.update(exc.errors)
        clean_answers = {}
    if errors:
        raise InvalidInput("报告填写有误，请检查后重新提交", errors)
    cleaned = list(clean_photos or []) + [clean_photo(f) for f in photos]  # raises InvalidInput per photo
    located = place is None and lat is not None and lng is not None
    accuracy = location_accuracy(location_accuracy_m) if lat is not None and lng is not None else None
    place_for_area = nearest_place(lat, lng) if located and lat is not None and lng is not None else place
    area = place_for_area.area if place_for_area is not None else root_unit()
    report = Report.objects.create(
        category=category, answers=clean_answers, description=description, place=place, address=address,
        lat=lat, lng=lng, location_accuracy_m=accuracy, area=area, channel=channel,
        submitted_at=submitted_at or _now(), phone=phone, contact_name=(contact_name or "").strip()[:40],
        device_hash=device_hash, address_hash=address_hash, external_id=external_id[:60],
        open311_client=open311_client,
    )
    for photo in cleaned:
        _store_photo(report, photo, Photo.Stage.REPORT)
    _event(report, "submitted", "收到您的报告，等待受理。", at=report.submitted_at)
    audit.record("citizen.report_submit", report, user=acting_user,
                 after=audit.snapshot(report, ["code", "category", "channel", "area", "phone"]))
    return report


def _store_photo(report: Report, photo: Any, stage: str) -> Photo:
    obj = Photo(report=report, stage=stage, width=photo.width, height=photo.height, size=len(photo.image),
                sha256=photo.sha256)
    obj.image.save("p.jpg", ContentFile(photo.image), save=False)
    obj.thumb.save("t.jpg", ContentFile(photo.thumb), save=False)
    obj.save()
    return obj


@transaction.atomic
def add_information(*, acting_user: Any = None, report: Report, text: str, photos: Sequence[Any] = ()) -> Report:
    text = (text or "").strip()
    if report.status in (S.MERGED, S.REJECTED):
        raise InvalidTransition("该报告已合并或不予受理，不能再补充信息。")
    if not text and not photos:
        raise InvalidInput("请填写补充说明或添加照片", {"text": ["请填写补充说明或添加照片"]})
    if len(text) > 1000:
        raise InvalidInput("补充说明不能超过 1000 字", {"text": ["补充说明不能超过 1000 字"]})
    if report.photos.count() + len(photos) > MAX_PHOTOS * 2:
        raise InvalidInput("照片数量已达上限", {"photos": ["照片数量已达上限"]})
    cleaned = [clean_photo(f) for f in photos]
    for photo in cleaned:
        _store_photo(report, photo, Photo.Stage.ADDED)
    _event(report, "info_added", "群众补充：" + text if text else f"群众补充了 {len(cleaned)} 张照片")
    _save(report, [])
    audit.record("citizen.report_add_info", report, user=acting_user, message=f"照片 {len(cleaned)} 张")
    return report


def case_for(report: Report) -> Any:
    """The report's current case (the latest), or None."""
    try:
        from taizhang.cases.models import Case
    except ImportError:  # the case loop is not installed yet
        return None
    return Case.objects.for_subject(report).order_by("-id").first()


@transaction.atomic
def rate_report(*, acting_user: Any = None, report: Report, rating: str, comment: str = "") -> Report:
    if rating not in Report.Rating.values:
        raise InvalidInput("请选择评价", {"rating": ["请选择 满意 / 基本满意 / 不满意"]})
    if not report.can_rate:
        raise InvalidTransition("该报告尚未办结或已评价。")
    comment = (comment or "").strip()[:300]
    report.rating, report.rating_comment, report.rated_at = rating, comment, _now()
    _save(report, ["rating", "rating_comment", "rated_at"])
    case = case_for(report)
    if case is not None:
        from taizhang.cases.actions import rate_case

        rate_case(acting_user=acting_user, case=case, rating=rating, comment=comment)
    _event(report, "rated", f"群众评价：{Report.Rating(rating).label}" + (f"（{comment}）" if comment else ""))
    audit.record("citizen.report_rate", report, user=acting_user, after={"rating": rating})
    return report


@transaction.atomic
def reopen_report(*, acting_user: Any = None, report: Report, reason: str) -> Report:
    reason = (reason or "").strip()
    if not reason:
        raise InvalidInput("请说明重新办理的理由", {"reason": ["请说明重新办理的理由"]})
    if not report.can_reopen:
        raise InvalidTransition("只有评价为“不满意”的已办结报告可以申请重新办理一次。")
    report.reopen_count += 1
    report.reopen_reason = reason[:300]
    report.closed_at, report.closed_on_time = None, None
    report.rating, report.rating_comment, report.rated_at = "", "", None  # the next outcome is rated afresh
    fields = ["reopen_count", "reopen_reason", "closed_at", "closed_on_time", "status", "rating", "rating_comment",
              "rated_at"]
    withdraw_reply(report, fields)  # the answer the citizen was unhappy with is not the answer any more
    case = case_for(report)
    if case is not None:
        from taizhang.cases.actions import reopen_case

        report.status = S.DISPATCHED
        _save(report, fields)
        case = reopen_case(acting_user=acting_user, case=case, reason=f"群众不满意，申请重新办理：{reason}")
        report.deadline = case.deadline
        _save(report, ["deadline"])
    else:
        report.status = S.ACCEPTED
        _save(report, fields)
    _event(report, "reopened", f"群众申请重新办理：{reason}")
    audit.record("citizen.report_reopen", report, user=acting_user, message=reason)
    return report


# --- intake staff -----------------------------------------------------------------------------------------------
def _intake_state(report: Report, allowed: Iterable[str], what: str) -> None:
    if report.status not in allowed:
        raise InvalidTransition(f"报告当前状态为“{report.get_status_display()}”，不能{what}。")


@transaction.atomic
def accept_report(*, acting_user: Any, report: Report, expected_version: int | None = None) -> Report:
    _require_intake(acting_user, report)
    _check_version(report, expected_version)
    _intake_state(report, [S.NEW], "受理")
    report.status = S.ACCEPTED
    _save(report, ["status"])
    _event(report, "accepted", "您的报告已受理。", user=acting_user)
    audit.record("citizen.report_accept", report, user=acting_user)
    return report


@transaction.atomic
def reject_report(*, acting_user: Any, report: Report, reason: str, expected_version: int | None = None) -> Report:
    _require_intake(acting_user, report)
    _check_version(report, expected_version)
    reason = (reason or "").strip()
    if not reason:
        raise InvalidInput("请填写不予受理的理由（群众可以看到）", {"reason": ["请填写理由"]})
    _intake_state(report, [S.NEW, S.ACCEPTED], "不予受理")
    report.status, report.reject_reason, report.closed_at = S.REJECTED, reason[:300], _now()
    report.closed_on_time = True  # answered at intake, with the reason
    _save(report, ["status", "reject_reason", "closed_at", "closed_on_time"])
    _event(report, "rejected", f"不予受理：{reason}", user=acting_user)
    audit.record("citizen.report_reject", report, user=acting_user, message=reason)
    return report


def duplicate_candidates(report: Report, *, radius_m: float = MERGE_RADIUS_M, days: int = MERGE_DAYS) -> list[Report]:
    """Reports of the same category within `radius_m` and `days` of this one that it could be merged into."""
    if report.lat is None or report.lng is None:
        qs = Report.objects.none() if report.place_id is None else Report.objects.filter(place_id=report.place_id)
        near: list[Report] = []
    else:
        qs = Report.objects.filter(lat__isnull=False)
        near = []
    window = (report.submitted_at - datetime.timedelta(days=days), report.submitted_at + datetime.timedelta(days=days))
    qs = (qs.filter(category_id=report.category_id, submitted_at__range=window)
          .exclude(pk=report.pk).exclude(status__in=[S.MERGED, S.REJECTED]).select_related("category", "place"))
    if report.lat is not None and report.lng is not None:
        dlat = radius_m / 111000 * 1.5
        dlng = dlat / max(0.2, math.cos(math.radians(report.lat)))
        qs = qs.filter(lat__range=(report.lat - dlat, report.lat + dlat),
                       lng__range=(report.lng - dlng, report.lng + dlng))
        near = [r for r in qs[:200]
                if haversine_m(report.lat, report.lng, float(r.lat or 0), float(r.lng or 0)) <= radius_m]
    else:
        near = list(qs[:50])
    return sorted(near, key=lambda r: r.submitted_at)


@transaction.atomic
def merge_report(*, acting_user: Any, report: Report, into: Report, expected_version: int | None = None) -> Report:
    _require_intake(acting_user, report)
    _check_version(report, expected_version)
    _intake_state(report, [S.NEW, S.ACCEPTED], "合并")
    if into.pk == report.pk:
        raise InvalidInput("不能合并到自身", {"into": ["不能合并到自身"]})
    while into.merged_into_id is not None:  # merge into the surviving report
        into = Report.objects.get(pk=into.merged_into_id)
    if into.pk == report.pk or into.status in (S.REJECTED,):
        raise InvalidInput("目标报告不可合并", {"into": ["目标报告已不予受理或就是本报告"]})
    if into.category_id != report.category_id:
        raise InvalidInput("只能合并同一类别的报告", {"into": ["类别不同"]})
    report.status, report.merged_into, report.closed_at = S.MERGED, into, _now()
    _save(report, ["status", "merged_into", "closed_at"])
    # never the other report's tracking code: it would let this reporter rate or reopen someone else's report
    _event(report, "merged", "与同一问题的其他群众报告合并办理，办理进展见下方。", user=acting_user)
    _event(into, "merged_in", "同一问题的另一份报告已并入本报告。", user=acting_user, public=False)
    audit.record("citizen.report_merge", report, user=acting_user, message=f"合并至 {into.code}")
    return report


@transaction.atomic
def answer_report(*, acting_user: Any, report: Report, reply: str, expected_version: int | None = None) -> Report:
    _require_intake(acting_user, report)
    _check_version(report, expected_version)
    reply = (reply or "").strip()
    if not reply:
        raise InvalidInput("请填写答复内容", {"reply": ["请填写答复内容"]})
    _intake_state(report, [S.NEW, S.ACCEPTED], "直接答复")
    now = _now()
    report.status, report.public_reply, report.replied_at, report.closed_at = S.ANSWERED, reply, now, now
    report.closed_on_time = True
    _save(report, ["status", "public_reply", "replied_at", "closed_at", "closed_on_time"])
    _event(report, "answered", "已答复。", user=acting_user)  # the answer is shown apart, while it stands
    audit.record("citizen.report_answer", report, user=acting_user)
    return report


def catalogue_unit(category: Category, place: Place | None, area: Unit | None) -> Unit | None:
    """The responsible unit from the dispatch catalogue: place rule, then area rule (nearest ancestor), then any."""
    rules = list(DispatchRule.objects.filter(category=category).select_related("unit", "area"))
    if place is not None:
        for rule in rules:
            if rule.place_id == place.pk:
                return rule.unit
    if area is not None:
        best: DispatchRule | None = None
        for rule in rules:
            applies = rule.place_id is None and rule.area is not None and area.path.startswith(rule.area.path)
            if applies and rule.area is not None and (
                    best is None or (best.area and len(rule.area.path) > len(best.area.path))):
                best = rule
        if best is not None:
            return best.unit
    for rule in rules:
        if rule.place_id is None and rule.area_id is None:
            return rule.unit
    return None


def case_title(report: Report) -> str:
    return f"随手拍 {report.pk} 号：{report.category.name}（{report.place_text}）"  # never the tracking code


def location_note(report: Report) -> str:
    """"（定位精度约 N 米）", with a caution past IMPRECISE_LOCATION_M; "" when the accuracy is unknown."""
    if not report.located or report.location_accuracy_m is None:
        return ""
    caution = "，位置可能不准确，请结合地点描述核实" if report.location_imprecise else ""
    return f"（定位精度约 {report.location_accuracy_m} 米{caution}）"


def case_description(report: Report) -> str:
    """What the handling unit reads: the problem and the place, never the reporter (masked free text)."""
    lines = [mask_text(report.description), f"地点：{report.place_text}"]
    if report.lat is not None and report.lng is not None:
        lines.append(f"坐标：{report.lat:.5f}，{report.lng:.5f}" + location_note(report))
    lines += [f"{label}：{text}" for label, text in answer_lines(report, masked=True)]
    return "\n".join(lines)


@transaction.atomic
def dispatch_report(*, acting_user: Any, report: Report, unit: Unit | None = None,
                    expected_version: int | None = None) -> Report:
    _require_intake(acting_user, report)
    _check_version(report, expected_version)
    _intake_state(report, [S.NEW, S.ACCEPTED], "派单")
    unit = unit or catalogue_unit(report.category, report.place, report.area)
    if unit is None:
        raise InvalidInput("派单目录中没有该类别、该片区的责任单位，请选择责任单位", {"unit": ["请选择责任单位"]})
    from taizhang.cases.actions import dispatch_case

    case = dispatch_case(acting_user=acting_user, kind=CASE_KIND, unit=unit, title=case_title(report),
                         description=case_description(report), subject=report,
                         sla_days=report.category.sla_working_days)
    report.refresh_from_db()
    report.status, report.unit, report.deadline = S.DISPATCHED, unit, getattr(case, "deadline", None)
    _save(report, ["status", "unit", "deadline"])
    _event(report, "dispatched", f"已转交{unit.name}办理。", user=acting_user)
    audit.record("citizen.report_dispatch", report, user=acting_user, message=unit.name)
    return report


# The case states in which 宣传部 has checked and accepted the unit's handling (the citizen_report kind is checked
# by 宣传部: verify passes to closed, or to verified when the case waits for something else before closing). Only
# then is the unit's public reply the report's answer; before that it is the unit's proposal, on the case alone.
REPLY_PUBLISHED_STATES = ("verified", "closed")


def withdraw_reply(report: Report, fields: list[str]) -> None:
    """The report is being handled again (sent back, verification failed, reopened, the case cancelled): its
    earlier answer is no longer the answer and is not shown. Staff keep it in the report's history (not public)
    and in the case's timeline. Adds the changed fields to `fields` (the caller saves)."""
    if not report.public_reply and report.replied_at is None:
        return
    if report.public_reply:
        _event(report, "reply_withdrawn", f"原答复撤回，重新办理后再答复。原答复：{report.public_reply}", public=False)
    report.public_reply, report.replied_at = "", None
    fields += [f for f in ("public_reply", "replied_at") if f not in fields]


def on_case_state_change(case: Any, old_state: str, new_state: str) -> None:
    """Keep the report in step with its case (registered as the case kind's on_state_change). The unit's public
    reply becomes the report's answer only when 宣传部 has accepted the handling (REPLY_PUBLISHED_STATES) and is
    withdrawn whenever the case goes back to be handled again."""
    report = Report.objects.filter(pk=int(getattr(case, "object_id", 0) or 0)).first()
    if report is None or report.status in (S.MERGED, S.REJECTED):
        return
    now = _now()
    fields = ["status"]
    was = report.status
    if new_state == "handled":
        report.status = S.HANDLED
        withdraw_reply(report, fields)  # nothing to withdraw unless published before this rule
        text = "责任单位已办理，等待核查。"
    elif new_state in REPLY_PUBLISHED_STATES:
        if report.status == S.CLOSED:
            return
        report.status, report.closed_at = S.CLOSED, now
        report.public_reply = str(getattr(case, "public_reply", "") or "").strip()
        report.replied_at = now if report.public_reply else None
        deadline = getattr(case, "deadline", None) or report.deadline
        report.closed_on_time = bool(deadline is None or timezone.localdate(now) <= deadline)
        fields += ["closed_at", "closed_on_time", "public_reply", "replied_at"]
        text = "已办结。"  # the answer itself is shown apart, while it stands (never kept in the public history)
    elif new_state == "cancelled":
        report.status = S.ACCEPTED
        withdraw_reply(report, fields)
        text = "转办已撤回，重新受理中。"
    elif new_state in ("dispatched", "accepted", "sent_back", "reopened", "new"):
        report.status = S.DISPATCHED
        report.closed_at, report.closed_on_time = None, None
        fields += ["closed_at", "closed_on_time"]
        withdraw_reply(report, fields)
        if getattr(case, "unit_id", None):
            report.unit_id = case.unit_id
            fields.append("unit")
        if getattr(case, "deadline", None):
            report.deadline = case.deadline
            fields.append("deadline")
        again = "已交责任单位重新办理。" if was != S.DISPATCHED else ""  # reopen_report says it itself
        text = again if old_state in ("handled", "verified", "closed") else {
            "accepted": "责任单位已签收，正在办理。", "reopened": again}.get(new_state, "")
    else:
        return
    _save(report, fields)
    if text:
        _event(report, f"case_{new_state}", text)


def reveal_contact(*, acting_user: Any, report: Report) -> dict[str, str]:
    """The reporter's contact in clear, for intake staff only; every look is audited."""
    if acting_user is None or not can_intake(acting_user, report):
        raise NotPermitted("只有受理人员可以查看群众联系方式。")
    audit.record("citizen.contact_shown", report, user=acting_user, message="查看群众联系方式")
    return {"phone": report.phone, "contact_name": report.contact_name}


@transaction.atomic
def clear_expired_contacts(*, acting_user: Any = None, now: datetime.datetime | None = None,
                           days: int | None = None) -> int:
    """Clear the phone and name of reports closed more than TAIZHANG_CITIZEN_CONTACT_RETENTION_DAYS ago."""
    from django.conf import settings

    now = now or _now()
    keep = days if days is not None else int(settings.TAIZHANG_CITIZEN_CONTACT_RETENTION_DAYS)
    cutoff = now - datetime.timedelta(days=keep)
    qs = Report.objects.filter(contact_cleared_at__isnull=True, closed_at__lt=cutoff).exclude(
        status__in=Report.OPEN_STATUSES)
    ids = list(qs.values_list("id", flat=True)[:50000])
    if not ids:
        return 0
    n = Report.objects.filter(pk__in=ids).update(phone="", contact_name="", contact_cleared_at=now)
    audit.record("citizen.contact_cleared", None, user=acting_user, object_type="citizen.report",
                 message=f"清除 {n} 份已办结满 {keep} 天报告的联系方式")
    return n
