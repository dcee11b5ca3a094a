"""Every state change of the reports app: summaries (compose, edit, accept problems, finalise, export log),
templates, phrase library edits and importing figures of an old summary as draft records.

Each function takes keyword-only ``acting_user`` (None = system: CLI, demo), checks the capability in the unit,
validates, runs in one transaction, writes the audit log and raises ``core.errors`` with Chinese messages.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.utils import timezone

from taizhang.core import audit
from taizhang.core.concurrency import save_versioned
from taizhang.core.errors import InvalidInput, InvalidTransition, NotPermitted, StaleObjectError
from taizhang.core.periods import Period, parse_period
from taizhang.ledger.figures import compute
from taizhang.ledger.models import ActivityType, MetricDefinition, Record
from taizhang.org.models import Unit
from taizhang.org.roles import Cap
from taizhang.org.scoping import can_in_unit
from taizhang.reports import editing, sources, summary_import
from taizhang.reports.composer import Candidate, ComposeOptions, compose, problem_runs
from taizhang.reports.composer.phrases import load_library, validate_section
from taizhang.reports.document import Document, Figure, Paragraph, Run
from taizhang.reports.models import PhraseSection, Summary, SummaryTemplate

S = Summary.Status


def _require(user: Any, cap: str, unit: Unit, message: str) -> None:
    if user is not None and not can_in_unit(user, cap, unit):
        raise NotPermitted(message)


def _user(user: Any) -> Any:
    return user if getattr(user, "is_authenticated", False) else None


def _draft(summary: Summary) -> None:
    if summary.status != S.DRAFT:
        raise InvalidTransition("定稿的总结不能修改；如需修改，请先退回草稿。")


# ---------------------------------------------------------------------------------------------------------------
# Summaries
# ---------------------------------------------------------------------------------------------------------------
def _as_period(period: Period | str) -> Period:
    return period if isinstance(period, Period) else parse_period(period)


def compose_summary(*, acting_user: Any, unit: Unit, period: Period | str, options: ComposeOptions | None = None,
                    title: str = "") -> Summary:
    """Compose a draft from the ledger and keep it (the same draft `taizhang summary` writes).

    Composing only reads, so it runs before the transaction (and can then compute figures in parallel)."""
    _require(acting_user, Cap.MANAGE_WORK, unit, "您没有为该单位生成工作总结的权限。")
    period = _as_period(period)
    options = options or ComposeOptions()
    result = compose(unit, period, options=options)
    doc = result.document
    if title.strip():
        doc.title = title.strip()[:200]
    return save_composed(acting_user=acting_user, unit=unit, period=period, options=options, doc=doc,
                         candidates=result.candidates)


@transaction.atomic
def save_composed(*, acting_user: Any, unit: Unit, period: Period, options: ComposeOptions, doc: Document,
                  candidates: Sequence[Candidate]) -> Summary:
    """Keep a draft composed already (by compose_summary, or by `taizhang summary --save` after writing files)."""
    _require(acting_user, Cap.MANAGE_WORK, unit, "您没有为该单位生成工作总结的权限。")
    summary = Summary.objects.create(
        unit=unit, period_spec=period.spec, period_label=period.label, title=doc.title[:200],
        document=doc.to_dict(), problems=[c.to_dict() for c in candidates], options=options.to_dict(),
        composed_at=timezone.now(), created_by=_user(acting_user),
    )
    audit.record("create", summary, user=acting_user, after={
        "unit": unit.code, "period": period.spec, "title": summary.title, "figures": len(doc.to_dict()["figures"]),
    })
    return summary


@transaction.atomic
def recompose_summary(*, acting_user: Any, summary: Summary, expected_version: int) -> Summary:
    """Compose the draft again from today's ledger (edits to the text are replaced)."""
    _require(acting_user, Cap.MANAGE_WORK, summary.unit, "您没有修改该总结的权限。")
    _draft(summary)
    period = parse_period(summary.period_spec)
    options = ComposeOptions.from_dict(summary.options)
    result = compose(summary.unit, period, options=options)
    result.document.title = summary.title or result.document.title
    summary.document = result.document.to_dict()
    summary.problems = [c.to_dict() for c in result.candidates]
    summary.composed_at = timezone.now()
    save_versioned(summary, expected_version, ["document", "problems", "composed_at"])
    audit.record("update", summary, user=acting_user, message="按台账重新生成")
    return summary


