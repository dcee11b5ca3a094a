"""Every state change of volunteer work: registration and log-in, teams, activities and shifts, sign-ups with the
waiting list, check-in/out with rotating codes, hours (scan, manual with a second approver, import), disputes.

Volunteers have no staff account: actions a volunteer takes get `volunteer=` and `acting_user=None`; the audit row
names the volunteer by number. Organisers act with their staff account and need EDIT_RECORDS in the team's unit.
"""

from __future__ import annotations

import datetime
import hmac
import logging
import math
import re
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import Sum
from django.utils import timezone

from taizhang.core import audit, sms
from taizhang.core.crypto import blind_index
from taizhang.core.errors import InvalidInput, InvalidTransition, NotPermitted
from taizhang.org.models import Unit
from taizhang.org.roles import Cap
from taizhang.org.scoping import can_in_unit
from taizhang.volunteers import tokens
from taizhang.volunteers.models import (
    HOLDING_STATES,
    Activity,
    Dispute,
    HourRecord,
    LoginCode,
    Shift,
    SignUp,
    Team,
    TeamMembership,
    Volunteer,
    age_on,
    hours_problem,
    round_hours,
)

S = SignUp.State
DAY_LIMIT_HOURS = Decimal(12)
MANUAL_APPROVER_LIMIT = 40  # manual records one approver entered in 30 days before they are flagged
CHECKIN_EARLY = datetime.timedelta(hours=1)
SHORT_SERVICE = datetime.timedelta(minutes=10)  # a check-out sooner than this after check-in must be confirmed
ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
ID_CHECK = "10X98765432"
PHONE_RE = re.compile(r"^1[3-9]\d{9}$")
log = logging.getLogger("taizhang.volunteers")


def _who(volunteer: Volunteer) -> str:
    return f"志愿者 {volunteer.number}"


def require(user: Any, cap: str, unit: Unit, message: str = "您没有在该单位执行此操作的权限。") -> None:
    if user is not None and not can_in_unit(user, cap, unit):
        raise NotPermitted(message)


# --- identity ---------------------------------------------------------------------------------------------------
def id_hash(id_number: str) -> str:
    return blind_index(id_number, "volunteer-id")


def phone_hash(phone: str) -> str:
    return blind_index(phone, "volunteer-phone")


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


def validate_person(data: dict[str, Any], *, today: datetime.date | None = None) -> dict[str, list[str]]:
    """Field errors of a volunteer's personal data (shared by the form, the import and the action)."""
    errors: dict[str, list[str]] = {}
    today = today or timezone.localdate()
    name = str(data.get("real_name") or "").strip()
    if not (2 <= len(name) <= 30):
        errors.setdefault("real_name", []).append("请填写真实姓名（2至30个字）。")
    id_type = data.get("id_type") or Volunteer.IdType.RESIDENT
    id_number = str(data.get("id_number") or "").strip().upper()
    birth = data.get("birth_date")
    if id_type == Volunteer.IdType.RESIDENT:
        derived = check_resident_id(id_number)
        if derived is None:
            errors.setdefault("id_number", []).append("身份证号码无效，请核对。")
        elif birth and birth != derived:
            errors.setdefault("birth_date", []).append("出生日期与身份证号码不一致。")
        else:
            data["birth_date"] = birth = derived
    elif not (5 <= len(id_number) <= 20):
        errors.setdefault("id_number", []).append("证件号码无效，请核对。")
    if not birth:
        if not (id_type == Volunteer.IdType.RESIDENT and "id_number" in errors):  # the date comes from a valid ID
            errors.setdefault("birth_date", []).append("请填写出生日期。")
    elif birth > today or age_on(birth, today) > 100:
        errors.setdefault("birth_date", []).append("出生日期不合理。")
    phone = re.sub(r"[\s-]", "", str(data.get("phone") or ""))
    if not PHONE_RE.match(phone):
        errors.setdefault("phone", []).append("请填写11位手机号码。")
    if birth and "birth_date" not in errors and age_on(birth, today) < 18:
        if age_on(birth, today) < 8:
            errors.setdefault("birth_date", []).append("未满8周岁不能注册为志愿者。")
        if len(str(data.get("guardian_name") or "").strip()) < 2:
            errors.setdefault("guardian_name", []).append("未成年人注册须填写监护人姓名。")
        if not PHONE_RE.match(re.sub(r"[\s-]", "", str(data.get("guardian_phone") or ""))):
            errors.setdefault("guardian_phone", []).append("请填写监护人的11位手机号码。")
        if not data.get("guardian_consent"):
            errors.setdefault("guardian_consent", []).append("未成年人注册须经监护人同意。")
    data["id_number"], data["phone"], data["real_name"] = id_number, phone, name
    return errors


def next_number(year: int, taken: int) -> str:
    return f"ZY{year}{taken + 1:07d}"


def _new_number() -> str:
    year = timezone.localdate().year
    last = Volunteer.objects.filter(number__startswith=f"ZY{year}").order_by("-number").values_list(
        "number", flat=True).first()
    return next_number(year, int(last[6:]) if last else 0)


