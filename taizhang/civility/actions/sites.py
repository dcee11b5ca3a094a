"""Site register actions: create, edit (optimistic locking), import from xlsx with errors by row and column."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Any

from django.db import transaction

from taizhang.civility.actions.common import clean_text, invalid, require
from taizhang.civility.actions.framework import SITE_TYPE_BY_LABEL
from taizhang.civility.models import Site, SiteType
from taizhang.core import audit
from taizhang.core.concurrency import save_versioned
from taizhang.core.errors import InvalidInput
from taizhang.org.models import Unit
from taizhang.org.roles import Cap

SITE_COLUMNS = ["点位编号", "点位类型", "点位名称", "地址", "纬度", "经度", "责任单位代码", "点位负责人", "负责人电话"]


def _coordinate(value: Any, label: str, limit: int) -> Decimal | None:
    if value is None or str(value).strip() == "":
        return None
    try:
        number = Decimal(str(value).strip())
    except (InvalidOperation, ValueError) as exc:
        raise ValueError(f"{label}应为数字") from exc
    if not number.is_finite() or abs(number) > limit:
        raise ValueError(f"{label}超出范围")
    return number.quantize(Decimal("0.000001"))


def _clean(data: dict[str, Any]) -> dict[str, Any]:
    errors: dict[str, list[str]] = {}
    out: dict[str, Any] = {}
    for field, label, length, required in (("code", "点位编号", 32, True), ("name", "点位名称", 120, True),
                                           ("address", "地址", 200, False), ("lead_name", "点位负责人", 40, False),
                                           ("lead_phone", "负责人电话", 20, False)):
        try:
            out[field] = clean_text(data.get(field), field, label, max_length=length, required=required)
        except InvalidInput as exc:
            errors.update(exc.errors)
    site_type = str(data.get("type") or "").strip()
    if site_type not in SITE_TYPE_BY_LABEL:
        errors["type"] = [f"点位类型应为{'、'.join(SiteType.labels)}之一"]
    else:
        out["type"] = SITE_TYPE_BY_LABEL[site_type]
    for field, label, limit in (("latitude", "纬度", 90), ("longitude", "经度", 180)):
        try:
            out[field] = _coordinate(data.get(field), label, limit)
        except ValueError as exc:
            errors[field] = [str(exc)]
    if not isinstance(data.get("unit"), Unit):
        errors["unit"] = ["请选择责任单位"]
    else:
        out["unit"] = data["unit"]
    if errors:
        raise InvalidInput("点位信息填写有误", errors)
    return out


@transaction.atomic
def create_site(*, acting_user: Any, **data: Any) -> Site:
    fields = _clean(data)
    require(acting_user, Cap.EDIT_RECORDS, fields["unit"], "您不能为该单位登记点位")
    if Site.objects.filter(code=fields["code"]).exists():
        raise invalid("code", "该点位编号已存在")
    site = Site.objects.create(**fields)
    audit.record("create", site, user=acting_user, after=audit.snapshot(site))
    return site


@transaction.atomic
def update_site(*, acting_user: Any, site: Site, expected_version: int, **data: Any) -> Site:
    data["code"] = site.code
    fields = _clean(data)
    require(acting_user, Cap.EDIT_RECORDS, site.unit, "您不能修改该点位")
    require(acting_user, Cap.EDIT_RECORDS, fields["unit"], "您不能把点位交给该单位")
    before = audit.snapshot(site)
    for name, value in fields.items():
        setattr(site, name, value)
    site.is_active = bool(data.get("is_active", site.is_active))
    save_versioned(site, expected_version, [*fields.keys(), "is_active"])
    audit.record("update", site, user=acting_user, before=before, after=audit.snapshot(site))
    return site


@transaction.atomic
def import_sites(*, acting_user: Any, data: bytes) -> tuple[int, int]:
    """Create or update sites by code. All rows are checked first; any error and nothing changes.
    Returns (created, updated)."""
    from taizhang.civility.xlsx import read_rows

    rows = read_rows(data, SITE_COLUMNS, required=[*SITE_COLUMNS[:3], "责任单位代码"])
    units = {u.code: u for u in Unit.objects.filter(is_active=True)}
    labels = dict(zip(["code", "type", "name", "address", "latitude", "longitude", "unit", "lead_name",
                       "lead_phone"], SITE_COLUMNS, strict=True))
    errors: dict[str, list[str]] = {}
    cleaned: list[dict[str, Any]] = []
    seen: set[str] = set()
    for line, row in rows:
        values = {field: row.get(col) for field, col in labels.items()}
        code = str(values["code"] or "").strip()
        unit_code = str(values["unit"] or "").strip()
        values["unit"] = units.get(unit_code)
        row_errors: list[str] = []
        try:
            fields = _clean(values)
        except InvalidInput as exc:
            row_errors += [f"第{line}行“{labels[k]}”列：{m}" for k, ms in exc.errors.items() for m in ms]
            if "unit" in exc.errors and unit_code:
                row_errors[-1] = f"第{line}行“责任单位代码”列：未找到单位“{unit_code}”"
            fields = {}
        if fields and acting_user is not None:
            from taizhang.org.scoping import can_in_unit

            if not can_in_unit(acting_user, Cap.EDIT_RECORDS, fields["unit"]):
                row_errors.append(f"第{line}行“责任单位代码”列：您不能为该单位登记点位")
        if code in seen:
            row_errors.append(f"第{line}行“点位编号”列：编号 {code} 重复")
        seen.add(code)
        if row_errors:
            errors[f"第{line}行"] = row_errors
        else:
            cleaned.append(fields)
    if errors:
        raise InvalidInput(f"导入失败：{len(errors)}行有错误，未导入任何数据", errors)
    if not cleaned:
        raise InvalidInput("表格中没有点位", {"file": ["表格中没有点位"]})
    existing = {s.code: s for s in Site.objects.filter(code__in=[c["code"] for c in cleaned])}
    created, updated = 0, 0
    new_sites: list[Site] = []
    for fields in cleaned:
        site = existing.get(fields["code"])
        if site is None:
            new_sites.append(Site(**fields))
            created += 1
        else:
            for name, value in fields.items():
                setattr(site, name, value)
            site.version += 1
            site.save()
            updated += 1
    Site.objects.bulk_create(new_sites)
    audit.record("import", None, user=acting_user, object_type="civility.site",
                 message=f"导入点位：新增{created}个，更新{updated}个")
    return created, updated