def load_document(summary: Summary) -> Document:
    return Document.from_dict(summary.document)


def _roles(doc: Document) -> list[str]:
    roles = list(doc.meta.get("roles") or [])
    return roles + [""] * (len(doc.blocks) - len(roles))


def _next_id(doc: Document) -> str:
    used = {f.id for f in doc.figures()}
    n = int(doc.meta.get("next_id") or 0)
    while True:
        n += 1
        if f"f{n}" not in used:
            doc.meta["next_id"] = n
            return f"f{n}"


def new_figure(summary: Summary, doc: Document, ref: str) -> Figure | None:
    """A figure picked in the editor: ``metric`` or ``metric@level``, for the summary's scope and period."""
    key, _, level = ref.partition("@")
    metric = MetricDefinition.objects.filter(key=key, is_active=True).first()
    if metric is None:
        return None
    period = parse_period(summary.period_spec)
    result = compute(metric, period=period, unit=summary.unit, outlet_level=level or None)
    source = sources.ledger_source(result)
    return Figure(_next_id(doc), sources.render(result.value, source["display"]), result.value, source)


def _save_document(summary: Summary, doc: Document, expected_version: int, extra: Sequence[str] = ()) -> None:
    summary.document = doc.to_dict()
    summary.title = doc.title[:200]
    save_versioned(summary, expected_version, ["document", "title", *extra])


def _check_block_index(doc: Document, index: int) -> None:
    if not 0 <= index < len(doc.blocks) or not isinstance(doc.blocks[index], Paragraph):
        raise InvalidInput("该段落已不存在，请刷新页面后再编辑。")


def _block_runs(summary: Summary, doc: Document, text: str, mark_unsourced: bool) -> list[Run]:
    """The runs of a paragraph's edited text, or InvalidInput (unknown figure marks, numbers without a source)."""
    parsed = editing.tokens_to_runs(text, doc.figure_map(), lambda ref: new_figure(summary, doc, ref))
    if parsed.unknown:
        raise InvalidInput(f"无法识别的数据标记：{'、'.join(parsed.unknown)}。请用“插入数据”选择指标。",
                           {"text": ["数据标记无效"]})
    runs = parsed.runs
    numbers = editing.numbers_in(runs)
    if numbers and not mark_unsourced:
        listed = "、".join(f"“{n}”" for n in numbers[:5])
        raise InvalidInput(
            f"文字中的数字{listed}没有数据来源。请删除这些数字，用“插入数据”从台账插入，"
            "或选择“标为待核实后保存”。",
            {"text": [f"没有来源的数字：{n}" for n in numbers]},
        )
    return editing.mark_unsourced(runs) if numbers else runs


@transaction.atomic
def update_block(*, acting_user: Any, summary: Summary, expected_version: int, index: int, text: str,
                 mark_unsourced: bool = False) -> Summary:
    """Save the edited text of paragraph `index` (figures as ⟦id⟧ tokens, new ones as ⟦+metric⟧).

    Plain text may not contain numbers: refused with the numbers listed, or, with `mark_unsourced`, each becomes
    【待核实：原文“…”】."""
    _require(acting_user, Cap.MANAGE_WORK, summary.unit, "您没有修改该总结的权限。")
    _draft(summary)
    doc = load_document(summary)
    _check_block_index(doc, index)
    runs = _block_runs(summary, doc, text, mark_unsourced)
    block = doc.blocks[index]
    assert isinstance(block, Paragraph)
    before = block.text
    block.runs = runs
    _save_document(summary, doc, expected_version)
    audit.record("update", summary, user=acting_user, before={"index": index, "text": before},
                 after={"index": index, "text": block.text})
    return summary