def registration_errors(data: dict[str, Any], unit: Unit | None, *, taken: bool = True) -> dict[str, list[str]]:
    """Field errors of a registration. `taken=False` leaves out whether the ID number or the phone is registered
    already: the public page says that only after the one-time code proved the phone is the registrant's, so a
    stranger cannot learn who is a volunteer by typing ID numbers."""
    errors = validate_person(data)
    if unit is None or unit.kind not in (Unit.Kind.STREET, Unit.Kind.TOWN, Unit.Kind.COMMUNITY, Unit.Kind.VILLAGE):
        errors.setdefault("unit", []).append("请选择所在街道或社区。")
    if not taken:
        return errors
    if "id_number" not in errors and Volunteer.objects.filter(id_hash=id_hash(data["id_number"])).exists():
        errors.setdefault("id_number", []).append("该证件号码已注册为志愿者，请直接登录。")
    if "phone" not in errors and Volunteer.objects.filter(phone_hash=phone_hash(data["phone"])).exists():
        errors.setdefault("phone", []).append("该手机号码已被注册。")
    return errors


@transaction.atomic
def register_volunteer(*, acting_user: Any, unit: Unit, source: str = "register", **data: Any) -> Volunteer:
    errors = registration_errors(data, unit)
    if errors:
        raise InvalidInput("注册信息有误，请修改后再提交。", errors)
    minor = age_on(data["birth_date"], timezone.localdate()) < 18
    volunteer = Volunteer(
        number=_new_number(), real_name=data["real_name"], id_type=data.get("id_type") or "resident",
        id_number=data["id_number"], id_hash=id_hash(data["id_number"]), phone=data["phone"],
        phone_hash=phone_hash(data["phone"]), birth_date=data["birth_date"], unit=unit,
        guardian_name=str(data.get("guardian_name") or "").strip() if minor else "",
        guardian_phone=str(data.get("guardian_phone") or "").strip() if minor else "",
        guardian_consent=bool(data.get("guardian_consent")) if minor else False,
        skills=str(data.get("skills") or "")[:200], source=source,
    )
    try:
        with transaction.atomic():
            volunteer.save()
    except IntegrityError as exc:
        raise InvalidInput("该证件号码或手机号码已注册。", {"id_number": ["该证件号码或手机号码已注册。"]}) from exc
    audit.record("create", volunteer, user=acting_user, after=audit.snapshot(volunteer),
                 message="志愿者注册" if acting_user is None else "代为登记志愿者")
    return volunteer


# --- log-in -----------------------------------------------------------------------------------------------------
CODE_TTL = datetime.timedelta(minutes=10)
CODE_INTERVAL = datetime.timedelta(seconds=60)
CODE_TRIES = 5
SMS_FAILED = "短信发送失败，请稍后再试。"


def request_code(*, phone: str, purpose: str = "login") -> None:
    """Send a one-time code: for log-in when the phone belongs to a volunteer, for registration when it does not.
    The answer is the same either way (no enumeration); limits: one a minute, ten a day per phone. The code is
    stored, then sent outside the transaction (no lock held while the gateway answers)."""
    phone = re.sub(r"[\s-]", "", phone or "")
    issued = _issue_code(phone, purpose)
    if issued is not None:
        deliver_code(phone=phone, entry_id=issued[0], code=issued[1],
                     sms_purpose="login_code" if purpose == "login" else "register_code",
                     audit_action="volunteer_code_request")


@transaction.atomic
def _issue_code(phone: str, purpose: str) -> tuple[int, str] | None:
    """Check the limits, store a code: (its row, the code) to send, or None when nothing is to be sent."""
    if not PHONE_RE.match(phone):
        raise InvalidInput("请填写11位手机号码。", {"phone": ["请填写11位手机号码。"]})
    ph = phone_hash(phone)
    now = timezone.now()
    last = (LoginCode.objects.filter(phone_hash=ph, created_at__gt=now - CODE_INTERVAL)
            .order_by("-created_at").values_list("created_at", flat=True).first())
    if last is not None:  # nothing is sent: say when it can be asked for again
        wait = max(1, math.ceil((last + CODE_INTERVAL - now).total_seconds()))
        message = f"请于{wait}秒后再获取验证码。"
        raise InvalidInput(message, {"phone": [message]})
    if LoginCode.objects.filter(phone_hash=ph, created_at__gt=now - datetime.timedelta(days=1)).count() >= 10:
        raise InvalidInput("今天获取验证码的次数过多，请明天再试。", {"phone": ["今天获取验证码的次数过多。"]})
    exists = Volunteer.objects.filter(phone_hash=ph, status=Volunteer.Status.ACTIVE).exists()
    # one audit row per request, the same whether or not the phone belongs to a volunteer (no enumeration)
    audit.record("volunteer_code_request", None, user=None, object_type="volunteers.logincode",
                 message=f"{'登录' if purpose == 'login' else '注册'}验证码，号码摘要 {ph[:12]}")
    if exists != (purpose == "login"):
        LoginCode.objects.create(phone_hash=ph, purpose=purpose, code_hash="-", expires_at=now, used=True)
        return None
    code = tokens.new_code()
    entry = LoginCode.objects.create(phone_hash=ph, purpose=purpose, code_hash=tokens.code_digest(ph, code),
                                     expires_at=now + CODE_TTL)
    return entry.pk, code


