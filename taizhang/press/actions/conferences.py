"""Press conferences: plan, file ahead (in working days), approve, hold, archive materials, link coverage; the
spokesperson roster."""

from __future__ import annotations

import datetime
import hashlib
from collections.abc import Iterable
from typing import Any

from django.conf import settings
from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone

from taizhang.core import audit
from taizhang.core.concurrency import save_versioned
from taizhang.core.errors import InvalidInput, InvalidTransition
from taizhang.ledger.models import Placement
from taizhang.org.models import Unit
from taizhang.press.actions.common import require_staff, require_unit, text
from taizhang.press.models import Conference, ConferenceMaterial, ConferencePlan, Spokesperson

C = Conference.State
#: what each material kind may be (core.uploads type names)
MATERIAL_TYPES = {
    ConferenceMaterial.Kind.RELEASE: {"docx", "pdf", "txt"},
    ConferenceMaterial.Kind.TRANSCRIPT: {"docx", "pdf", "txt"},
    ConferenceMaterial.Kind.PHOTO: {"jpeg", "png"},
    ConferenceMaterial.Kind.VIDEO: {"mp4"},
    ConferenceMaterial.Kind.AUDIO: {"mp3", "m4a", "wav"},
    ConferenceMaterial.Kind.OTHER: {"docx", "pdf", "txt", "xlsx", "jpeg", "png"},
}


def filing_deadline(day: datetime.date) -> tuple[datetime.date, bool]:
    """The last day a conference held on `day` may be filed: TAIZHANG_CONFERENCE_FILING_DAYS working days before
    it (statutory holidays off, 调休 Saturdays on), and whether the calendar for that year is provisional."""
    from taizhang.cases.workdays import is_provisional, is_workday

    remaining = settings.TAIZHANG_CONFERENCE_FILING_DAYS
    current, provisional = day, is_provisional(day)
    while remaining > 0:
        current -= datetime.timedelta(days=1)
        provisional = provisional or is_provisional(current)
        if is_workday(current):
            remaining -= 1
    return current, provisional


@transaction.atomic
def plan_conference(
    *, acting_user: Any, year: int, unit: Unit, topic: str, planned_date: datetime.date, spokesperson: str = ""
) -> ConferencePlan:
    require_staff(acting_user, unit, "只有宣传部工作人员可以编制发布会计划。")
    if planned_date.year != year:
        raise InvalidInput(f"计划日期应在{year}年内", {"planned_date": ["不在计划年度内"]})
    plan = ConferencePlan.objects.create(
        year=year,
        unit=unit,
        topic=text(topic, "topic", "主题", max_length=200),
        planned_date=planned_date,
        spokesperson=text(spokesperson, "spokesperson", "发布人", max_length=50, required=False),
    )
    audit.record("conference_plan", plan, user=acting_user, after=audit.snapshot(plan))
    return plan


@transaction.atomic
def file_conference(
    *,
    acting_user: Any,
    unit: Unit,
    topic: str,
    date: datetime.date,
    place: str = "",
    speakers: str = "",
    by_leader: bool = False,
    plan: ConferencePlan | None = None,
    now: datetime.datetime | None = None,
) -> Conference:
    """A unit files a conference before it is held. Filing later than the configured number of working days
    is accepted but marked late, so the year-end figures show it."""
    require_unit(acting_user, unit, "您不能为该单位报备发布会。")
    now = now or timezone.now()
    today = timezone.localtime(now).date()
    if date < today:
        raise InvalidInput("发布会日期已过：请在召开前报备", {"date": ["日期已过"]})
    if plan is not None and (plan.unit_id != unit.pk or hasattr(plan, "conference")):
        raise InvalidInput("所选计划不属于该单位或已报备", {"plan": ["计划有误"]})
    last_day, _provisional = filing_deadline(date)
    conference = Conference.objects.create(
        plan=plan,
        unit=unit,
        topic=text(topic, "topic", "主题", max_length=200),
        date=date,
        place=text(place, "place", "地点", max_length=200, required=False),
        speakers=text(speakers, "speakers", "发布人", max_length=300, required=False),
        by_leader=by_leader,
        state=C.FILED,
        filed_at=now,
        filed_late=today > last_day,
    )
    audit.record("conference_file", conference, user=acting_user, after=audit.snapshot(conference))
    return conference


@transaction.atomic
def decide_conference(*, acting_user: Any, conference: Conference, approve: bool, note: str = "") -> Conference:
    require_staff(acting_user, conference.unit, "只有宣传部工作人员可以审批发布会。")
    if conference.state not in (C.FILED,):
        raise InvalidTransition("只有已报备的发布会可以审批")
    if not approve and not note.strip():
        raise InvalidInput("退回须说明理由", {"note": ["请说明理由"]})
    conference.state, conference.note = (C.APPROVED if approve else C.RETURNED), note.strip()
    save_versioned(conference, conference.version, ["state", "note"])
    audit.record("conference_decide", conference, user=acting_user, message="批准" if approve else f"退回：{note}")
    return conference