@dataclass(frozen=True)
class BlockEdit:
    """One paragraph of a "保存全部": its index, the edited text (figures as tokens) and `base`, the text it had
    when the editor was loaded (its version: the save is refused when someone else changed it since)."""

    index: int
    text: str
    base: str


class EditConflict(StaleObjectError):
    """Someone else changed paragraphs (or the title) the user edited too; `indices` of those paragraphs."""

    def __init__(self, message: str, indices: list[int], title: bool = False) -> None:
        super().__init__(message)
        self.indices = indices
        self.title = title


def _ordinal(doc: Document, index: int) -> int:
    """The paragraph's number as the user counts them (1-based, paragraphs only)."""
    return sum(1 for b in doc.blocks[: index + 1] if isinstance(b, Paragraph))


@transaction.atomic
def save_document_edits(*, acting_user: Any, summary: Summary, expected_version: int, edits: Sequence[BlockEdit],
                        title: str | None = None, title_base: str | None = None,
                        mark_unsourced: bool = False) -> Summary:
    """保存全部: every edited paragraph (and the title) of a draft in one transaction, all or nothing.

    Optimistic locking per paragraph: when the summary's version is still `expected_version` everything is saved;
    when someone saved in between, the edits are still applied if none of the edited paragraphs (nor the edited
    title) changed since the user loaded them (their `base`), else :class:`EditConflict` names them and nothing is
    written. A paragraph refused (numbers without a source, unknown figure marks) refuses the whole save, with
    one message per paragraph in ``InvalidInput.errors["block-<index>"]``."""
    _require(acting_user, Cap.MANAGE_WORK, summary.unit, "您没有修改该总结的权限。")
    current = Summary.objects.select_for_update().get(pk=summary.pk)
    _draft(current)
    doc = load_document(current)
    for edit in edits:
        _check_block_index(doc, edit.index)
    if len({e.index for e in edits}) != len(edits):
        raise InvalidInput("同一段落提交了两次，请刷新页面后再保存。")
    if current.version != expected_version:
        changed = [e.index for e in edits if editing.runs_to_tokens(_paragraph(doc, e.index).runs) != e.base]
        title_changed = title is not None and title_base is not None and doc.title != title_base
        if changed or title_changed:
            named = "、".join(f"第{_ordinal(doc, i)}段" for i in changed) + ("、标题" if title_changed else "")
            raise EditConflict(
                f"保存失败：{named.lstrip('、')}已被他人修改（您看到的是旧版本）。您的修改没有丢失，"
                "请核对他人修改后的内容，再点“保存全部”。", changed, title_changed)
    errors: dict[str, list[str]] = {}
    new_runs: dict[int, list[Run]] = {}
    for edit in edits:
        try:
            new_runs[edit.index] = _block_runs(current, doc, edit.text, mark_unsourced)
        except InvalidInput as exc:
            errors[f"block-{edit.index}"] = [exc.message]
    new_title = None
    if title is not None and title.strip() != doc.title:
        try:
            new_title = _clean_title(title)
        except InvalidInput as exc:
            errors["title"] = [exc.message]
    if errors:
        count = len(errors)
        raise InvalidInput(f"有 {count} 处没有保存，全部修改都未写入：请按各段的提示修改后再点“保存全部”。", errors)
    before: dict[str, Any] = {}
    after: dict[str, Any] = {}
    for index, runs in new_runs.items():
        block = _paragraph(doc, index)
        if block.runs == runs:
            continue
        before[str(index)] = block.text
        block.runs = runs
        after[str(index)] = block.text
    if new_title is not None:
        before["title"], after["title"] = doc.title, new_title
        doc.title = new_title
    if not after:
        return current
    _save_document(current, doc, current.version)
    paragraphs = len(after) - ("title" in after)
    audit.record("update", current, user=acting_user, before=before, after=after,
                 message=f"保存全部（{paragraphs}段{'及标题' if 'title' in after else ''}）")
    return current


def _paragraph(doc: Document, index: int) -> Paragraph:
    block = doc.blocks[index]
    assert isinstance(block, Paragraph)
    return block