def deliver_code(*, phone: str, entry_id: int, code: str, sms_purpose: str, audit_action: str) -> None:
    """Text a code just stored (volunteers' and voters' codes). When the gateway does not take it the code is
    withdrawn, so it counts against no limit, the failure is audited, and the person is told (InvalidInput)."""
    try:
        sms.send(phone, sms_purpose, {"code": code})
    except sms.SmsError as exc:  # core.sms has logged the reason (number masked)
        LoginCode.objects.filter(pk=entry_id).delete()
        audit.record(audit_action, None, user=None, object_type="volunteers.logincode", success=False,
                     message=f"验证码短信未发出，号码摘要 {phone_hash(phone)[:12]}：{exc.message}")
        raise InvalidInput(SMS_FAILED, {"phone": [SMS_FAILED]}) from None


def consume_code(*, phone: str, code: str, purpose: str) -> None:
    """Check a one-time code (raises InvalidInput on a wrong, used or expired code). Call inside a transaction."""
    phone = re.sub(r"[\s-]", "", phone or "")
    ph = phone_hash(phone) if PHONE_RE.match(phone) else ""
    wrong = InvalidInput("验证码错误或已过期。", {"code": ["验证码错误或已过期。"]})
    entry = (LoginCode.objects.select_for_update().filter(phone_hash=ph, purpose=purpose, used=False,
                                                          expires_at__gt=timezone.now())
             .order_by("-created_at").first()) if ph else None
    if entry is None:
        raise wrong
    if entry.attempts >= CODE_TRIES:
        raise InvalidInput("尝试次数过多，请重新获取验证码。", {"code": ["尝试次数过多，请重新获取验证码。"]})
    if not hmac.compare_digest(entry.code_hash, tokens.code_digest(ph, (code or "").strip())):
        LoginCode.objects.filter(pk=entry.pk).update(attempts=entry.attempts + 1)
        raise wrong
    entry.used = True
    entry.save(update_fields=["used"])


def _checked_code(phone: str, code: str, purpose: str) -> None:
    with transaction.atomic():
        try:
            consume_code(phone=phone, code=code, purpose=purpose)
        except InvalidInput as exc:
            failed: InvalidInput | None = exc
        else:
            failed = None
    if failed is not None:  # raised outside the block so the attempt counter is kept
        raise failed


def verify_login_code(*, phone: str, code: str) -> Volunteer:
    _checked_code(phone, code, "login")
    volunteer = Volunteer.objects.get(phone_hash=phone_hash(re.sub(r"[\s-]", "", phone)))
    audit.record("login", volunteer, user=None, message=f"{_who(volunteer)}登录", object_repr=volunteer.number)
    return volunteer


def register_with_code(*, unit: Unit | None, code: str, **data: Any) -> Volunteer:
    """The public registration: all fields checked first, then the one-time code sent to the phone, then (the phone
    proved) whether the ID number or the phone is registered already, then saved."""
    errors = registration_errors(data, unit, taken=False)
    if errors:
        raise InvalidInput("注册信息有误，请修改后再提交。", errors)
    _checked_code(data["phone"], code, "register")
    assert unit is not None
    return register_volunteer(acting_user=None, unit=unit, **data)


# --- teams ------------------------------------------------------------------------------------------------------
@transaction.atomic
def create_team(*, acting_user: Any, unit: Unit, name: str, kind: str = Team.Kind.TEAM, head: str = "",
                contact: str = "", description: str = "") -> Team:
    require(acting_user, Cap.EDIT_RECORDS, unit)
    if not name.strip():
        raise InvalidInput("请填写名称。", {"name": ["请填写名称。"]})
    if kind not in Team.Kind.values:
        raise InvalidInput("类型无效。", {"kind": ["类型无效。"]})
    team = Team.objects.create(unit=unit, name=name.strip(), kind=kind, head=head, contact=contact,
                               description=description)
    audit.record("create", team, user=acting_user, after=audit.snapshot(team))
    return team


@transaction.atomic
def join_team(*, volunteer: Volunteer, team: Team) -> TeamMembership:
    if not team.is_active:
        raise InvalidTransition("该队伍已停止招募。")
    membership, created = TeamMembership.objects.get_or_create(team=team, volunteer=volunteer)
    if created:
        audit.record("create", membership, user=None, message=f"{_who(volunteer)}加入{team.name}",
                     object_repr=f"{volunteer.number} · {team.name}")
    return membership


