"""Import of volunteers and hours from xlsx (as exported by the national system or other platforms) and export for
reporting to the national system.

Import: sheet 志愿者 (姓名, 证件类型, 证件号码, 手机号码, 出生日期, 所属单位代码, 技能特长, 监护人姓名, 监护人电话,
监护人同意) and/or sheet 服务时长 (证件号码, 队伍名称, 服务日期, 时长, 服务内容). Every row is checked first; errors
name the sheet, row and column; nothing is saved unless every row is right. Duplicates are found by the blind index
of the ID number (in the file and against volunteers already registered).

Export: masked unless `with_personal`, which needs MANAGE_WORK and writes an audit row.
"""

from __future__ import annotations

import datetime
import io
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import IO, Any

from django.db import transaction
from django.utils import timezone

from taizhang.core import audit
from taizhang.core.crypto import mask
from taizhang.core.errors import InvalidInput, NotPermitted
from taizhang.core.uploads import check_ooxml
from taizhang.org.models import Unit
from taizhang.org.roles import Cap
from taizhang.org.scoping import can_in_unit, has_cap
from taizhang.volunteers import actions
from taizhang.volunteers.models import HourRecord, StarThreshold, Team, Volunteer, star_for

VOL_SHEET, HOURS_SHEET = "志愿者", "服务时长"
VOL_COLUMNS = ["姓名", "证件类型", "证件号码", "手机号码", "出生日期", "所属单位代码", "技能特长", "监护人姓名",
               "监护人电话", "监护人同意"]
HOURS_COLUMNS = ["证件号码", "队伍名称", "服务日期", "时长", "服务内容"]
ID_TYPES = {label: key for key, label in Volunteer.IdType.choices} | {"身份证": "resident", "": "resident"}
MAX_ROWS = 200_000


@dataclass
class ImportResult:
    volunteers: int = 0
    hours: int = 0
    errors: list[str] = field(default_factory=list)


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def _date(value: Any) -> datetime.date | None:
    if isinstance(value, datetime.datetime):
        return value.date()
    if isinstance(value, datetime.date):
        return value
    text = _cell(value).replace("/", "-").replace(".", "-")
    try:
        return datetime.date.fromisoformat("-".join(p.zfill(2) for p in text.split("-"))) if text else None
    except ValueError:
        return None


def _rows(ws: Any, columns: list[str], sheet: str, errors: list[str]) -> list[tuple[int, dict[str, Any]]]:
    rows = ws.iter_rows(values_only=True)
    header = [_cell(h) for h in next(rows, ())]
    missing = [c for c in columns if c not in header]
    if missing:
        errors.append(f"工作表“{sheet}”缺少列：{'、'.join(missing)}")
        return []
    index = {c: header.index(c) for c in columns}
    out = []
    for n, row in enumerate(rows, start=2):
        if n > MAX_ROWS:
            errors.append(f"工作表“{sheet}”超过{MAX_ROWS}行，请拆分后导入")
            break
        if not any(v not in (None, "") for v in row):
            continue
        out.append((n, {c: (row[i] if i < len(row) else None) for c, i in index.items()}))
    return out