def _clean_title(title: str) -> str:
    title = title.strip()
    if not title:
        raise InvalidInput("标题不能为空", {"title": ["请填写标题"]})
    if len(title) > 200:
        raise InvalidInput("标题不能超过 200 个字", {"title": ["标题过长"]})
    if editing.unsourced_numbers(title):
        raise InvalidInput("标题中不能有没有来源的数字（年份除外）。", {"title": ["标题含有数字"]})
    return title


@transaction.atomic
def update_title(*, acting_user: Any, summary: Summary, expected_version: int, title: str) -> Summary:
    _require(acting_user, Cap.MANAGE_WORK, summary.unit, "您没有修改该总结的权限。")
    _draft(summary)
    title = _clean_title(title)
    doc = load_document(summary)
    before = doc.title
    doc.title = title
    _save_document(summary, doc, expected_version)
    audit.record("update", summary, user=acting_user, before={"title": before}, after={"title": title})
    return summary


@transaction.atomic
def delete_block(*, acting_user: Any, summary: Summary, expected_version: int, index: int) -> Summary:
    _require(acting_user, Cap.MANAGE_WORK, summary.unit, "您没有修改该总结的权限。")
    _draft(summary)
    doc = load_document(summary)
    _check_block_index(doc, index)
    roles = _roles(doc)
    removed = doc.blocks.pop(index)
    role = roles.pop(index)
    doc.meta["roles"] = roles
    extra: list[str] = []
    if role.startswith("problem:"):
        _set_accepted(summary, role.removeprefix("problem:"), False)
        _renumber_problems(doc)
        extra.append("problems")
    _save_document(summary, doc, expected_version, extra)
    audit.record("update", summary, user=acting_user, before={"index": index, "text": removed.text if isinstance(
        removed, Paragraph) else ""}, message="删除段落")
    return summary


@transaction.atomic
def add_block(*, acting_user: Any, summary: Summary, expected_version: int, after: int,
              style: str = "body") -> Summary:
    """An empty paragraph after block `after` (-1: at the top)."""
    _require(acting_user, Cap.MANAGE_WORK, summary.unit, "您没有修改该总结的权限。")
    _draft(summary)
    if style not in ("body", "heading1", "heading2", "heading3"):
        raise InvalidInput("不支持的段落样式")
    doc = load_document(summary)
    if not -1 <= after < len(doc.blocks):
        raise InvalidInput("插入位置无效，请刷新页面。")
    roles = _roles(doc)
    doc.blocks.insert(after + 1, Paragraph(style, ["（请输入内容）"]))  # type: ignore[arg-type]
    roles.insert(after + 1, "added")
    doc.meta["roles"] = roles
    _save_document(summary, doc, expected_version)
    audit.record("update", summary, user=acting_user, message=f"新增段落（第{after + 2}段）")
    return summary


def _set_accepted(summary: Summary, key: str, accepted: bool) -> dict[str, Any]:
    problems = list(summary.problems or [])
    for item in problems:
        if item.get("key") == key:
            item["accepted"] = accepted
            summary.problems = problems
            return item
    raise InvalidInput("没有找到该候选问题，请刷新页面。")


def _renumber_problems(doc: Document) -> None:
    roles = _roles(doc)
    indices = [i for i, r in enumerate(roles) if r.startswith("problem:")]
    library = load_library()
    for n, i in enumerate(indices):
        block = doc.blocks[i]
        if isinstance(block, Paragraph):
            block.runs = problem_runs(library, block.runs, n, n == len(indices) - 1)


