"""The record workflow: draft → submitted → approved / returned; approved records are corrected by revision.

Every function validates, runs in one transaction, writes RecordEvent and the audit log, and takes a keyword-only
`acting_user` (None for system tasks such as the demo). Views, the API, the CLI and tests all call these.
"""

from __future__ import annotations

import datetime
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone

from taizhang.core import audit
from taizhang.core.concurrency import save_versioned
from taizhang.core.errors import InvalidInput, InvalidTransition, NotPermitted
from taizhang.core.text import quoted
from taizhang.ledger.models import (
    ActivityType,
    Evidence,
    MetricDefinition,
    Outlet,
    Placement,
    PlacementCredit,
    Record,
    RecordEvent,
    RecordFigure,
)
from taizhang.ledger.validation import check_figures, clean_figures, future_date_problem, title_problem
from taizhang.org.models import Unit
from taizhang.org.roles import Cap
from taizhang.org.scoping import can_in_unit

S = Record.Status
RECORD_FIELDS = ["title", "start_date", "end_date", "description", "location", "unit", "activity_type"]


@dataclass
class PlacementInput:
    outlet: Outlet
    article_title: str
    url: str = ""
    page: str = ""
    is_headline: bool = False
    is_front_page: bool = False
    is_long: bool = False
    word_count: int | None = None
    story_key: str = ""
    credited_units: Sequence[tuple[Unit, Decimal]] = ()


@dataclass
class RecordInput:
    """A validated record for bulk creation (imports, demo, monitoring proposals)."""

    unit: Unit
    activity_type: ActivityType
    title: str
    start_date: datetime.date
    figures: dict[MetricDefinition, Decimal]
    end_date: datetime.date | None = None
    description: str = ""
    location: str = ""
    placement: PlacementInput | None = None
    import_key: str | None = None
    extra: dict[str, Any] = field(default_factory=dict)


def _require(user: Any, cap: str, unit: Unit, message: str) -> None:
    if user is not None and not can_in_unit(user, cap, unit):
        raise NotPermitted(message)


def _event(record: Record, action: str, user: Any, from_status: str, comment: str = "", changes: Any = None) -> None:
    RecordEvent.objects.create(
        record=record,
        action=action,
        from_status=from_status,
        to_status=record.status,
        user=user if getattr(user, "is_authenticated", False) else None,
        comment=comment,
        changes=changes or {},
    )


def _validate_core(
    title: str, start_date: datetime.date | None, end_date: datetime.date | None, activity_type: ActivityType
) -> dict[str, list[str]]:
    errors: dict[str, list[str]] = {}
    if not title or not title.strip():
        errors["title"] = ["标题不能为空"]
    elif problem := title_problem(title):
        errors["title"] = [problem]
    if start_date is None:
        errors["start_date"] = ["请填写日期"]
    elif end_date is not None and end_date < start_date:
        errors["end_date"] = ["结束日期不能早于开始日期"]
    elif problem := future_date_problem(start_date, timezone.localdate()):
        errors["start_date"] = [problem]
    if not activity_type.is_active:
        errors["activity_type"] = [f"活动类型“{activity_type.name}”已停用"]
    return errors


def _write_figures(record: Record, clean: Mapping[MetricDefinition, Decimal]) -> None:
    RecordFigure.objects.filter(record=record).delete()
    level = ""
    placement = getattr(record, "placement", None) if record.activity_type.kind == ActivityType.Kind.PLACEMENT else None
    if placement is not None:
        level = placement.outlet_level
    RecordFigure.objects.bulk_create(
        [
            RecordFigure(
                record=record,
                metric=metric,
                value=value,
                metric_version=metric.version,
                unit_id=record.unit_id,
                date=record.start_date,
                effective=record.status == S.APPROVED,
                outlet_level=level,
            )
            for metric, value in clean.items()
        ]
    )