def import_xlsx(stream: IO[bytes], *, acting_user: Any = None, today: datetime.date | None = None) -> ImportResult:
    """Check everything, then save all or nothing. Raises InvalidInput with every error (sheet, row, column)."""
    import openpyxl

    data = stream.read()
    check_ooxml(io.BytesIO(data), "xlsx")
    try:
        wb = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception as exc:  # any unreadable workbook is the user's file, not our bug
        raise InvalidInput("无法读取该 Excel 文件，请确认是 .xlsx 格式。") from exc
    today = today or timezone.localdate()
    errors: list[str] = []
    if VOL_SHEET not in wb.sheetnames and HOURS_SHEET not in wb.sheetnames:
        raise InvalidInput(f"文件中没有“{VOL_SHEET}”或“{HOURS_SHEET}”工作表。")
    units = {u.code: u for u in Unit.objects.filter(is_active=True)}
    new_people: dict[str, tuple[Unit, dict[str, Any]]] = {}  # id hash → (unit, data)
    if VOL_SHEET in wb.sheetnames:
        for n, row in _rows(wb[VOL_SHEET], VOL_COLUMNS, VOL_SHEET, errors):
            where = f"{VOL_SHEET}第{n}行"
            id_type = ID_TYPES.get(_cell(row["证件类型"]))
            if id_type is None:
                errors.append(f"{where}“证件类型”：无法识别“{_cell(row['证件类型'])}”")
                continue
            person = {"real_name": _cell(row["姓名"]), "id_type": id_type, "id_number": _cell(row["证件号码"]),
                      "phone": _cell(row["手机号码"]), "birth_date": _date(row["出生日期"]),
                      "skills": _cell(row["技能特长"])[:200], "guardian_name": _cell(row["监护人姓名"]),
                      "guardian_phone": _cell(row["监护人电话"]),
                      "guardian_consent": _cell(row["监护人同意"]) in ("是", "同意", "1", "Y", "y", "TRUE", "True")}
            problems = actions.validate_person(person, today=today)
            names = {"real_name": "姓名", "id_number": "证件号码", "phone": "手机号码", "birth_date": "出生日期",
                     "guardian_name": "监护人姓名", "guardian_phone": "监护人电话", "guardian_consent": "监护人同意"}
            for key, msgs in problems.items():
                errors.extend(f"{where}“{names.get(key, key)}”：{m}" for m in msgs)
            unit = units.get(_cell(row["所属单位代码"]))
            if unit is None:
                errors.append(f"{where}“所属单位代码”：未知单位代码“{_cell(row['所属单位代码'])}”")
            elif acting_user is not None and not can_in_unit(acting_user, Cap.EDIT_RECORDS, unit):
                errors.append(f"{where}“所属单位代码”：您无权为{unit.name}导入志愿者")
            if problems or unit is None:
                continue
            h = actions.id_hash(str(person["id_number"]))
            if h in new_people:
                errors.append(f"{where}“证件号码”：与本文件中前面的行重复")
                continue
            new_people[h] = (unit, person)
        phones = [actions.phone_hash(p["phone"]) for _, p in new_people.values()]
        if len(set(phones)) != len(phones):
            errors.append(f"{VOL_SHEET}：有多名志愿者使用同一手机号码")
        taken_ids = set(Volunteer.objects.filter(id_hash__in=list(new_people)).values_list("id_hash", flat=True))
        taken_phones = set(Volunteer.objects.filter(phone_hash__in=phones).values_list("phone_hash", flat=True))
        for h, (_unit, p) in new_people.items():
            if h in taken_ids:
                errors.append(f"{VOL_SHEET}：证件号码 {mask(p['id_number'], 'id_number')} 已注册为志愿者（重复）")
            elif actions.phone_hash(p["phone"]) in taken_phones:
                errors.append(f"{VOL_SHEET}：手机号码 {mask(p['phone'], 'phone')} 已被其他志愿者使用")
    hour_rows: list[tuple[str, Team, datetime.date, Decimal, str]] = []
    if HOURS_SHEET in wb.sheetnames:
        teams = {t.name: t for t in Team.objects.filter(is_active=True).select_related("unit")}
        known = dict(Volunteer.objects.values_list("id_hash", "id"))
        for n, row in _rows(wb[HOURS_SHEET], HOURS_COLUMNS, HOURS_SHEET, errors):
            where = f"{HOURS_SHEET}第{n}行"
            h = actions.id_hash(_cell(row["证件号码"]).upper()) if _cell(row["证件号码"]) else ""
            if not h or (h not in known and h not in new_people):
                errors.append(f"{where}“证件号码”：不是已注册或本文件中的志愿者")
            team = teams.get(_cell(row["队伍名称"]))
            if team is None:
                errors.append(f"{where}“队伍名称”：未找到队伍“{_cell(row['队伍名称'])}”")
            elif acting_user is not None and not can_in_unit(acting_user, Cap.EDIT_RECORDS, team.unit):
                errors.append(f"{where}“队伍名称”：您无权为{team.name}导入时长")
            day = _date(row["服务日期"])
            if day is None or day > today:
                errors.append(f"{where}“服务日期”：日期无效或晚于今天")
            try:
                hours = Decimal(_cell(row["时长"]))
                # NaN parses and then cannot be compared; Infinity is out of range anyway: both are no number here
                if not hours.is_finite() or not (Decimal("0.1") <= hours <= actions.DAY_LIMIT_HOURS):
                    raise InvalidOperation
            except InvalidOperation:
                errors.append(f"{where}“时长”：应为0.1至12之间的数字")
                continue
            if team is not None and day is not None and h:
                hour_rows.append((h, team, day, hours.quantize(Decimal("0.01")), _cell(row["服务内容"])[:200]))
    if errors:
        raise InvalidInput(f"导入失败：共{len(errors)}处错误，未导入任何数据。", {"file": errors})
    return _save(new_people, hour_rows, acting_user)