@transaction.atomic
def set_problem(*, acting_user: Any, summary: Summary, expected_version: int, key: str, accepted: bool) -> Summary:
    """Accept a candidate problem (it becomes a paragraph of 存在的问题) or drop it (its paragraph goes)."""
    _require(acting_user, Cap.MANAGE_WORK, summary.unit, "您没有修改该总结的权限。")
    _draft(summary)
    item = _set_accepted(summary, key, accepted)
    doc = load_document(summary)
    roles = _roles(doc)
    role = f"problem:{key}"
    if accepted and role not in roles:
        runs = Candidate.runs_from_dict(item)
        used = {f.id for f in doc.figures()}
        fresh: list[Any] = []
        for run in runs:
            if isinstance(run, Figure) and run.id in used:
                run = Figure(_next_id(doc), run.text, run.value, run.source)
            fresh.append(run)
        positions = [i for i, r in enumerate(roles) if r.startswith("problem:") or r in ("heading:problems",
                                                                                          "lead:problems")]
        at = (max(positions) + 1) if positions else len(doc.blocks)
        doc.blocks.insert(at, Paragraph("body", fresh))
        roles.insert(at, role)
    elif not accepted and role in roles:
        at = roles.index(role)
        doc.blocks.pop(at)
        roles.pop(at)
    doc.meta["roles"] = roles
    _renumber_problems(doc)
    _save_document(summary, doc, expected_version, ["problems"])
    audit.record("update", summary, user=acting_user, after={"problem": key, "accepted": accepted},
                 message="采纳候选问题" if accepted else "舍弃候选问题")
    return summary


@transaction.atomic
def finalize_summary(*, acting_user: Any, summary: Summary, expected_version: int) -> Summary:
    _require(acting_user, Cap.MANAGE_WORK, summary.unit, "您没有定稿该总结的权限。")
    _draft(summary)
    summary.status = S.FINAL
    summary.finalized_at = timezone.now()
    save_versioned(summary, expected_version, ["status", "finalized_at"])
    audit.record("publish", summary, user=acting_user, before={"status": S.DRAFT}, after={"status": S.FINAL})
    return summary


@transaction.atomic
def reopen_summary(*, acting_user: Any, summary: Summary, expected_version: int) -> Summary:
    _require(acting_user, Cap.MANAGE_WORK, summary.unit, "您没有修改该总结的权限。")
    if summary.status != S.FINAL:
        raise InvalidTransition("只有定稿的总结才能退回草稿。")
    summary.status = S.DRAFT
    summary.finalized_at = None
    save_versioned(summary, expected_version, ["status", "finalized_at"])
    audit.record("update", summary, user=acting_user, before={"status": S.FINAL}, after={"status": S.DRAFT},
                 message="退回草稿")
    return summary


@transaction.atomic
def delete_summary(*, acting_user: Any, summary: Summary) -> None:
    _require(acting_user, Cap.MANAGE_WORK, summary.unit, "您没有删除该总结的权限。")
    before = {"title": summary.title, "unit": summary.unit.code, "period": summary.period_spec,
              "status": summary.status}
    audit.record("delete", summary, user=acting_user, before=before)
    summary.delete()


def log_export(*, acting_user: Any, summary: Summary, fmt: str) -> None:
    """An export or download of a summary, in the audit log (a draft needs manage_work, a final view)."""
    cap = Cap.VIEW if summary.status == S.FINAL else Cap.MANAGE_WORK
    _require(acting_user, cap, summary.unit, "您没有导出该总结的权限。")
    audit.record("export", summary, user=acting_user, message=f"导出{fmt}", after={"format": fmt})


# ---------------------------------------------------------------------------------------------------------------
# Templates
# ---------------------------------------------------------------------------------------------------------------
@transaction.atomic
def create_template(*, acting_user: Any, owner: Unit, name: str, text: str, original_name: str = "") -> SummaryTemplate:
    from taizhang.reports.fill import clean_template

    _require(acting_user, Cap.MANAGE_WORK, owner, "您没有在该单位保存模板的权限。")
    cleaned = clean_template(text or "")
    errors: dict[str, list[str]] = {}
    if not name.strip():
        errors["name"] = ["请填写模板名称"]
    if not cleaned.strip():
        errors["text"] = ["模板内容为空"]
    elif len(cleaned) > 200_000:
        errors["text"] = ["模板过长（最多 20 万字）"]
    if errors:
        raise InvalidInput("模板填写有误。", errors)
    template = SummaryTemplate.objects.create(name=name.strip()[:100], owner=owner, text=cleaned,
                                              original_name=original_name[:200], created_by=_user(acting_user))
    audit.record("create", template, user=acting_user, after={"name": template.name, "chars": len(cleaned)})
    return template