def _write_placement(record: Record, data: PlacementInput | None) -> None:
    if record.activity_type.kind != ActivityType.Kind.PLACEMENT:
        Placement.objects.filter(record=record).delete()  # the type changed away from a placement
        return
    if data is None:
        raise InvalidInput("用稿记录须填写媒体和稿件标题", {"outlet": ["请选择媒体"]})
    if not data.article_title.strip():
        raise InvalidInput("用稿记录须填写稿件标题", {"article_title": ["请填写稿件标题"]})
    placement, _ = Placement.objects.update_or_create(
        record=record,
        defaults={
            "outlet": data.outlet,
            "outlet_level": data.outlet.level,
            "article_title": data.article_title.strip(),
            "url": data.url,
            "page": data.page,
            "is_headline": data.is_headline,
            "is_front_page": data.is_front_page,
            "is_long": data.is_long,
            "word_count": data.word_count,
            "story_key": data.story_key,
        },
    )
    PlacementCredit.objects.filter(placement=placement).delete()
    credits = list(data.credited_units) or [(record.unit, Decimal(1))]
    PlacementCredit.objects.bulk_create([PlacementCredit(placement=placement, unit=u, share=s) for u, s in credits])
    record.placement = placement


@transaction.atomic
def create_record(
    *,
    acting_user: Any,
    unit: Unit,
    activity_type: ActivityType,
    title: str,
    start_date: datetime.date,
    figures: Mapping[str, Any],
    end_date: datetime.date | None = None,
    description: str = "",
    location: str = "",
    source: str = Record.Source.MANUAL,
    placement: PlacementInput | None = None,
    idempotency_key: str | None = None,
    submit: bool = False,
    evidence_files: Sequence[Any] = (),
) -> Record:
    """Create a draft (and submit it when `submit`). A repeated idempotency key returns the first record.

    `evidence_files` (uploaded photos/documents) are attached before the submit, with the checks of the evidence
    upload (`ledger.evidence.add_evidence`): one refused file refuses the whole save, nothing is stored."""
    _require(acting_user, Cap.EDIT_RECORDS, unit, "您不能为该单位填报记录。")
    if idempotency_key:
        existing = Record.objects.filter(idempotency_key=idempotency_key).first()
        if existing is not None:
            if existing.unit_id != unit.pk:
                raise InvalidInput("重复的提交标识")
            return existing
    errors = _validate_core(title, start_date, end_date, activity_type)
    clean, figure_errors = clean_figures(activity_type, figures, require_all=submit)
    if not figure_errors:
        figure_errors = check_figures(activity_type, clean, unit)
    errors.update({f"figure:{k}": v for k, v in figure_errors.items()})
    if errors:
        raise InvalidInput("填写有误，请按提示修改后再保存。", errors)
    try:
        with transaction.atomic():
            record = Record.objects.create(
                unit=unit,
                activity_type=activity_type,
                title=title.strip(),
                start_date=start_date,
                end_date=end_date,
                description=description,
                location=location,
                source=source,
                idempotency_key=idempotency_key or None,
                created_by=acting_user if getattr(acting_user, "is_authenticated", False) else None,
            )
    except IntegrityError:
        # A concurrent double submit with the same key won the race: return its record.
        existing = Record.objects.filter(idempotency_key=idempotency_key).first()
        if existing is None:
            raise
        return existing
    _write_placement(record, placement)
    _write_figures(record, clean)
    _event(record, "create", acting_user, "")
    audit.record("create", record, user=acting_user, after={**audit.snapshot(record), "figures": _figure_dict(clean)})
    _attach_and_submit(acting_user, record, evidence_files, submit)
    return record