# --- activities ---------------------------------------------------------------------------------------------------
@transaction.atomic
def publish_activity(*, acting_user: Any, team: Team, title: str, place: str, shifts: Sequence[tuple[
        datetime.datetime, datetime.datetime, int]], description: str = "", skills: str = "",
        latitude: Decimal | None = None, longitude: Decimal | None = None, geofence_m: int | None = None,
        auto_approve: bool = False, project: Any = None) -> Activity:
    require(acting_user, Cap.EDIT_RECORDS, team.unit)
    errors: dict[str, list[str]] = {}
    if not title.strip():
        errors["title"] = ["请填写活动名称。"]
    if not place.strip():
        errors["place"] = ["请填写活动地点。"]
    if not shifts:
        errors["shifts"] = ["至少设置一个班次。"]
    for i, (start, end, cap) in enumerate(shifts, 1):
        if end <= start:
            errors.setdefault("shifts", []).append(f"第{i}个班次的结束时间应晚于开始时间。")
        elif end - start > datetime.timedelta(hours=12):
            errors.setdefault("shifts", []).append(f"第{i}个班次超过12小时，请拆分。")
        if cap < 1 or cap > 10000:
            errors.setdefault("shifts", []).append(f"第{i}个班次的招募人数应在1至10000之间。")
    if (latitude is None) != (longitude is None):
        errors["latitude"] = ["经纬度须同时填写。"]
    if geofence_m and latitude is None:
        errors["geofence_m"] = ["设置签到范围须先填写活动地点的经纬度。"]
    if errors:
        raise InvalidInput("活动信息有误。", errors)
    activity = Activity.objects.create(
        team=team, project=project, title=title.strip(), place=place.strip(), description=description,
        skills=skills, latitude=latitude, longitude=longitude, geofence_m=geofence_m or None,
        starts_at=min(s[0] for s in shifts), ends_at=max(s[1] for s in shifts), status=Activity.Status.PUBLISHED,
        created_by=acting_user if getattr(acting_user, "is_authenticated", False) else None,
        auto_approve=auto_approve,
    )
    Shift.objects.bulk_create([Shift(activity=activity, starts_at=a, ends_at=b, capacity=c) for a, b, c in shifts])
    audit.record("publish", activity, user=acting_user, after=audit.snapshot(activity))
    return activity


def taken_places(shift: Shift) -> int:
    return shift.signups.filter(state__in=(S.APPLIED, *HOLDING_STATES)).count()


@transaction.atomic
def sign_up(*, volunteer: Volunteer, shift: Shift, now: datetime.datetime | None = None) -> SignUp:
    now = now or timezone.now()
    # the shift's row lock serialises the places
    shift = Shift.objects.select_for_update(of=("self",)).select_related("activity").get(pk=shift.pk)
    activity = shift.activity
    if volunteer.status != Volunteer.Status.ACTIVE:
        raise InvalidTransition("您的志愿者账号已暂停，不能报名。")
    if activity.status != Activity.Status.PUBLISHED:
        raise InvalidTransition("该活动不在报名中。")
    if shift.starts_at <= now:
        raise InvalidTransition("该班次已开始，不能再报名。")
    existing = SignUp.objects.filter(shift=shift, volunteer=volunteer).first()
    if existing and existing.state not in (S.CANCELLED,):
        raise InvalidTransition("您已报名该班次。")
    clash = SignUp.objects.filter(volunteer=volunteer, state__in=(S.APPLIED, *HOLDING_STATES),
                                  shift__starts_at__lt=shift.ends_at, shift__ends_at__gt=shift.starts_at)
    if clash.exists():
        raise InvalidTransition("您报名的其他班次与该班次时间重叠。")
    has_place = taken_places(shift) < shift.capacity
    state = (S.APPROVED if activity.auto_approve else S.APPLIED) if has_place else S.WAITLISTED
    if existing:
        existing.state, existing.created_at = state, now  # back to the end of the queue
        existing.save(update_fields=["state", "created_at"])
        signup = existing
    else:
        signup = SignUp.objects.create(shift=shift, volunteer=volunteer, state=state, created_at=now)
    audit.record("create", signup, user=None, message=f"{_who(volunteer)}报名（{signup.get_state_display()}）",
                 object_repr=f"{volunteer.number} · {activity.title}")
    return signup


def _promote(shift: Shift) -> SignUp | None:
    """Give a freed place to the first on the waiting list."""
    if taken_places(shift) >= shift.capacity:
        return None
    first = shift.signups.filter(state=S.WAITLISTED).order_by("created_at", "id").first()
    if first is None:
        return None
    first.state = S.APPROVED if shift.activity.auto_approve else S.APPLIED
    first.save(update_fields=["state", "updated_at"])
    audit.record("update", first, user=None, message="候补递补", object_repr=f"{first.volunteer.number}")
    volunteer, title = first.volunteer, shift.activity.title
    transaction.on_commit(lambda: notify_promoted(volunteer, title))
    return first


def notify_promoted(volunteer: Volunteer, title: str) -> None:
    """The SMS to a volunteer promoted off the waiting list (after commit): a failure is logged, never raised into
    the request that freed the place."""
    try:
        sms.send(volunteer.phone, "waitlist_promoted", {"title": title})
    except sms.SmsError as exc:
        log.warning("候补递补短信未发出：%s，%s", _who(volunteer), exc.message)


CANCELLABLE_STATES = (S.APPLIED, S.APPROVED, S.WAITLISTED)


