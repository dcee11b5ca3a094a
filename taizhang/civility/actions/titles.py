"""Titles: apply, review level by level (区级 → 市级 → 省级 → 全国, up to the level applied for), award for a
three-year cycle, check every year (a failed check or a serious incident revokes), pairings (共建对子)."""

from __future__ import annotations

import datetime
from typing import Any

from django.db import transaction
from django.utils import timezone

from taizhang.civility.actions.common import clean_text, invalid, require
from taizhang.civility.models import Pairing, Title, TitleApplication, TitleCheck, TitleKind, TitleLevel
from taizhang.civility.models.titles import CYCLE_YEARS
from taizhang.core import audit
from taizhang.core.concurrency import save_versioned
from taizhang.core.errors import InvalidInput, InvalidTransition
from taizhang.org.models import Unit
from taizhang.org.roles import Cap


@transaction.atomic
def apply_title(*, acting_user: Any, kind: str, level: str, unit: Unit, year: int, applicant: str = "",
                family_name: str = "", summary: str = "") -> TitleApplication:
    require(acting_user, Cap.EDIT_RECORDS, unit, "您不能以该单位名义申报")
    if kind not in TitleKind.values:
        raise invalid("kind", "请选择称号类别")
    if level not in TitleLevel.values:
        raise invalid("level", "请选择申报级别")
    if kind == TitleKind.FAMILY:
        family_name = clean_text(family_name, "family_name", "家庭户主", max_length=40)
        applicant = ""
    else:
        applicant = clean_text(applicant or unit.name, "applicant", "申报对象", max_length=120)
    if TitleApplication.objects.filter(kind=kind, level=level, unit=unit, applicant=applicant, year=year,
                                       status=TitleApplication.Status.SUBMITTED).exclude(
                                           kind=TitleKind.FAMILY).exists():
        raise invalid("applicant", "该对象本年度已有同级别申报在审核中")
    app = TitleApplication.objects.create(kind=kind, level=level, unit=unit, applicant=applicant,
                                          family_name=family_name, year=year, summary=str(summary or "")[:4000],
                                          submitted_by=acting_user)
    audit.record("submit", app, user=acting_user, after=audit.snapshot(app))
    return app


@transaction.atomic
def review_application(*, acting_user: Any, application: TitleApplication, approve: bool, reason: str = "",
                       on: datetime.date | None = None, expected_version: int | None = None) -> TitleApplication:
    """The next level's decision. Approval at the level applied for awards the title."""
    require(acting_user, Cap.MANAGE_WORK, application.unit, "只有文明办可以审核称号申报")
    if application.status != TitleApplication.Status.SUBMITTED:
        raise InvalidTransition("该申报已审核完毕")
    level = application.next_level
    if level is None:  # pragma: no cover - awarded applications are not SUBMITTED
        raise InvalidTransition("该申报已审核完毕")
    reason = str(reason or "").strip()[:500]
    if not approve and not reason:
        raise InvalidInput("请填写未通过的理由", {"reason": ["请填写未通过的理由"]})
    version = application.version if expected_version is None else expected_version
    label = TitleLevel(level).label
    if not approve:
        application.status = TitleApplication.Status.REJECTED
        application.reason = f"{label}审核未通过：{reason}"
        save_versioned(application, version, ["status", "reason"])
        audit.record("return", application, user=acting_user, message=application.reason)
        return application
    application.reviewed_level = level
    application.reason = f"{label}审核通过" + (f"：{reason}" if reason else "")
    fields = ["reviewed_level", "reason"]
    if level == application.level:
        application.status = TitleApplication.Status.AWARDED
        fields.append("status")
    save_versioned(application, version, fields)
    audit.record("approve", application, user=acting_user, message=application.reason)
    if application.status == TitleApplication.Status.AWARDED:
        day = on or timezone.localdate()
        title = Title.objects.create(
            application=application, kind=application.kind, level=application.level, unit=application.unit,
            name=application.display_name, awarded_on=day,
            valid_until=day.replace(year=day.year + CYCLE_YEARS) - datetime.timedelta(days=1))
        audit.record("create", title, user=acting_user, after=audit.snapshot(title), message="授予称号")
    return application


@transaction.atomic
def check_title(*, acting_user: Any, title: Title, year: int, passed: bool, note: str = "") -> TitleCheck:
    """The yearly check. A failed check revokes the title."""
    require(acting_user, Cap.MANAGE_WORK, title.unit, "只有文明办可以复查称号")
    if title.status != Title.Status.ACTIVE:
        raise InvalidTransition("只有有效的称号才能复查")
    if TitleCheck.objects.filter(title=title, year=year).exists():
        raise invalid("year", f"{year}年度已复查")
    if not passed and not str(note or "").strip():
        raise InvalidInput("请填写复查未通过的原因", {"note": ["请填写复查未通过的原因"]})
    check = TitleCheck.objects.create(title=title, year=year, passed=passed, note=str(note or "")[:500],
                                      checked_by=acting_user)
    audit.record("create", check, user=acting_user, after=audit.snapshot(check))
    if not passed:
        revoke_title(acting_user=acting_user, title=title, reason=f"{year}年度复查未通过：{note}")
    return check


@transaction.atomic
def revoke_title(*, acting_user: Any, title: Title, reason: str, on: datetime.date | None = None) -> Title:
    require(acting_user, Cap.MANAGE_WORK, title.unit, "只有文明办可以撤销称号")
    reason = clean_text(reason, "reason", "撤销原因", max_length=500)
    if title.status == Title.Status.REVOKED:
        raise InvalidTransition("该称号已撤销")
    title.status = Title.Status.REVOKED
    title.revoked_on = on or timezone.localdate()
    title.revoke_reason = reason
    save_versioned(title, title.version, ["status", "revoked_on", "revoke_reason"])
    audit.record("withdraw", title, user=acting_user, message=f"撤销称号：{reason}")
    return title


def expire_titles(today: datetime.date | None = None) -> int:
    day = today or timezone.localdate()
    return Title.objects.filter(status=Title.Status.ACTIVE, valid_until__lt=day).update(status=Title.Status.EXPIRED)


@transaction.atomic
def create_pairing(*, acting_user: Any, unit: Unit, partner: Unit, started_on: datetime.date,
                   content: str = "") -> Pairing:
    require(acting_user, Cap.MANAGE_WORK, unit, "只有文明办可以登记共建对子")
    if unit.pk == partner.pk:
        raise invalid("partner", "结对单位不能是本单位")
    if Pairing.objects.filter(unit=unit, partner=partner, ended_on__isnull=True).exists():
        raise invalid("partner", "这两个单位已经结对")
    pairing = Pairing.objects.create(unit=unit, partner=partner, started_on=started_on,
                                     content=str(content or "")[:300])
    audit.record("create", pairing, user=acting_user, after=audit.snapshot(pairing))
    return pairing


@transaction.atomic
def end_pairing(*, acting_user: Any, pairing: Pairing, on: datetime.date | None = None) -> Pairing:
    require(acting_user, Cap.MANAGE_WORK, pairing.unit)
    if pairing.ended_on is not None:
        raise InvalidTransition("该对子已结束")
    pairing.ended_on = on or timezone.localdate()
    pairing.save(update_fields=["ended_on", "updated_at"])
    audit.record("update", pairing, user=acting_user, message="结束共建")
    return pairing