def _attach_and_submit(acting_user: Any, record: Record, files: Sequence[Any], submit: bool) -> None:
    """Attach the files (all or none), then submit. The caller's transaction rolls back on any error; the files
    already written to storage are removed then, so a refused save leaves nothing behind."""
    from taizhang.ledger.evidence import add_evidence

    stored: list[str] = []
    try:
        if files:
            try:
                created = add_evidence(acting_user=acting_user, record=record, files=files)
            except InvalidInput as exc:
                raise InvalidInput(
                    f"记录没有保存：佐证材料未通过检查（{exc.message}）。您填写的内容已保留，请重新选择文件后再保存。",
                    {"file": [exc.message]},
                ) from exc
            stored = [e.file.name for e in created if e.file]
        if submit:
            submit_record(acting_user=acting_user, record=record)
    except Exception:
        storage = Evidence._meta.get_field("file").storage
        for name in stored:
            storage.delete(name)
        raise


def _figure_dict(clean: Mapping[MetricDefinition, Decimal]) -> dict[str, str]:
    return {m.key: str(v) for m, v in clean.items()}


@transaction.atomic
def update_record(
    *,
    acting_user: Any,
    record: Record,
    expected_version: int,
    figures: Mapping[str, Any] | None = None,
    placement: PlacementInput | None = None,
    evidence_files: Sequence[Any] = (),
    submit: bool = False,
    **values: Any,
) -> Record:
    """Edit a draft or returned record. A stale `expected_version` raises StaleObjectError; nothing is lost.

    `evidence_files` are attached as in `create_record` (all or none); `submit` then submits it, all in one
    transaction: if the submit is refused, the edit and the files are not kept either."""
    _require(acting_user, Cap.EDIT_RECORDS, record.unit, "您不能修改该单位的记录。")
    if not record.is_editable:
        raise InvalidTransition(f"“{record.get_status_display()}”状态的记录不能直接修改；已通过的记录请使用“更正”。")
    unknown = set(values) - set(RECORD_FIELDS)
    if unknown:
        raise InvalidInput(f"不能修改的字段：{', '.join(sorted(unknown))}")
    if "unit" in values:
        _require(acting_user, Cap.EDIT_RECORDS, values["unit"], "您不能把记录改到该单位。")
    before = {**audit.snapshot(record), "figures": {k: str(v) for k, v in record.figure_map().items()}}
    for key, value in values.items():
        setattr(record, key, value)
    errors = _validate_core(record.title, record.start_date, record.end_date, record.activity_type)
    raw = figures if figures is not None else record.figure_map()
    clean, figure_errors = clean_figures(record.activity_type, raw, require_all=False)
    if not figure_errors:
        figure_errors = check_figures(record.activity_type, clean, record.unit)
    errors.update({f"figure:{k}": v for k, v in figure_errors.items()})
    if errors:
        raise InvalidInput("填写有误，请按提示修改后再保存。", errors)
    save_versioned(
        record, expected_version, [f if f not in ("unit", "activity_type") else f"{f}_id" for f in values] or ["title"]
    )
    if placement is not None or "activity_type" in values:
        _write_placement(record, placement or _existing_placement(record))
    _write_figures(record, clean)
    after = {**audit.snapshot(record), "figures": _figure_dict(clean)}
    _event(record, "update", acting_user, record.status, changes=audit.diff(before, after))
    audit.record("update", record, user=acting_user, before=before, after=after)
    _attach_and_submit(acting_user, record, evidence_files, submit)
    return record


def _existing_placement(record: Record) -> PlacementInput | None:
    p = Placement.objects.filter(record=record).first()
    if p is None:
        return None
    return PlacementInput(
        outlet=p.outlet,
        article_title=p.article_title,
        url=p.url,
        page=p.page,
        is_headline=p.is_headline,
        is_front_page=p.is_front_page,
        is_long=p.is_long,
        word_count=p.word_count,
        story_key=p.story_key,
        credited_units=[(c.unit, c.share) for c in p.credits.select_related("unit")],
    )