@transaction.atomic
def cancel_signup(*, volunteer: Volunteer, signup: SignUp) -> SignUp:
    shift = Shift.objects.select_for_update(of=("self",)).select_related("activity").get(pk=signup.shift_id)
    signup.refresh_from_db()
    if signup.volunteer_id != volunteer.pk:
        raise NotPermitted("只能取消自己的报名。")
    if signup.state not in CANCELLABLE_STATES:
        raise InvalidTransition("当前状态不能取消报名。")
    signup.state = S.CANCELLED
    signup.save(update_fields=["state", "updated_at"])
    audit.record("withdraw", signup, user=None, message=f"{_who(volunteer)}取消报名")
    _promote(shift)
    return signup


def _organiser_signup(acting_user: Any, signup: SignUp) -> tuple[SignUp, Shift]:
    shift = Shift.objects.select_for_update(of=("self",)).select_related("activity__team__unit").get(pk=signup.shift_id)
    require(acting_user, Cap.EDIT_RECORDS, shift.activity.team.unit)
    signup.refresh_from_db()
    return signup, shift


@transaction.atomic
def approve_signup(*, acting_user: Any, signup: SignUp) -> SignUp:
    signup, shift = _organiser_signup(acting_user, signup)
    if signup.state == S.WAITLISTED:
        if taken_places(shift) >= shift.capacity:
            raise InvalidTransition("该班次已满员，不能录用候补人员；可先增加招募人数。")
    elif signup.state != S.APPLIED:
        raise InvalidTransition("只有待审核或候补的报名可以录用。")
    signup.state = S.APPROVED
    signup.save(update_fields=["state", "updated_at"])
    audit.record("approve", signup, user=acting_user)
    return signup


@transaction.atomic
def reject_signup(*, acting_user: Any, signup: SignUp) -> SignUp:
    signup, shift = _organiser_signup(acting_user, signup)
    if signup.state not in (S.APPLIED, S.WAITLISTED, S.APPROVED):
        raise InvalidTransition("当前状态不能设为未录用。")
    signup.state = S.REJECTED
    signup.save(update_fields=["state", "updated_at"])
    audit.record("return", signup, user=acting_user)
    _promote(shift)
    return signup


# --- check-in / check-out ----------------------------------------------------------------------------------------
def distance_m(lat1: float, lng1: float, lat2: float, lng2: float) -> float:
    r = 6371000.0
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lng2 - lng1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * r * math.asin(math.sqrt(a))


def no_location_message(activity: Activity, what: str = "签到") -> str:
    """Why a scan without the phone's position is refused where the activity has a check-in radius, and what to do:
    allow the location and scan again, or have the organiser record the hours on the staff side (手工补录时长 on
    the activity's page, volunteers.views.activity_manual; a second staff member approves them)."""
    return (f"本活动须在活动地点{activity.geofence_m}米范围内{what}，但没有获取到您的位置。请打开手机定位，"
            f"在浏览器询问时选择“允许”，然后重新扫码{what}；如仍无法定位，请联系活动组织者在管理端为您手工补录"
            "服务时长。")


def _location(activity: Activity, lat: float | None, lng: float | None, what: str = "签到") -> str:
    """The position kept with a scan ("lat,lng", or "" without one). Where the activity has a check-in radius
    (`Activity.checks_location`) a scan without a position, or outside the radius, is refused."""
    if lat is None or lng is None:
        if activity.checks_location:
            raise InvalidTransition(no_location_message(activity, what))
        return ""
    if not (-90 <= lat <= 90 and -180 <= lng <= 180):
        raise InvalidInput("定位信息无效。", {"location": ["定位信息无效。"]})
    if activity.geofence_m and activity.latitude is not None and activity.longitude is not None:
        d = distance_m(lat, lng, float(activity.latitude), float(activity.longitude))
        if d > activity.geofence_m:
            raise InvalidTransition(f"您不在活动地点附近（约{int(d)}米），请到现场后再扫码。")
    return f"{lat:.5f},{lng:.5f}"


def _scanned_signup(volunteer: Volunteer, activity: Activity, token: str, now: datetime.datetime) -> SignUp:
    ok, shift_id, reason = tokens.check_checkin_token(token, activity.pk, now.timestamp())
    if not ok or shift_id is None:
        raise InvalidInput(reason, {"token": [reason]})
    signup = (SignUp.objects.select_for_update(of=("self",)).select_related("shift__activity")
              .filter(volunteer=volunteer, shift_id=shift_id, shift__activity=activity).first())
    if signup is None:
        raise InvalidTransition("您没有报名这个班次。")
    return signup


@transaction.atomic
def check_in(*, volunteer: Volunteer, activity: Activity, token: str, lat: float | None = None,
             lng: float | None = None, now: datetime.datetime | None = None) -> SignUp:
    now = now or timezone.now()
    signup = _scanned_signup(volunteer, activity, token, now)
    if signup.checked_out_at is not None:
        raise InvalidTransition("您已签退，本班次不能再次签到。")
    if signup.checked_in_at is not None:
        raise InvalidTransition("您已签到，不能重复签到。")
    if signup.state != S.APPROVED:
        raise InvalidTransition("您的报名尚未被录用，不能签到。")
    shift = signup.shift
    if now < shift.starts_at - CHECKIN_EARLY or now > shift.ends_at:
        raise InvalidTransition("不在该班次的签到时间内。")
    signup.check_in_location = _location(activity, lat, lng)
    signup.state, signup.checked_in_at = S.CHECKED_IN, now
    signup.save(update_fields=["state", "checked_in_at", "check_in_location", "updated_at"])
    audit.record("update", signup, user=None, message=f"{_who(volunteer)}扫码签到")
    return signup