@transaction.atomic
def save_template_mappings(*, acting_user: Any, template: SummaryTemplate, expected_version: int,
                           mappings: Mapping[str, str]) -> SummaryTemplate:
    """The user's slot → metric choices ("" = leave blank as 【待核实】)."""
    _require(acting_user, Cap.MANAGE_WORK, template.owner, "您没有修改该模板的权限。")
    known = set(MetricDefinition.objects.values_list("key", flat=True))
    bad = [k for k, v in mappings.items() if v and v not in known]
    if bad:
        raise InvalidInput("选择的指标不存在，请刷新页面后重试。", {"mappings": bad})
    before = dict(template.mappings or {})
    template.mappings = {str(k): str(v) for k, v in mappings.items()}
    save_versioned(template, expected_version, ["mappings"])
    audit.record("update", template, user=acting_user, before={"mappings": before},
                 after={"mappings": template.mappings})
    return template


@transaction.atomic
def delete_template(*, acting_user: Any, template: SummaryTemplate) -> None:
    _require(acting_user, Cap.MANAGE_WORK, template.owner, "您没有删除该模板的权限。")
    audit.record("delete", template, user=acting_user, before={"name": template.name})
    template.delete()


# ---------------------------------------------------------------------------------------------------------------
# Phrase library
# ---------------------------------------------------------------------------------------------------------------
def _require_anywhere(user: Any, cap: str, message: str) -> None:
    from taizhang.org.scoping import has_cap

    if user is not None and not has_cap(user, cap):
        raise NotPermitted(message)


@transaction.atomic
def save_phrase_section(*, acting_user: Any, key: str, value: Any,
                        expected_version: int | None = None) -> PhraseSection:
    """Replace one top-level section of the phrase library (validated against the shipped section's shape)."""
    _require_anywhere(acting_user, Cap.MANAGE_WORK, "您没有修改总结句式的权限。")
    errors = validate_section(key, value)
    if errors:
        raise InvalidInput("句式有误，未保存。", {"value": errors})
    row = PhraseSection.objects.filter(key=key).first()
    if row is None:
        row = PhraseSection.objects.create(key=key, value=value, updated_by=_user(acting_user))
        audit.record("config", row, user=acting_user, after={"key": key})
        return row
    before = row.value
    row.value = value
    row.updated_by = _user(acting_user)
    save_versioned(row, expected_version if expected_version is not None else row.version, ["value", "updated_by"])
    audit.record("config", row, user=acting_user, before={"value": before}, after={"value": value})
    return row


@transaction.atomic
def reset_phrase_section(*, acting_user: Any, key: str) -> None:
    _require_anywhere(acting_user, Cap.MANAGE_WORK, "您没有修改总结句式的权限。")
    row = PhraseSection.objects.filter(key=key).first()
    if row is not None:
        audit.record("config", row, user=acting_user, before={"value": row.value}, message="恢复默认句式")
        row.delete()


# ---------------------------------------------------------------------------------------------------------------
# Figures of an old summary → draft records: reports.summary_import (rows ready / to confirm / refused; import
# writes only sure, exact rows, or the rows a person confirmed on the import page).
# ---------------------------------------------------------------------------------------------------------------
ImportRow = summary_import.ImportRow


def first_activity_type(metric: MetricDefinition) -> ActivityType | None:
    return summary_import.first_activity_type(metric)


def import_rows(text: str, *, min_confidence: float = summary_import.SURE_CONFIDENCE,
                metrics: Mapping[int, str] | None = None) -> list[summary_import.ImportRow]:
    return summary_import.import_rows(text, min_confidence=min_confidence, metrics=metrics)


def import_summary(*, acting_user: Any, unit: Unit, period: Period | str, text: str,
                   min_confidence: float = summary_import.SURE_CONFIDENCE, selected: set[int] | None = None,
                   metrics: Mapping[int, str] | None = None, source_name: str = "") -> list[Record]:
    return summary_import.import_summary(acting_user=acting_user, unit=unit, period=period, text=text,
                                         min_confidence=min_confidence, selected=selected, metrics=metrics,
                                         source_name=source_name)