def _transition(record: Record, allowed_from: Sequence[str], to: str, verb: str) -> str:
    """Move status with a conditional UPDATE so two reviewers cannot both act on the same record."""
    if record.status not in allowed_from:
        raise InvalidTransition(f"“{record.get_status_display()}”状态的记录不能{verb}。")
    from_status = record.status
    changed = Record.objects.filter(pk=record.pk, status=from_status).update(status=to, updated_at=timezone.now())
    if changed != 1:
        raise InvalidTransition(f"该记录的状态已被他人改变，不能{verb}，请刷新后查看。")
    record.status = to
    return from_status


@transaction.atomic
def submit_record(*, acting_user: Any, record: Record) -> Record:
    _require(acting_user, Cap.EDIT_RECORDS, record.unit, "您不能报送该单位的记录。")
    clean, errors = clean_figures(record.activity_type, record.figure_map(), require_all=True)
    if not errors:
        errors = check_figures(record.activity_type, clean, record.unit)
    if errors:
        raise InvalidInput("报送前请补全必填数据。", {f"figure:{k}": v for k, v in errors.items()})
    from_status = _transition(record, [S.DRAFT, S.RETURNED], S.SUBMITTED, "报送")
    record.submitted_at = timezone.now()
    from taizhang.ledger.outliers import outlier_flags

    record.flags = outlier_flags(record)
    Record.objects.filter(pk=record.pk).update(submitted_at=record.submitted_at, flags=record.flags)
    _event(record, "submit", acting_user, from_status)
    audit.record("submit", record, user=acting_user, before={"status": from_status}, after={"status": record.status})
    _notify_submitted(record)
    return record


def _record_url(record: Record, name: str = "ledger:record_detail") -> str:
    from django.urls import reverse

    return reverse(name, args=[record.pk])


def _notify_submitted(record: Record) -> None:
    from taizhang.core.notifications import notify
    from taizhang.org.notices import nearest_people

    notify(nearest_people(record.unit, Cap.REVIEW_RECORDS), "record_submitted", record,
           title=f"待审核：{record.unit.label}{quoted(record.title)}", url=_record_url(record, "ledger:review_item"))


@transaction.atomic
def withdraw_record(*, acting_user: Any, record: Record) -> Record:
    _require(acting_user, Cap.EDIT_RECORDS, record.unit, "您不能撤回该单位的记录。")
    from_status = _transition(record, [S.SUBMITTED], S.DRAFT, "撤回")
    _event(record, "withdraw", acting_user, from_status)
    audit.record("withdraw", record, user=acting_user, before={"status": from_status}, after={"status": record.status})
    return record


@transaction.atomic
def approve_record(*, acting_user: Any, record: Record, comment: str = "") -> Record:
    _require(acting_user, Cap.REVIEW_RECORDS, record.unit, "您没有审核该单位记录的权限。")
    from_status = _transition(record, [S.SUBMITTED], S.APPROVED, "审核通过")
    now = timezone.now()
    reviewer = acting_user if getattr(acting_user, "is_authenticated", False) else None
    Record.objects.filter(pk=record.pk).update(reviewed_at=now, reviewed_by=reviewer, review_comment=comment)
    record.reviewed_at, record.reviewed_by, record.review_comment = now, reviewer, comment
    RecordFigure.objects.filter(record=record).update(effective=True)
    if record.revision_of_id:
        # The correction replaces the original in every figure from now on.
        Record.objects.filter(pk=record.revision_of_id).update(status=S.SUPERSEDED, updated_at=now)
        RecordFigure.objects.filter(record_id=record.revision_of_id).update(effective=False)
        original = Record.objects.get(pk=record.revision_of_id)
        _event(original, "supersede", acting_user, S.APPROVED, comment=f"已被更正记录 #{record.pk} 替代")
    _event(record, "approve", acting_user, from_status, comment=comment)
    audit.record("approve", record, user=acting_user, before={"status": from_status}, after={"status": record.status})
    from taizhang.org.notices import notify_unit

    notify_unit(record.unit, "record_approved", record, title=f"已通过审核：{quoted(record.title)}",
                body=f"审核意见：{comment}" if comment else "", url=_record_url(record))
    return record