def scan_hours(shift: Shift, started: datetime.datetime, ended: datetime.datetime) -> Decimal:
    """Hours between check-in and check-out, counted only inside the shift and never more than its length."""
    start, end = max(started, shift.starts_at), min(ended, shift.ends_at)
    seconds = max(0.0, (end - start).total_seconds())
    hours = Decimal(seconds) / Decimal(3600)
    return min(hours, shift.length_hours).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


def outlier_flags(volunteer: Volunteer, day: datetime.date, hours: Decimal, started: datetime.datetime | None,
                  ended: datetime.datetime | None, *, exclude: int | None = None, approver: Any = None,
                  manual: bool = False) -> list[str]:
    flags: list[str] = []
    others = HourRecord.objects.filter(volunteer=volunteer).exclude(status=HourRecord.Status.REJECTED)
    if exclude:
        others = others.exclude(pk=exclude)
    same_day = others.filter(day=day).aggregate(t=Sum("hours"))["t"] or Decimal(0)
    if same_day + hours > DAY_LIMIT_HOURS:
        flags.append(f"当日累计{(same_day + hours).normalize():f}小时，超过12小时")
    if started and ended and others.filter(started_at__lt=ended, ended_at__gt=started).exists():
        flags.append("与该志愿者的其他时长记录时间重叠")
    if manual and approver is not None:
        since = timezone.now() - datetime.timedelta(days=30)
        n = HourRecord.objects.filter(source=HourRecord.Source.MANUAL, approver=approver,
                                      created_at__gte=since).count()
        if n >= MANUAL_APPROVER_LIMIT:
            flags.append(f"同一确认人30天内手工补录{n + 1}条")
    return flags


@transaction.atomic
def check_out(*, volunteer: Volunteer, activity: Activity, token: str, lat: float | None = None,
              lng: float | None = None, now: datetime.datetime | None = None,
              confirm_short: bool = True) -> HourRecord:
    """Check out. With `confirm_short=False` (the scan page, until the volunteer ticks the confirmation) a
    check-out less than SHORT_SERVICE after the check-in is refused: scanning the code twice by accident must not
    end the service at 0 hours."""
    now = now or timezone.now()
    signup = _scanned_signup(volunteer, activity, token, now)
    if signup.state != S.CHECKED_IN or signup.checked_in_at is None:
        raise InvalidTransition("您尚未签到或已签退。")
    if not confirm_short and now - signup.checked_in_at < SHORT_SERVICE:
        raise InvalidTransition("距签到不足10分钟。如确实要现在签退，请勾选下方的确认后再提交。")
    signup.check_out_location = _location(activity, lat, lng, "签退")
    signup.state, signup.checked_out_at = S.CHECKED_OUT, now
    signup.save(update_fields=["state", "checked_out_at", "check_out_location", "updated_at"])
    shift = signup.shift
    hours = scan_hours(shift, signup.checked_in_at, now)
    day = timezone.localtime(signup.checked_in_at).date()
    started, ended = max(signup.checked_in_at, shift.starts_at), min(now, shift.ends_at)
    record = HourRecord.objects.create(
        volunteer=volunteer, unit_id=activity.team.unit_id, team_id=activity.team_id, activity=activity,
        signup=signup, day=day, started_at=started, ended_at=ended, hours=hours, content=activity.title[:200],
        source=HourRecord.Source.SCAN, flags=outlier_flags(volunteer, day, hours, started, ended),
    )
    audit.record("update", signup, user=None, message=f"{_who(volunteer)}扫码签退，{hours}小时")
    return record


@dataclass
class ScanState:
    """What the scan page shows a volunteer. `kind`: "token" (code refused: `reason`), "not_signed_up",
    "not_approved", "no_show", "too_early" (check-in opens at `opens_at`), "ended", "check_in", "check_out"
    (`short`: sooner than SHORT_SERVICE after the check-in) or "done" (checked out: `record`, to dispute)."""

    kind: str
    reason: str = ""
    shift: Shift | None = None
    signup: SignUp | None = None
    opens_at: datetime.datetime | None = None
    short: bool = False
    can_sign_up: bool = False
    record: HourRecord | None = None

    @property
    def offers_action(self) -> bool:
        return self.kind in ("check_in", "check_out")


