"""Planning rounds and recording inspections. A submission carries a UUID made on the phone: sent twice (a lost
answer, a retried offline queue) it is stored once. Every failed standard opens a problem on the case loop."""

from __future__ import annotations

import datetime
import uuid as uuidlib
from decimal import Decimal, InvalidOperation
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from taizhang.civility.actions.common import clean_text, invalid, require
from taizhang.civility.models import (
    Answer,
    Framework,
    Inspection,
    InspectionRound,
    InspectionTeam,
    Method,
    Photo,
    Site,
    SiteType,
    Standard,
)
from taizhang.core import audit
from taizhang.core.errors import InvalidInput, NotPermitted
from taizhang.org.models import Unit
from taizhang.org.roles import Cap
from taizhang.org.scoping import can_in_unit

MAX_PHOTOS = 30


@transaction.atomic
def create_round(*, acting_user: Any, framework: Framework, owner: Unit, name: str, week_start: datetime.date,
                 mode: str = InspectionRound.Mode.UNANNOUNCED, site_types: list[str] | tuple[str, ...] = (),
                 teams: list[dict[str, Any]] | tuple[dict[str, Any], ...] = (), notes: str = "") -> InspectionRound:
    require(acting_user, Cap.MANAGE_WORK, owner)
    name = clean_text(name, "name", "轮次名称", max_length=120)
    if mode not in InspectionRound.Mode.values:
        raise invalid("mode", "请选择暗访或明查")
    bad = [t for t in site_types if t not in SiteType.values]
    if bad or not site_types:
        raise invalid("site_types", "请选择本轮覆盖的点位类型")
    monday = week_start - datetime.timedelta(days=week_start.weekday())
    rnd = InspectionRound.objects.create(framework=framework, owner=owner, name=name, week_start=monday, mode=mode,
                                         site_types=list(site_types), notes=notes)
    for team in teams:
        t = InspectionTeam.objects.create(round=rnd, name=clean_text(team.get("name"), "teams", "督导组名称",
                                                                      max_length=60),
                                          leader=team.get("leader"), site_types=list(team.get("site_types") or []))
        if team.get("members"):
            t.members.set(team["members"])
    audit.record("create", rnd, user=acting_user, after=audit.snapshot(rnd))
    return rnd


def checklist(site: Site, framework: Framework) -> list[Standard]:
    """The field-inspection standards that apply to the site's type (an empty list of types = every type)."""
    standards = Standard.objects.filter(framework=framework, method=Method.FIELD).select_related(
        "project", "content").order_by("sort_order", "id")
    return [s for s in standards if not s.site_types or site.type in s.site_types]


def active_framework(key: str | None = None) -> Framework | None:
    qs = Framework.objects.filter(status=Framework.Status.ACTIVE)
    if key:
        qs = qs.filter(key=key)
    return qs.order_by("-edition").first()


def _coord(value: Any, limit: int) -> Decimal | None:
    if value in (None, ""):
        return None
    try:
        number = Decimal(str(value))
    except (InvalidOperation, ValueError):
        return None
    if not number.is_finite() or abs(number) > limit:
        return None
    return number.quantize(Decimal("0.000001"))


def _when(value: Any) -> datetime.datetime | None:
    if isinstance(value, datetime.datetime):
        return value if timezone.is_aware(value) else timezone.make_aware(value)
    if not value:
        return None
    parsed = parse_datetime(str(value))
    if parsed is None:
        return None
    return parsed if timezone.is_aware(parsed) else timezone.make_aware(parsed)


def store_photo(*, acting_user: Any, uploaded: Any, stage: str, inspection: Inspection | None = None,
                problem: Any = None, standard: Standard | None = None, taken_at: Any = None,
                latitude: Any = None, longitude: Any = None) -> Photo:
    """A photo without metadata (time and place kept in the row, never in the file) and its thumbnail."""
    from django.core.files.base import ContentFile

    from taizhang.civility.photos import clean_image, exif_taken_at

    when = _when(taken_at) or _when(exif_taken_at(uploaded))
    clean = clean_image(uploaded)
    photo = Photo(inspection=inspection, problem=problem, standard=standard, stage=stage, width=clean.width,
                  height=clean.height, sha256=clean.sha256, taken_at=when,
                  latitude=_coord(latitude, 90), longitude=_coord(longitude, 180), uploaded_by=acting_user)
    photo.image.save("photo.jpg", ContentFile(clean.data), save=False)
    photo.thumbnail.save("thumb.jpg", ContentFile(clean.thumb), save=False)
    photo.save()
    return photo


def submit_inspection(*, acting_user: Any, uuid: Any, site: Site, answers: list[dict[str, Any]],
                      framework: Framework | None = None, round: InspectionRound | None = None,
                      started_at: Any = None, submitted_at: Any = None, latitude: Any = None, longitude: Any = None,
                      notes: str = "", photos: list[dict[str, Any]] | tuple[dict[str, Any], ...] = (),
                      confirm_unrated: bool = False) -> tuple[Inspection, bool]:
    """Store an inspection (idempotent on `uuid`). Returns (inspection, created).

    Every 不达标 answer needs a note or a photo of its standard. Standards of the checklist left unrated need
    `confirm_unrated` (the inspector ticked "还有 N 项未评，确认提交"); without it the submission is refused with
    the count under errors["confirm_unrated"], nothing stored."""
    try:
        key = uuidlib.UUID(str(uuid))
    except ValueError as exc:
        raise invalid("uuid", "提交编号无效") from exc
    existing = Inspection.objects.filter(uuid=key).first()
    if existing is not None:
        if existing.site_id != site.pk:
            raise invalid("uuid", "提交编号已被另一次测评使用")
        return existing, False
    try:
        return _submit(acting_user=acting_user, key=key, site=site, answers=answers, framework=framework,
                       round=round, started_at=started_at, submitted_at=submitted_at, latitude=latitude,
                       longitude=longitude, notes=notes, photos=photos, confirm_unrated=confirm_unrated), True
    except IntegrityError:  # the same UUID arrived twice at once: the other request stored it
        again = Inspection.objects.filter(uuid=key).first()
        if again is None:
            raise
        return again, False