@transaction.atomic
def record_held(
    *,
    acting_user: Any,
    conference: Conference,
    expected_version: int,
    journalists: int,
    outlets_present: str = "",
    speakers: str = "",
    place: str = "",
    by_leader: bool | None = None,
) -> Conference:
    require_unit(acting_user, conference.unit)
    if conference.state != C.APPROVED:
        raise InvalidTransition("发布会须先经审批，召开后再登记")
    if conference.date > timezone.localdate():
        raise InvalidInput("发布会尚未召开", {"date": ["尚未召开"]})
    if journalists < 0 or journalists > 10000:
        raise InvalidInput("到场记者人数有误", {"journalists": ["人数有误"]})
    conference.journalists = journalists
    conference.outlets_present = text(outlets_present, "outlets_present", "到场媒体", max_length=500, required=False)
    if speakers:
        conference.speakers = text(speakers, "speakers", "发布人", max_length=300)
    if place:
        conference.place = text(place, "place", "地点", max_length=200)
    if by_leader is not None:
        conference.by_leader = by_leader
    conference.state = C.HELD
    save_versioned(
        conference, expected_version, ["journalists", "outlets_present", "speakers", "place", "by_leader", "state"]
    )
    audit.record("conference_held", conference, user=acting_user, after=audit.snapshot(conference))
    return conference


@transaction.atomic
def add_material(*, acting_user: Any, conference: Conference, kind: str, upload: Any) -> ConferenceMaterial:
    from taizhang.core.uploads import check_upload

    require_unit(acting_user, conference.unit)
    if conference.state not in (C.HELD, C.ARCHIVED):
        raise InvalidTransition("发布会召开后才能上传材料")
    if kind not in MATERIAL_TYPES:
        raise InvalidInput("未知的材料类型", {"kind": ["未知类型"]})
    checked = check_upload(upload, MATERIAL_TYPES[ConferenceMaterial.Kind(kind)])
    upload.seek(0)
    data = upload.read()
    name = str(getattr(upload, "name", "") or f"material.{checked.kind}")[-200:]
    material = ConferenceMaterial(
        conference=conference, kind=kind, name=name, size=len(data), sha256=hashlib.sha256(data).hexdigest()
    )
    material.file.save(f"{material.sha256[:16]}.{checked.kind}", ContentFile(data), save=False)
    material.save()
    audit.record("conference_material", material, user=acting_user, message=f"{material.get_kind_display()}：{name}")
    return material


@transaction.atomic
def link_coverage(*, acting_user: Any, conference: Conference, placements: Iterable[Placement]) -> int:
    """Link ledger placements (the coverage the conference earned). Counted in the ledger once, as placements."""
    require_unit(acting_user, conference.unit)
    if conference.state not in (C.HELD, C.ARCHIVED):
        raise InvalidTransition("发布会召开后才能关联报道")
    items = list(placements)
    conference.coverage.add(*items)
    audit.record("conference_coverage", conference, user=acting_user, message=f"关联报道 {len(items)} 篇")
    return len(items)


#: 《新闻发布会材料归档》: release, transcript, at least 8 photos
MIN_PHOTOS = 8


@transaction.atomic
def archive_conference(*, acting_user: Any, conference: Conference) -> Conference:
    require_unit(acting_user, conference.unit)
    if conference.state != C.HELD:
        raise InvalidTransition("只有已召开的发布会可以归档")
    kinds = list(conference.materials.values_list("kind", flat=True))
    missing = []
    if ConferenceMaterial.Kind.RELEASE not in kinds:
        missing.append("新闻通稿")
    if ConferenceMaterial.Kind.TRANSCRIPT not in kinds:
        missing.append("发布实录")
    photos = kinds.count(ConferenceMaterial.Kind.PHOTO)
    if photos < MIN_PHOTOS:
        missing.append(f"照片（至少 {MIN_PHOTOS} 张，现有 {photos} 张）")
    if missing:
        raise InvalidInput(f"归档材料不全：缺少{'、'.join(missing)}")
    conference.state = C.ARCHIVED
    save_versioned(conference, conference.version, ["state"])
    audit.record("conference_archive", conference, user=acting_user)
    return conference


def skipped_plans(year: int, *, on: datetime.date, unit_ids: Iterable[int] | None = None) -> list[ConferencePlan]:
    """Planned conferences whose date has passed (by `on`) and that were never held: named at year end."""
    qs = ConferencePlan.objects.filter(year=year, planned_date__lt=on).select_related("unit")
    if unit_ids is not None:
        qs = qs.filter(unit_id__in=list(unit_ids))
    held = set(Conference.objects.filter(plan__in=qs, state__in=(C.HELD, C.ARCHIVED)).values_list("plan_id", flat=True))
    return [p for p in qs if p.pk not in held]


@transaction.atomic
def add_spokesperson(
    *, acting_user: Any, year: int, unit: Unit, name: str, position: str, trained: bool = False
) -> Spokesperson:
    require_unit(acting_user, unit, "您不能为该单位登记新闻发言人。")
    name = text(name, "name", "姓名", max_length=50)
    if Spokesperson.objects.filter(year=year, unit=unit, name=name).exists():
        raise InvalidInput(f"{year}年{unit.name}已登记发言人{name}", {"name": ["已登记"]})
    person = Spokesperson.objects.create(
        year=year, unit=unit, name=name, trained=trained, position=text(position, "position", "职务", max_length=100)
    )
    audit.record("spokesperson_add", person, user=acting_user, after=audit.snapshot(person))
    return person
