"""Framework actions: create an edition, edit its tree while unused, copy it into a new edition, activate it,
import it from xlsx (all or nothing)."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Any

from django.db import transaction
from django.db.models import Max

from taizhang.civility.actions.common import clean_text, invalid, require
from taizhang.civility.models import Content, Framework, Method, Project, SiteType, Standard
from taizhang.core import audit
from taizhang.core.errors import InvalidInput, InvalidTransition
from taizhang.org.models import Unit
from taizhang.org.roles import Cap

METHOD_BY_LABEL = {label: value for value, label in Method.choices} | {v: v for v in Method.values}
SITE_TYPE_BY_LABEL = {label: value for value, label in SiteType.choices} | {v: v for v in SiteType.values}
FROZEN = "该版本已有测评、审核或调查数据，不能再修改；请新建版本后修改（旧版本的得分保持不变）。"


def _editable(framework: Framework) -> None:
    if framework.in_use():
        raise InvalidTransition(FROZEN)


def parse_site_types(value: Any) -> list[str]:
    text = str(value or "").strip()
    if not text or text in ("全部", "所有"):
        return []
    out: list[str] = []
    for part in text.replace("，", "、").replace(",", "、").replace(" ", "、").split("、"):
        part = part.strip()
        if not part:
            continue
        if part not in SITE_TYPE_BY_LABEL:
            raise ValueError(f"未知的点位类型“{part}”")
        out.append(SITE_TYPE_BY_LABEL[part])
    return out


def parse_points(value: Any) -> Decimal:
    try:
        points = Decimal(str(value).strip())
    except (InvalidOperation, ValueError) as exc:
        raise ValueError("分值应为数字") from exc
    if not points.is_finite() or points <= 0 or points > 1000:
        raise ValueError("分值应在 0 到 1000 之间")
    return points.quantize(Decimal("0.01"))


@transaction.atomic
def create_framework(*, acting_user: Any, key: str, name: str, owner: Unit, notes: str = "") -> Framework:
    require(acting_user, Cap.MANAGE_WORK, owner)
    key = clean_text(key, "key", "体系标识", max_length=40)
    name = clean_text(name, "name", "名称", max_length=120)
    if Framework.objects.filter(key=key).exists():
        raise invalid("key", "该体系标识已存在；要修改请新建版本")
    fw = Framework.objects.create(key=key, name=name, edition=1, owner=owner, notes=notes)
    audit.record("create", fw, user=acting_user, after=audit.snapshot(fw))
    return fw


@transaction.atomic
def new_edition(*, acting_user: Any, framework: Framework, notes: str = "") -> Framework:
    """Copy the whole tree into edition n+1 (a draft). The old edition and every score made under it stay as is."""
    require(acting_user, Cap.MANAGE_WORK, framework.owner)
    top = Framework.objects.filter(key=framework.key).aggregate(m=Max("edition"))["m"] or 0
    new = Framework.objects.create(key=framework.key, name=framework.name, edition=top + 1, owner=framework.owner,
                                   based_on=framework, notes=notes)
    for project in framework.projects.all():
        new_project = Project.objects.create(framework=new, key=project.key, name=project.name,
                                             sort_order=project.sort_order)
        for content in project.contents.all():
            new_content = Content.objects.create(project=new_project, key=content.key, name=content.name,
                                                 sort_order=content.sort_order)
            Standard.objects.bulk_create([
                Standard(framework=new, project=new_project, content=new_content, code=s.code, text=s.text,
                         points=s.points, method=s.method, site_types=list(s.site_types), sort_order=s.sort_order)
                for s in content.standards.all()])
    audit.record("create", new, user=acting_user, after=audit.snapshot(new), message=f"由第{framework.edition}版复制")
    return new


@transaction.atomic
def activate_framework(*, acting_user: Any, framework: Framework) -> Framework:
    require(acting_user, Cap.MANAGE_WORK, framework.owner)
    if not framework.standards.exists():
        raise InvalidTransition("该版本还没有测评标准，不能启用")
    Framework.objects.filter(key=framework.key, status=Framework.Status.ACTIVE).exclude(pk=framework.pk).update(
        status=Framework.Status.RETIRED)
    framework.status = Framework.Status.ACTIVE
    framework.save(update_fields=["status", "updated_at"])
    audit.record("publish", framework, user=acting_user, message="启用测评体系版本")
    return framework


@transaction.atomic
def add_project(*, acting_user: Any, framework: Framework, key: str, name: str) -> Project:
    require(acting_user, Cap.MANAGE_WORK, framework.owner)
    _editable(framework)
    key = clean_text(key, "key", "项目编号", max_length=20)
    name = clean_text(name, "name", "项目名称", max_length=120)
    if framework.projects.filter(key=key).exists():
        raise invalid("key", "该项目编号已存在")
    order = framework.projects.count() + 1
    project = Project.objects.create(framework=framework, key=key, name=name, sort_order=order)
    audit.record("create", project, user=acting_user, after=audit.snapshot(project))
    return project


@transaction.atomic
def add_content(*, acting_user: Any, project: Project, key: str, name: str) -> Content:
    require(acting_user, Cap.MANAGE_WORK, project.framework.owner)
    _editable(project.framework)
    content = Content.objects.create(project=project, key=clean_text(key, "key", "内容编号", max_length=20),
                                     name=clean_text(name, "name", "内容名称", max_length=200),
                                     sort_order=project.contents.count() + 1)
    audit.record("create", content, user=acting_user, after=audit.snapshot(content))
    return content


def _standard_fields(code: Any, text: Any, points: Any, method: Any, site_types: Any) -> dict[str, Any]:
    errors: dict[str, list[str]] = {}
    out: dict[str, Any] = {}
    try:
        out["code"] = clean_text(code, "code", "标准编号", max_length=24)
    except InvalidInput as exc:
        errors.update(exc.errors)
    try:
        out["text"] = clean_text(text, "text", "测评标准", max_length=2000)
    except InvalidInput as exc:
        errors.update(exc.errors)
    try:
        out["points"] = parse_points(points)
    except ValueError as exc:
        errors["points"] = [str(exc)]
    method_text = str(method or "").strip() or Method.FIELD.label
    if method_text not in METHOD_BY_LABEL:
        errors["method"] = [f"测评方法应为{'、'.join(Method.labels)}之一"]
    else:
        out["method"] = METHOD_BY_LABEL[method_text]
    try:
        out["site_types"] = site_types if isinstance(site_types, list) else parse_site_types(site_types)
        if any(t not in SiteType.values for t in out["site_types"]):
            raise ValueError("未知的点位类型")
    except ValueError as exc:
        errors["site_types"] = [str(exc)]
    if errors:
        raise InvalidInput("测评标准填写有误", errors)
    return out


@transaction.atomic
def add_standard(*, acting_user: Any, content: Content, code: str, text: str, points: Any, method: str,
                 site_types: Any = ()) -> Standard:
    framework = content.project.framework
    require(acting_user, Cap.MANAGE_WORK, framework.owner)
    _editable(framework)
    fields = _standard_fields(code, text, points, method, list(site_types) if not isinstance(site_types, str)
                              else site_types)
    if Standard.objects.filter(framework=framework, code=fields["code"]).exists():
        raise invalid("code", "该标准编号已存在")
    standard = Standard.objects.create(framework=framework, project=content.project, content=content,
                                       sort_order=framework.standards.count() + 1, **fields)
    audit.record("create", standard, user=acting_user, after=audit.snapshot(standard))
    return standard


@transaction.atomic
def update_standard(*, acting_user: Any, standard: Standard, text: str, points: Any, method: str,
                    site_types: Any) -> Standard:
    framework = standard.framework
    require(acting_user, Cap.MANAGE_WORK, framework.owner)
    _editable(framework)
    before = audit.snapshot(standard)
    fields = _standard_fields(standard.code, text, points, method, site_types)
    for name in ("text", "points", "method", "site_types"):
        setattr(standard, name, fields[name])
    standard.save(update_fields=["text", "points", "method", "site_types"])
    audit.record("update", standard, user=acting_user, before=before, after=audit.snapshot(standard))
    return standard


@transaction.atomic
def delete_standard(*, acting_user: Any, standard: Standard) -> None:
    require(acting_user, Cap.MANAGE_WORK, standard.framework.owner)
    _editable(standard.framework)
    audit.record("delete", standard, user=acting_user, before=audit.snapshot(standard))
    standard.delete()


FRAMEWORK_COLUMNS = ["项目编号", "测评项目", "内容编号", "测评内容", "标准编号", "测评标准", "分值", "测评方法",
                     "适用点位"]


@transaction.atomic
def import_framework(*, acting_user: Any, framework: Framework, data: bytes) -> int:
    """Replace the edition's tree with the workbook's rows. Everything is checked first; one bad cell and nothing
    is imported (the errors name the row and column). Returns the number of standards."""
    from taizhang.civility.xlsx import read_rows

    require(acting_user, Cap.MANAGE_WORK, framework.owner)
    _editable(framework)
    rows = read_rows(data, FRAMEWORK_COLUMNS, required=FRAMEWORK_COLUMNS[:7])
    errors: dict[str, list[str]] = {}
    parsed: list[tuple[str, str, str, str, dict[str, Any]]] = []
    codes: set[str] = set()
    projects: dict[str, str] = {}
    for line, row in rows:
        row_errors: list[str] = []
        for col in ("项目编号", "测评项目", "内容编号", "测评内容"):
            if not str(row.get(col) or "").strip():
                row_errors.append(f"第{line}行“{col}”列：不能为空")
        try:
            fields = _standard_fields(row.get("标准编号"), row.get("测评标准"), row.get("分值"),
                                      row.get("测评方法"), row.get("适用点位"))
        except InvalidInput as exc:
            labels = {"code": "标准编号", "text": "测评标准", "points": "分值", "method": "测评方法",
                      "site_types": "适用点位"}
            row_errors += [f"第{line}行“{labels.get(k, k)}”列：{m}" for k, ms in exc.errors.items() for m in ms]
            fields = {}
        pkey, pname = str(row.get("项目编号") or "").strip(), str(row.get("测评项目") or "").strip()
        if pkey and pname and projects.setdefault(pkey, pname) != pname:
            row_errors.append(f"第{line}行“测评项目”列：项目编号 {pkey} 已对应“{projects[pkey]}”")
        raw_code = str(row.get("标准编号") or "").strip()
        if raw_code and raw_code in codes:
            row_errors.append(f"第{line}行“标准编号”列：编号 {raw_code} 重复")
        codes.add(raw_code)
        if row_errors:
            errors[f"第{line}行"] = row_errors
            continue
        parsed.append((pkey, pname, str(row["内容编号"]).strip(), str(row["测评内容"]).strip(), fields))
    if not parsed and not errors:
        raise InvalidInput("表格中没有测评标准", {"file": ["表格中没有测评标准"]})
    if errors:
        raise InvalidInput(f"导入失败：{len(errors)}行有错误，未导入任何数据", errors)
    framework.projects.all().delete()
    project_objs: dict[str, Project] = {}
    content_objs: dict[tuple[str, str], Content] = {}
    standards: list[Standard] = []
    for order, (pkey, pname, ckey, cname, fields) in enumerate(parsed, 1):
        if pkey not in project_objs:
            project_objs[pkey] = Project.objects.create(framework=framework, key=pkey, name=pname,
                                                        sort_order=len(project_objs) + 1)
        if (pkey, ckey) not in content_objs:
            content_objs[(pkey, ckey)] = Content.objects.create(project=project_objs[pkey], key=ckey, name=cname,
                                                                sort_order=len(content_objs) + 1)
        standards.append(Standard(framework=framework, project=project_objs[pkey], content=content_objs[(pkey, ckey)],
                                  sort_order=order, **fields))
    Standard.objects.bulk_create(standards)
    audit.record("import", framework, user=acting_user, message=f"导入测评标准{len(standards)}条")
    return len(standards)