@transaction.atomic
def _submit(*, acting_user: Any, key: uuidlib.UUID, site: Site, answers: list[dict[str, Any]],
            framework: Framework | None, round: InspectionRound | None, started_at: Any, submitted_at: Any,
            latitude: Any, longitude: Any, notes: str, photos: Any, confirm_unrated: bool = False) -> Inspection:
    from taizhang.civility.actions.problems import clip, open_problem

    if acting_user is not None and not (can_in_unit(acting_user, Cap.MANAGE_WORK, site.unit)
                                        or can_in_unit(acting_user, Cap.REVIEW_RECORDS, site.unit)):
        raise NotPermitted("您不是该点位的测评员")
    framework = framework or (round.framework if round else None) or active_framework()
    if framework is None:
        raise invalid("framework", "还没有启用的测评体系")
    applicable = {s.pk: s for s in checklist(site, framework)}
    errors: dict[str, list[str]] = {}
    seen: set[int] = set()
    cleaned: list[tuple[Standard, bool, str]] = []
    for item in answers:
        try:
            sid = int(item.get("standard"))  # type: ignore[arg-type]
        except (TypeError, ValueError):
            errors.setdefault("answers", []).append("测评标准编号无效")
            continue
        standard = applicable.get(sid)
        if standard is None:
            errors.setdefault("answers", []).append(f"标准 {sid} 不适用于该点位")
            continue
        if sid in seen:
            continue
        seen.add(sid)
        met = item.get("met")
        if met not in (True, False):
            errors.setdefault("answers", []).append(f"标准 {standard.code} 未选择达标或不达标")
            continue
        note = str(item.get("note") or "").strip()[:500]
        cleaned.append((standard, bool(met), note))
    if not cleaned and not errors:
        errors["answers"] = ["请至少评定一项标准"]
    with_photo = {int(p["standard"]) for p in photos if str(p.get("standard") or "").isdigit()}
    position = {pk: n for n, pk in enumerate(applicable, start=1)}
    for standard, met, note in cleaned:
        if not met and not note and standard.pk not in with_photo:
            errors.setdefault(f"standard_{standard.pk}", []).append(
                f"第{position[standard.pk]}项“{standard.code} {clip(standard.text, 24)}”评为不达标，请写明问题或拍照")
    unrated = len(applicable) - len(cleaned)
    if cleaned and unrated > 0 and not confirm_unrated:
        errors["confirm_unrated"] = [f"还有 {unrated} 项未评，确认提交"]
    if len(photos) > MAX_PHOTOS:
        errors["photos"] = [f"一次最多上传{MAX_PHOTOS}张照片"]
    if errors:
        only_confirm = list(errors) == ["confirm_unrated"]
        raise InvalidInput(f"还有 {unrated} 项未评，请勾选确认后再提交" if only_confirm else "测评提交有误", errors)
    now = timezone.now()
    when = _when(submitted_at) or now
    if when > now + datetime.timedelta(minutes=10):
        when = now
    inspection = Inspection.objects.create(
        uuid=key, framework=framework, round=round, site=site, inspector=acting_user,
        started_at=_when(started_at), submitted_at=when, latitude=_coord(latitude, 90),
        longitude=_coord(longitude, 180), notes=str(notes or "")[:2000],
        met_count=sum(1 for _s, met, _n in cleaned if met), failed_count=sum(1 for _s, met, _n in cleaned if not met))
    day = timezone.localtime(when).date()
    Answer.objects.bulk_create([Answer(inspection=inspection, standard=s, met=met, note=note, framework=framework,
                                       unit_id=site.unit_id, day=day, site_type=site.type)
                                for s, met, note in cleaned])
    inspection.projects = sorted({s.project_id for s, _m, _n in cleaned})
    inspection.save(update_fields=["projects"])
    by_standard: dict[int, list[Photo]] = {}
    for item in photos:
        standard = applicable.get(int(item["standard"])) if str(item.get("standard") or "").isdigit() else None
        photo = store_photo(acting_user=acting_user, uploaded=item["file"], stage=Photo.Stage.INSPECTION,
                            inspection=inspection, standard=standard, taken_at=item.get("taken_at"),
                            latitude=item.get("latitude", latitude), longitude=item.get("longitude", longitude))
        if standard is not None:
            by_standard.setdefault(standard.pk, []).append(photo)
    for standard, met, note in cleaned:
        if not met:
            problem = open_problem(acting_user=acting_user, inspection=inspection, standard=standard,
                                   description=note)
            Photo.objects.filter(pk__in=[p.pk for p in by_standard.get(standard.pk, [])]).update(problem=problem)
    audit.record("submit", inspection, user=acting_user,
                 message=f"实地测评：达标{inspection.met_count}项，不达标{inspection.failed_count}项")
    return inspection


def recurring_days() -> int:
    return int(getattr(settings, "TAIZHANG_CIVILITY_RECURRING_DAYS", 60))