@transaction.atomic
def return_record(*, acting_user: Any, record: Record, reason: str) -> Record:
    _require(acting_user, Cap.REVIEW_RECORDS, record.unit, "您没有审核该单位记录的权限。")
    if not reason or not reason.strip():
        raise InvalidInput("退回时必须填写退回原因", {"reason": ["请填写退回原因"]})
    from_status = _transition(record, [S.SUBMITTED], S.RETURNED, "退回")
    now = timezone.now()
    reviewer = acting_user if getattr(acting_user, "is_authenticated", False) else None
    Record.objects.filter(pk=record.pk).update(reviewed_at=now, reviewed_by=reviewer, review_comment=reason.strip())
    record.review_comment = reason.strip()
    _event(record, "return", acting_user, from_status, comment=reason.strip())
    audit.record(
        "return",
        record,
        user=acting_user,
        before={"status": from_status},
        after={"status": record.status, "reason": reason.strip()},
    )
    from taizhang.org.notices import notify_unit

    notify_unit(record.unit, "record_returned", record, title=f"记录被退回：{quoted(record.title)}",
                body=f"退回原因：{reason.strip()}", url=_record_url(record))
    return record


@transaction.atomic
def revise_record(*, acting_user: Any, record: Record) -> Record:
    """Start a correction of an approved record: a new draft revision that goes through review again."""
    _require(acting_user, Cap.EDIT_RECORDS, record.unit, "您不能更正该单位的记录。")
    if record.status != S.APPROVED:
        raise InvalidTransition("只有已通过的记录才能更正；草稿和被退回的记录可以直接修改。")
    open_revision = record.revisions.exclude(status=S.SUPERSEDED).exclude(status=S.APPROVED).first()
    if open_revision is not None:
        return open_revision
    clone = create_record(
        acting_user=acting_user,
        unit=record.unit,
        activity_type=record.activity_type,
        title=record.title,
        start_date=record.start_date,
        end_date=record.end_date,
        description=record.description,
        location=record.location,
        source=record.source,
        figures=record.figure_map(),
        placement=_existing_placement(record),
    )
    Record.objects.filter(pk=clone.pk).update(revision_of=record)
    clone.revision_of = record
    for ev in record.evidence.all():
        ev.pk = None
        ev.record = clone
        ev.save()
    _event(clone, "revise", acting_user, "", comment=f"更正记录 #{record.pk}")
    audit.record("revise", clone, user=acting_user, after={"revision_of": record.pk})
    return clone


@transaction.atomic
def delete_record(*, acting_user: Any, record: Record) -> None:
    _require(acting_user, Cap.EDIT_RECORDS, record.unit, "您不能删除该单位的记录。")
    if record.status not in (S.DRAFT, S.RETURNED) or record.events.filter(action="approve").exists():
        raise InvalidTransition("只有草稿或被退回的记录可以删除。")
    before = audit.snapshot(record)
    audit.record("delete", record, user=acting_user, before=before)
    # A correction copies its original's evidence rows, which point at the same stored files: delete a file only
    # when no other row uses it, and only once the deletion has committed.
    names = [ev.file.name for ev in record.evidence.all() if ev.file]
    record.delete()
    orphans = [n for n in names if not Evidence.objects.filter(file=n).exists()]
    if orphans:
        transaction.on_commit(lambda: _delete_files(orphans))


