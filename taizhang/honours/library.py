"""The library of role models (典型库): honourees with their deeds, honours over the years (one person, several
honours), promotion activities and care visits. A person is one row whatever the number of honours: found again by
the blind index of the ID number."""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.utils import timezone

from taizhang.core import audit
from taizhang.core.errors import InvalidInput, NotPermitted
from taizhang.org.models import Unit
from taizhang.org.roles import Cap
from taizhang.org.scoping import can_in_unit

from .actions import check_resident_id, person_hash, require, validate_person
from .models import Campaign, CareVisit, Honour, Level, Nomination, Promotion, RoleModel


def _person(nomination_like: dict[str, Any], unit: Unit) -> RoleModel:
    digest = person_hash(nomination_like["id_number"])
    person = RoleModel.objects.filter(id_hash=digest).first()
    if person is None:
        person = RoleModel.objects.create(
            unit=unit, name=nomination_like["name"], initials=nomination_like.get("initials", ""),
            gender=nomination_like["gender"], birth_date=nomination_like["birth_date"],
            workplace=nomination_like["workplace"], phone=nomination_like["phone"],
            id_number=nomination_like["id_number"], id_hash=digest, deeds=nomination_like["deeds"])
    else:  # the latest deeds and workplace describe the person now
        person.workplace, person.deeds = nomination_like["workplace"], nomination_like["deeds"]
        person.save(update_fields=["workplace", "deeds", "updated_at"])
    return person


def enter_honourees(*, acting_user: Any, campaign: Campaign) -> list[Honour]:
    """Every honoured nomination of the campaign becomes an honour of a person in the library (called on announcing)."""
    out = []
    day = campaign.announced_on or timezone.localdate()
    for n in (Nomination.objects.filter(campaign=campaign, state=Nomination.State.HONOURED)
              .select_related("category")):
        if Honour.objects.filter(nomination=n).exists():
            continue
        person = _person({"id_number": n.id_number, "name": n.name, "initials": n.initials, "gender": n.gender,
                          "birth_date": n.birth_date, "workplace": n.workplace, "phone": n.phone,
                          "deeds": n.deeds}, n.unit)
        honour = Honour.objects.create(
            role_model=person, title=campaign.honour_title, category=n.category.name, level=campaign.level,
            year=campaign.year, awarded_on=day, unit=person.unit, campaign=campaign, nomination=n)
        out.append(honour)
    audit.record("create", campaign, user=acting_user, message=f"{len(out)} 名当选人员入选典型库")
    return out


@transaction.atomic
def record_honour(*, acting_user: Any, unit: Unit, name: str, gender: str, birth_date: datetime.date | None,
                  workplace: str, phone: str, id_number: str, deeds: str, title: str, level: str, year: int,
                  awarded_on: datetime.date, category: str = "", initials: str = "") -> Honour:
    """An honour given elsewhere (a city's or province's list, a past year's): entered by staff into the library."""
    require(acting_user, Cap.MANAGE_WORK, unit, "只有宣传部门的工作人员可以登记典型。")
    data: dict[str, Any] = {"name": name, "gender": gender, "birth_date": birth_date, "workplace": workplace,
                            "phone": phone, "id_number": id_number, "deeds": deeds, "initials": initials}
    errors = validate_person(data)
    if not str(title or "").strip():
        errors["title"] = ["请填写荣誉称号。"]
    if level not in Level.values:
        errors["level"] = ["请选择级别。"]
    if not isinstance(awarded_on, datetime.date) or awarded_on > timezone.localdate():
        errors["awarded_on"] = ["授予日期不能晚于今天。"]
    if errors:
        raise InvalidInput("典型信息有误：" + "；".join(m for ms in errors.values() for m in ms), errors)
    person = _person(data, unit)
    honour = Honour.objects.create(role_model=person, title=str(title).strip()[:80], category=str(category)[:40],
                                   level=level, year=int(year), awarded_on=awarded_on, unit=person.unit)
    audit.record("create", honour, user=acting_user, message=f"登记荣誉：{honour}")
    return honour


def _require_person(user: Any, person: RoleModel) -> None:
    if user is not None and not (can_in_unit(user, Cap.EDIT_RECORDS, person.unit)
                                 or can_in_unit(user, Cap.MANAGE_WORK, person.unit)):
        raise NotPermitted("只能为本单位的典型人物登记。")


@transaction.atomic
def add_promotion(*, acting_user: Any, role_model: RoleModel, kind: str, title: str, happened_on: datetime.date,
                  outlet: str = "", link: str = "", reach: int = 0) -> Promotion:
    _require_person(acting_user, role_model)
    errors: dict[str, list[str]] = {}
    if kind not in Promotion.Kind.values:
        errors["kind"] = ["请选择宣传形式。"]
    if not str(title or "").strip():
        errors["title"] = ["请填写标题。"]
    if not isinstance(happened_on, datetime.date) or happened_on > timezone.localdate():
        errors["happened_on"] = ["日期不能晚于今天。"]
    link = str(link or "").strip()
    if link and not link.startswith(("http://", "https://")):
        errors["link"] = ["链接应以 http:// 或 https:// 开头。"]
    if not 0 <= int(reach or 0) <= 100_000_000:
        errors["reach"] = ["人数有误。"]
    if errors:
        raise InvalidInput("宣传活动信息有误：" + "；".join(m for ms in errors.values() for m in ms), errors)
    row = Promotion.objects.create(role_model=role_model, unit=role_model.unit, kind=kind, title=str(title)[:200],
                                   outlet=str(outlet or "")[:100], link=link[:200], reach=int(reach or 0),
                                   happened_on=happened_on)
    audit.record("create", row, user=acting_user, message=f"宣传活动：{row.get_kind_display()}")
    return row


@transaction.atomic
def add_care_visit(*, acting_user: Any, role_model: RoleModel, visited_on: datetime.date, visitors: str,
                   content: str, kind: str = "走访慰问", amount: Decimal | int | str = 0) -> CareVisit:
    _require_person(acting_user, role_model)
    errors: dict[str, list[str]] = {}
    if not isinstance(visited_on, datetime.date) or visited_on > timezone.localdate():
        errors["visited_on"] = ["日期不能晚于今天。"]
    if not str(visitors or "").strip():
        errors["visitors"] = ["请填写走访人员。"]
    if not str(content or "").strip():
        errors["content"] = ["请填写走访内容。"]
    try:
        money = Decimal(str(amount or 0))
    except ArithmeticError:
        money = Decimal(-1)
    if not Decimal(0) <= money <= Decimal(10_000_000):
        errors["amount"] = ["金额有误。"]
    if errors:
        raise InvalidInput("走访信息有误：" + "；".join(m for ms in errors.values() for m in ms), errors)
    row = CareVisit.objects.create(role_model=role_model, unit=role_model.unit, visited_on=visited_on,
                                   visitors=str(visitors)[:200], kind=str(kind or "走访慰问")[:20],
                                   content=str(content)[:5000], amount=money)
    audit.record("create", row, user=acting_user, message=f"{row.kind}")
    return row


def reveal(*, acting_user: Any, role_model: RoleModel) -> dict[str, str]:
    if acting_user is None or not can_in_unit(acting_user, Cap.MANAGE_WORK, role_model.unit):
        raise NotPermitted("您无权查看完整的个人信息。")
    audit.record("download", role_model, user=acting_user, message="查看典型人物完整个人信息")
    return {"phone": role_model.phone, "id_number": role_model.id_number}


__all__ = ["add_care_visit", "add_promotion", "check_resident_id", "enter_honourees", "record_honour", "reveal"]
