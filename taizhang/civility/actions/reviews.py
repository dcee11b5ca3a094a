"""Document reviews (材料审核) and survey results (问卷调查 / 网络调查)."""

from __future__ import annotations

import datetime
from typing import Any

from django.db import transaction
from django.utils import timezone

from taizhang.civility.actions.common import clean_text, invalid, require
from taizhang.civility.models import DocumentSubmission, Method, Standard, SurveyResult
from taizhang.core import audit
from taizhang.core.concurrency import save_versioned
from taizhang.core.errors import InvalidInput, InvalidTransition
from taizhang.core.uploads import EVIDENCE_TYPES, check_upload
from taizhang.org.models import Unit
from taizhang.org.roles import Cap


@transaction.atomic
def submit_document(*, acting_user: Any, standard: Standard, unit: Unit, uploaded: Any, note: str = "",
                    day: datetime.date | None = None) -> DocumentSubmission:
    require(acting_user, Cap.EDIT_RECORDS, unit, "您不能为该单位报送材料")
    if standard.method != Method.DOCUMENT:
        raise invalid("standard", "该标准不是材料审核类标准")
    checked = check_upload(uploaded, EVIDENCE_TYPES)
    doc = DocumentSubmission(standard=standard, unit=unit, filename=checked.safe_name,
                             content_type=checked.content_type, size=checked.size, sha256=checked.sha256,
                             note=str(note or "")[:500], submitted_by=acting_user,
                             submitted_on=day or timezone.localdate())
    uploaded.seek(0)
    doc.file.save("document", uploaded, save=False)
    doc.save()
    audit.record("submit", doc, user=acting_user, after=audit.snapshot(doc))
    return doc


@transaction.atomic
def review_document(*, acting_user: Any, submission: DocumentSubmission, accept: bool, reason: str = "",
                    expected_version: int | None = None, day: datetime.date | None = None) -> DocumentSubmission:
    require(acting_user, Cap.MANAGE_WORK, submission.unit, "只有文明办可以审核材料")
    if submission.status != DocumentSubmission.Status.SUBMITTED:
        raise InvalidTransition("该材料已审核")
    reason = str(reason or "").strip()
    if not accept and not reason:
        raise InvalidInput("请填写退回理由", {"reason": ["请填写退回理由"]})
    submission.status = DocumentSubmission.Status.ACCEPTED if accept else DocumentSubmission.Status.RETURNED
    submission.reason = reason[:500]
    submission.reviewed_by = acting_user
    submission.reviewed_on = day or timezone.localdate()
    save_versioned(submission, submission.version if expected_version is None else expected_version,
                   ["status", "reason", "reviewed_by", "reviewed_on"])
    audit.record("approve" if accept else "return", submission, user=acting_user, message=reason)
    return submission


@transaction.atomic
def record_survey(*, acting_user: Any, standard: Standard, unit: Unit, surveyed_on: datetime.date,
                  respondents: int, satisfied: int) -> SurveyResult:
    require(acting_user, Cap.MANAGE_WORK, unit, "只有文明办可以录入调查结果")
    if standard.method not in (Method.SURVEY, Method.ONLINE):
        raise invalid("standard", "该标准不是问卷调查或网络调查类标准")
    errors: dict[str, list[str]] = {}
    if not isinstance(respondents, int) or respondents <= 0 or respondents > 1_000_000:
        errors["respondents"] = ["有效样本应为正整数"]
    if not isinstance(satisfied, int) or satisfied < 0 or (isinstance(respondents, int) and satisfied > respondents):
        errors["satisfied"] = ["满意数应在 0 和有效样本之间"]
    if errors:
        raise InvalidInput("调查结果填写有误", errors)
    result, created = SurveyResult.objects.update_or_create(
        standard=standard, unit=unit, surveyed_on=surveyed_on,
        defaults={"respondents": respondents, "satisfied": satisfied, "entered_by": acting_user})
    audit.record("create" if created else "update", result, user=acting_user, after=audit.snapshot(result))
    return result


SURVEY_COLUMNS = ["标准编号", "单位代码", "调查日期", "有效样本", "满意数"]


@transaction.atomic
def import_surveys(*, acting_user: Any, framework: Any, data: bytes) -> int:
    from taizhang.civility.xlsx import read_rows
    from taizhang.ledger.excel.cells import parse_date

    rows = read_rows(data, SURVEY_COLUMNS, required=SURVEY_COLUMNS)
    standards = {s.code: s for s in Standard.objects.filter(framework=framework,
                                                            method__in=[Method.SURVEY, Method.ONLINE])}
    units = {u.code: u for u in Unit.objects.filter(is_active=True)}
    errors: dict[str, list[str]] = {}
    parsed: list[tuple[Standard, Unit, datetime.date, int, int]] = []
    for line, row in rows:
        row_errors: list[str] = []
        standard = standards.get(str(row.get("标准编号") or "").strip())
        unit = units.get(str(row.get("单位代码") or "").strip())
        if standard is None:
            row_errors.append(f"第{line}行“标准编号”列：不是本体系的调查类标准")
        if unit is None:
            row_errors.append(f"第{line}行“单位代码”列：未找到该单位")
        try:
            day = parse_date(row.get("调查日期"), "调查日期")
            if day is None:
                raise ValueError("请填写调查日期")
        except ValueError as exc:
            row_errors.append(f"第{line}行“调查日期”列：{exc}")
            day = None
        numbers: list[int] = []
        for col in ("有效样本", "满意数"):
            try:
                numbers.append(int(str(row.get(col)).strip()))
            except (TypeError, ValueError):
                row_errors.append(f"第{line}行“{col}”列：应为整数")
        if len(numbers) == 2 and not (0 <= numbers[1] <= numbers[0] and numbers[0] > 0):
            row_errors.append(f"第{line}行“满意数”列：应在 0 和有效样本之间")
        if row_errors:
            errors[f"第{line}行"] = row_errors
        else:
            assert standard is not None and unit is not None and day is not None
            parsed.append((standard, unit, day, numbers[0], numbers[1]))
    if errors:
        raise InvalidInput(f"导入失败：{len(errors)}行有错误，未导入任何数据", errors)
    for standard, unit, day, respondents, satisfied in parsed:
        record_survey(acting_user=acting_user, standard=standard, unit=unit, surveyed_on=day,
                      respondents=respondents, satisfied=satisfied)
    return len(parsed)


def clean_reason(value: Any) -> str:
    return clean_text(value, "reason", "理由", max_length=500)