def scan_state(*, volunteer: Volunteer, activity: Activity, token: str,
               now: datetime.datetime | None = None) -> ScanState:
    """What a scanned code lets this volunteer do now, and if nothing, why (no dead ends on the scan page)."""
    now = now or timezone.now()
    ok, shift_id, reason = tokens.check_checkin_token(token, activity.pk, now.timestamp())
    shift = Shift.objects.filter(pk=shift_id, activity=activity).first() if ok and shift_id is not None else None
    if shift is None:
        return ScanState("token", reason=reason or "签到码无效。")
    signup = SignUp.objects.filter(volunteer=volunteer, shift=shift).exclude(state=S.CANCELLED).first()
    if signup is None:
        open_ = (activity.status == Activity.Status.PUBLISHED and activity.shifts.filter(starts_at__gt=now).exists())
        return ScanState("not_signed_up", shift=shift, can_sign_up=open_)
    state = ScanState("", shift=shift, signup=signup)
    if signup.checked_out_at is not None or signup.state in (S.CHECKED_OUT, S.CONFIRMED):
        state.kind, state.record = "done", HourRecord.objects.filter(signup=signup).first()
    elif signup.state == S.CHECKED_IN and signup.checked_in_at is not None:
        state.kind, state.short = "check_out", now - signup.checked_in_at < SHORT_SERVICE
    elif signup.state == S.NO_SHOW:
        state.kind = "no_show"
    elif signup.state != S.APPROVED:
        state.kind = "not_approved"
    elif now < shift.starts_at - CHECKIN_EARLY:
        state.kind, state.opens_at = "too_early", shift.starts_at - CHECKIN_EARLY
    elif now > shift.ends_at:
        state.kind = "ended"
    else:
        state.kind = "check_in"
    return state


# --- hours --------------------------------------------------------------------------------------------------------
def recompute_total(volunteer: Volunteer) -> Decimal:
    total = (HourRecord.objects.filter(volunteer=volunteer, status=HourRecord.Status.CONFIRMED)
             .aggregate(t=Sum("hours"))["t"] or Decimal(0))
    total = round_hours(total)
    Volunteer.objects.filter(pk=volunteer.pk).update(total_hours=total)
    volunteer.total_hours = total
    return total


@transaction.atomic
def confirm_activity_hours(*, acting_user: Any, activity: Activity,
                           now: datetime.datetime | None = None) -> list[HourRecord]:
    """After the activity: confirm the scanned hours, mark approved sign-ups that never came as no-shows."""
    now = now or timezone.now()
    require(acting_user, Cap.EDIT_RECORDS, activity.team.unit)
    if activity.ends_at > now:
        raise InvalidTransition("活动结束后才能确认时长。")
    confirmed: list[HourRecord] = []
    records = HourRecord.objects.select_for_update(of=("self",)).filter(
        activity=activity, source=HourRecord.Source.SCAN, status=HourRecord.Status.PENDING)
    for record in records.select_related("volunteer", "signup"):
        record.status, record.approver = HourRecord.Status.CONFIRMED, acting_user
        record.save(update_fields=["status", "approver", "updated_at"])
        if record.signup_id:
            SignUp.objects.filter(pk=record.signup_id).update(state=S.CONFIRMED, updated_at=now)
        confirmed.append(record)
    SignUp.objects.filter(shift__activity=activity, state=S.APPROVED, shift__ends_at__lte=now).update(
        state=S.NO_SHOW, updated_at=now)
    activity.hours_confirmed = True
    activity.status = Activity.Status.CLOSED
    activity.save(update_fields=["hours_confirmed", "status", "updated_at"])
    for volunteer in {r.volunteer for r in confirmed}:
        recompute_total(volunteer)
    audit.record("approve", activity, user=acting_user, message=f"确认{len(confirmed)}条志愿服务时长")
    return confirmed


@transaction.atomic
def add_manual_hours(*, acting_user: Any, volunteer: Volunteer, team: Team, day: datetime.date, hours: Decimal,
                     content: str, activity: Activity | None = None) -> HourRecord:
    """A record for a volunteer without a phone: it stays pending until a second, different person approves it."""
    require(acting_user, Cap.EDIT_RECORDS, team.unit)
    errors: dict[str, list[str]] = {}
    if problem := hours_problem(hours, low=Decimal("0.1"), high=DAY_LIMIT_HOURS):
        errors["hours"] = [f"{problem}。"]
    if day > timezone.localdate():
        errors["day"] = ["服务日期不能晚于今天。"]
    if not content.strip():
        errors["content"] = ["请填写服务内容。"]
    if activity is not None and activity.team_id != team.pk:
        errors["activity"] = ["活动不属于该队伍。"]
    if errors:
        raise InvalidInput("补录信息有误。", errors)
    record = HourRecord.objects.create(
        volunteer=volunteer, unit_id=team.unit_id, team=team, activity=activity, day=day, hours=hours,
        content=content.strip()[:200], source=HourRecord.Source.MANUAL, status=HourRecord.Status.PENDING,
        approver=acting_user, flags=outlier_flags(volunteer, day, hours, None, None, approver=acting_user,
                                                  manual=True),
    )
    audit.record("create", record, user=acting_user, after=audit.snapshot(record), message="手工补录时长")
    return record


@transaction.atomic
def second_approve(*, acting_user: Any, record: HourRecord) -> HourRecord:
    record = HourRecord.objects.select_for_update(of=("self",)).select_related("unit", "volunteer").get(pk=record.pk)
    require(acting_user, Cap.EDIT_RECORDS, record.unit)
    if record.source != HourRecord.Source.MANUAL or record.status != HourRecord.Status.PENDING:
        raise InvalidTransition("只有待复核的手工补录时长需要复核。")
    if acting_user is None or record.approver_id == acting_user.pk:
        raise NotPermitted("手工补录的时长须由另一名工作人员复核。")
    record.status, record.second_approver = HourRecord.Status.CONFIRMED, acting_user
    record.save(update_fields=["status", "second_approver", "updated_at"])
    recompute_total(record.volunteer)
    audit.record("approve", record, user=acting_user, message="复核手工补录时长")
    return record