@transaction.atomic
def _save(new_people: dict[str, tuple[Unit, dict[str, Any]]],
          hour_rows: list[tuple[str, Team, datetime.date, Decimal, str]], acting_user: Any) -> ImportResult:
    year = timezone.localdate().year
    last = Volunteer.objects.filter(number__startswith=f"ZY{year}").order_by("-number").values_list(
        "number", flat=True).first()
    seq = int(last[6:]) if last else 0
    people = []
    for h, (unit, p) in new_people.items():
        seq += 1
        minor = actions.age_on(p["birth_date"], timezone.localdate()) < 18
        people.append(Volunteer(
            number=actions.next_number(year, seq - 1), real_name=p["real_name"], id_type=p["id_type"],
            id_number=p["id_number"], id_hash=h, phone=p["phone"], phone_hash=actions.phone_hash(p["phone"]),
            birth_date=p["birth_date"], unit=unit, skills=p["skills"], source="import",
            guardian_name=p["guardian_name"] if minor else "", guardian_phone=p["guardian_phone"] if minor else "",
            guardian_consent=bool(p["guardian_consent"]) if minor else False))
    Volunteer.objects.bulk_create(people, batch_size=1000)
    ids = dict(Volunteer.objects.filter(id_hash__in=[h for h, *_ in hour_rows]).values_list("id_hash", "id"))
    records = [HourRecord(volunteer_id=ids[h], unit_id=team.unit_id, team=team, day=day, hours=hours,
                          content=content, source=HourRecord.Source.IMPORT, status=HourRecord.Status.CONFIRMED,
                          approver=acting_user if getattr(acting_user, "is_authenticated", False) else None)
               for h, team, day, hours, content in hour_rows]
    HourRecord.objects.bulk_create(records, batch_size=2000)
    for vid in {r.volunteer_id for r in records}:
        actions.recompute_total(Volunteer(pk=vid))
    audit.record("import", None, user=acting_user, object_type="volunteers.volunteer",
                 message=f"导入志愿者{len(people)}名、服务时长{len(records)}条")
    return ImportResult(volunteers=len(people), hours=len(records))


def export_xlsx(out: IO[bytes], *, acting_user: Any = None, with_personal: bool = False,
                unit: Unit | None = None) -> int:
    """Volunteers and their confirmed hours for the national system; masked unless with_personal (audited)."""
    import openpyxl

    if with_personal and (acting_user is None or not has_cap(acting_user, Cap.MANAGE_WORK)):
        raise NotPermitted("导出完整个人信息须由有工作管理权限的用户操作（--user）。")
    qs = Volunteer.objects.select_related("unit").order_by("number")
    if acting_user is not None:
        qs = qs.visible_to(acting_user, Cap.MANAGE_WORK if with_personal else Cap.VIEW)
    if unit is not None:
        qs = qs.filter(unit__path__startswith=unit.path)
    wb = openpyxl.Workbook(write_only=True)
    ws = wb.create_sheet(VOL_SHEET)
    ws.append(["志愿者编号", "姓名", "证件类型", "证件号码", "手机号码", "出生日期", "所属单位代码", "所属单位",
               "注册日期", "累计时长（小时）", "星级"])
    stars = list(StarThreshold.objects.values_list("level", "hours"))
    count = 0
    for v in qs.iterator(chunk_size=2000):
        name, idn, phone = (v.real_name, v.id_number, v.phone) if with_personal else (
            mask(v.real_name, "name"), mask(v.id_number, "id_number"), mask(v.phone, "phone"))
        ws.append([v.number, name, v.get_id_type_display(), idn, phone,
                   v.birth_date.isoformat() if with_personal else str(v.birth_date.year), v.unit.code, v.unit.name,
                   timezone.localtime(v.created_at).date().isoformat(), float(v.total_hours),
                   star_for(v.total_hours, stars)])
        count += 1
    hs = wb.create_sheet(HOURS_SHEET)
    hs.append(["志愿者编号", "队伍名称", "服务日期", "时长", "服务内容", "来源"])
    hours = HourRecord.objects.filter(status=HourRecord.Status.CONFIRMED, volunteer__in=qs).select_related(
        "volunteer", "team").order_by("day", "id")
    for r in hours.iterator(chunk_size=5000):
        hs.append([r.volunteer.number, r.team.name if r.team else "", r.day.isoformat(), float(r.hours), r.content,
                   r.get_source_display()])
    wb.save(out)
    audit.record("export", None, user=acting_user, object_type="volunteers.volunteer",
                 message=f"导出志愿者{count}名" + ("（含完整个人信息）" if with_personal else "（已脱敏）"))
    return count