@transaction.atomic
def bulk_drafts(
    *, acting_user: Any, records: Sequence[Record], operation: str
) -> tuple[list[Record], list[tuple[Record, str]]]:
    """Submit ("submit") or delete ("delete") several drafts at once, each through submit_record/delete_record in
    one transaction. A draft that cannot be handled (missing required figures, no right in its unit, no longer a
    draft) is left as it was and reported with its reason; the others are done. Returns (done, refused)."""
    if operation not in ("submit", "delete"):
        raise InvalidInput("未知的批量操作")
    done: list[Record] = []
    refused: list[tuple[Record, str]] = []
    for record in records:
        try:
            with transaction.atomic():
                if record.status != S.DRAFT:
                    raise InvalidTransition(f"状态为“{record.get_status_display()}”，不是草稿")
                if operation == "submit":
                    submit_record(acting_user=acting_user, record=record)
                else:
                    delete_record(acting_user=acting_user, record=record)
        except InvalidInput as exc:
            details = [m for ms in exc.errors.values() for m in ms]
            refused.append((record, exc.message + ("：" + "；".join(details) if details else "")))
        except (InvalidTransition, NotPermitted) as exc:
            refused.append((record, exc.message))
        else:
            done.append(record)
    return done, refused


def _delete_files(names: list[str]) -> None:
    from django.core.files.storage import default_storage

    for name in names:
        default_storage.delete(name)


def create_records_bulk(
    items: Sequence[RecordInput],
    *,
    acting_user: Any,
    source: str,
    status: str = S.DRAFT,
    batch_size: int = 2000,
    import_batch: Any = None,
) -> list[Record]:
    """Insert already-validated records in bulk (imports, demo). The caller holds the transaction.

    Writes one RecordEvent and one audit row per record so bulk paths are audited like single ones.
    """
    now = timezone.now()
    user = acting_user if getattr(acting_user, "is_authenticated", False) else None
    submitted = status in (S.SUBMITTED, S.APPROVED)
    records = [
        Record(
            unit=i.unit,
            activity_type=i.activity_type,
            title=i.title[:200],
            start_date=i.start_date,
            end_date=i.end_date,
            description=i.description,
            location=i.location,
            status=status,
            source=source,
            import_key=i.import_key,
            import_batch=import_batch,
            created_by=user,
            created_at=now,
            submitted_at=now if submitted else None,
            reviewed_at=now if status == S.APPROVED else None,
        )
        for i in items
    ]
    Record.objects.bulk_create(records, batch_size=batch_size)
    placements: list[Placement] = []
    placement_records: list[tuple[Placement, RecordInput]] = []
    for rec, item in zip(records, items, strict=True):
        if item.placement is not None:
            p = item.placement
            placement = Placement(
                record=rec,
                outlet=p.outlet,
                outlet_level=p.outlet.level,
                article_title=p.article_title,
                url=p.url,
                page=p.page,
                is_headline=p.is_headline,
                is_front_page=p.is_front_page,
                is_long=p.is_long,
                word_count=p.word_count,
                story_key=p.story_key,
            )
            placements.append(placement)
            placement_records.append((placement, item))
    Placement.objects.bulk_create(placements, batch_size=batch_size)
    PlacementCredit.objects.bulk_create(
        [
            PlacementCredit(placement=pl, unit=u, share=s)
            for pl, item in placement_records
            for u, s in (list(item.placement.credited_units) if item.placement else []) or [(item.unit, Decimal(1))]
        ],
        batch_size=batch_size,
    )
    effective = status == S.APPROVED
    RecordFigure.objects.bulk_create(
        [
            RecordFigure(
                record=rec,
                metric=metric,
                value=value,
                metric_version=metric.version,
                unit_id=rec.unit_id,
                date=rec.start_date,
                effective=effective,
                outlet_level=item.placement.outlet.level if item.placement is not None else "",
            )
            for rec, item in zip(records, items, strict=True)
            for metric, value in item.figures.items()
        ],
        batch_size=batch_size * 2,
    )
    RecordEvent.objects.bulk_create(
        [RecordEvent(record=rec, action=source, to_status=status, user=user, at=now) for rec in records],
        batch_size=batch_size,
    )
    audit.record_many("create", records, user=acting_user, message=f"批量新增（{Record.Source(source).label}）")
    return records