@transaction.atomic
def reject_hours(*, acting_user: Any, record: HourRecord, reason: str) -> HourRecord:
    record = HourRecord.objects.select_for_update(of=("self",)).select_related("unit", "volunteer").get(pk=record.pk)
    require(acting_user, Cap.EDIT_RECORDS, record.unit)
    if not reason.strip():
        raise InvalidInput("请填写作废原因。", {"reason": ["请填写作废原因。"]})
    if record.status == HourRecord.Status.REJECTED:
        raise InvalidTransition("该记录已作废。")
    record.status = HourRecord.Status.REJECTED
    record.save(update_fields=["status", "updated_at"])
    recompute_total(record.volunteer)
    audit.record("return", record, user=acting_user, message=f"作废时长：{reason.strip()}")
    return record


# --- disputes -----------------------------------------------------------------------------------------------------
@transaction.atomic
def open_dispute(*, volunteer: Volunteer, record: HourRecord, reason: str,
                 claimed_hours: Decimal | None = None) -> Dispute:
    if record.volunteer_id != volunteer.pk:
        raise NotPermitted("只能对自己的时长记录提出申诉。")
    if not reason.strip():
        raise InvalidInput("请填写申诉理由。", {"reason": ["请填写申诉理由。"]})
    problem = None if claimed_hours is None else hours_problem(claimed_hours, low=Decimal(0), high=DAY_LIMIT_HOURS)
    if problem:
        raise InvalidInput(f"申诉{problem}。", {"claimed_hours": [f"申诉{problem}。"]})
    if record.disputes.filter(state=Dispute.State.OPEN).exists():
        raise InvalidTransition("该记录已有待处理的申诉。")
    dispute = Dispute.objects.create(hour_record=record, reason=reason.strip()[:2000], claimed_hours=claimed_hours)
    audit.record("create", dispute, user=None, message=f"{_who(volunteer)}对时长提出申诉")
    return dispute


@transaction.atomic
def resolve_dispute(*, acting_user: Any, dispute: Dispute, uphold: bool, resolution: str,
                    hours: Decimal | None = None) -> Dispute:
    dispute = Dispute.objects.select_for_update(of=("self",)).select_related("hour_record__unit",
                                                                  "hour_record__volunteer").get(pk=dispute.pk)
    record = dispute.hour_record
    require(acting_user, Cap.EDIT_RECORDS, record.unit)
    if dispute.state != Dispute.State.OPEN:
        raise InvalidTransition("该申诉已处理。")
    if not resolution.strip():
        raise InvalidInput("请填写处理意见。", {"resolution": ["请填写处理意见。"]})
    if uphold:
        new_hours = hours if hours is not None else dispute.claimed_hours
        if new_hours is not None:
            if problem := hours_problem(new_hours, low=Decimal(0), high=DAY_LIMIT_HOURS):
                raise InvalidInput(f"{problem}。", {"hours": [f"{problem}。"]})
            before = {"hours": str(record.hours)}
            record.hours = new_hours
            record.save(update_fields=["hours", "updated_at"])
            audit.record("revise", record, user=acting_user, before=before, after={"hours": str(new_hours)},
                         message="申诉采纳，更正时长")
    dispute.state = Dispute.State.UPHELD if uphold else Dispute.State.DISMISSED
    dispute.resolution, dispute.resolved_by, dispute.resolved_at = resolution.strip(), acting_user, timezone.now()
    dispute.save(update_fields=["state", "resolution", "resolved_by", "resolved_at"])
    recompute_total(record.volunteer)
    audit.record("close", dispute, user=acting_user, message=dispute.get_state_display())
    return dispute


# --- showing personal data -----------------------------------------------------------------------------------------
def reveal(*, acting_user: Any, volunteer: Volunteer) -> dict[str, str]:
    """The unmasked personal data, for a role that needs it (MANAGE_WORK in the volunteer's unit); audited."""
    require(acting_user, Cap.MANAGE_WORK, volunteer.unit, "您无权查看完整的个人信息。")
    if acting_user is None:
        raise NotPermitted("您无权查看完整的个人信息。")
    audit.record("download", volunteer, user=acting_user, message="查看志愿者完整个人信息",
                 object_repr=volunteer.number)
    return {"real_name": volunteer.real_name, "id_number": volunteer.id_number, "phone": volunteer.phone,
            "guardian_name": volunteer.guardian_name, "guardian_phone": volunteer.guardian_phone}


def visible_activities(now: datetime.datetime | None = None) -> Any:
    now = now or timezone.now()
    return (Activity.objects.filter(status=Activity.Status.PUBLISHED, ends_at__gt=now)
            .select_related("team", "team__unit").order_by("starts_at"))


def my_signups(volunteer: Volunteer) -> Any:
    return (SignUp.objects.filter(volunteer=volunteer).exclude(state=S.CANCELLED)
            .select_related("shift__activity__team").order_by("-shift__starts_at"))

