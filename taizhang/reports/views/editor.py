"""The structured editor: each paragraph is edited on its own (htmx saves one block), figures are locked chips,
new figures come from the metric picker, candidate problems are accepted or dropped.

Approach to numbers typed by hand: a save whose plain text contains a number (as the checker reads numbers) is
refused with the numbers listed and the text kept; the user deletes them, inserts a figure from the ledger
instead, or saves with "标为待核实" which turns each into 【待核实：原文“…”】. So a draft never holds a number
without a source, and the exported document always passes the checker except for stale figures.

Every request carries the summary's version (optimistic locking); a stale save is refused and the user's text is
kept in the form. Without JavaScript every form still works as a normal POST that redirects back.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_POST

from taizhang.core.errors import InvalidInput, InvalidTransition, NotPermitted, StaleObjectError
from taizhang.core.periods import parse_period
from taizhang.ledger.figures import compute
from taizhang.ledger.models import MetricDefinition, Outlet
from taizhang.org.roles import Cap
from taizhang.org.views import cap_required, is_htmx
from taizhang.reports import actions, editing, sources
from taizhang.reports.document import Document, Paragraph
from taizhang.reports.metrics import metric_choices
from taizhang.reports.models import Summary
from taizhang.reports.views.common import STYLE_LABELS, error_text, get_summary


def _blocks(summary: Summary, doc: Document) -> list[dict[str, Any]]:
    roles = list(doc.meta.get("roles") or [])
    out = []
    for index, block in enumerate(doc.blocks):
        if not isinstance(block, Paragraph):
            continue
        out.append(_block(index, block, roles[index] if index < len(roles) else ""))
    return out


def _block(index: int, block: Paragraph, role: str, text: str | None = None) -> dict[str, Any]:
    saved_text = editing.runs_to_tokens(block.runs)
    return {
        "index": index, "style": block.style, "style_label": STYLE_LABELS.get(block.style, block.style),
        "role": role, "text": saved_text if text is None else text, "base": saved_text,
        "dirty": text is not None and text != saved_text,
        "single_line": block.style != "body", "is_problem": role.startswith("problem:"),
    }


def _problems(summary: Summary) -> list[dict[str, Any]]:
    labels = {"falling": "同比下降", "lagging": "单位落后", "rank_low": "排名靠后", "target": "目标滞后",
              "phrase": "常见问题"}
    return [{**p, "kind_label": labels.get(p.get("kind", ""), "")} for p in summary.problems or []]


def editor_context(summary: Summary) -> dict[str, Any]:
    doc = actions.load_document(summary)
    level_choices = [(f"placements@{k}", f"用稿篇数（{v}媒体）") for k, v in Outlet.Level.choices]
    return {
        "summary": summary, "doc": doc, "blocks": _blocks(summary, doc), "problems": _problems(summary),
        "metric_groups": metric_choices(), "level_choices": level_choices, "title_text": doc.title,
        "title_base": doc.title,
    }


def _editor_response(request: HttpRequest, summary: Summary) -> HttpResponse:
    if is_htmx(request):
        return render(request, "reports/_editor.html", editor_context(summary))
    return redirect("reports:summary_edit", pk=summary.pk)


def _version(request: HttpRequest) -> int:
    raw = request.POST.get("current_version") or request.POST.get("version") or "0"
    return int(raw) if raw.isdigit() else 0


@require_GET
@cap_required(Cap.MANAGE_WORK)
def summary_edit(request: HttpRequest, pk: int) -> HttpResponse:
    summary = get_summary(request, pk, edit=True)
    if not summary.is_draft:
        messages.info(request, "该总结已定稿。如需修改，请先退回草稿。")
        return redirect("reports:summary_detail", pk=pk)
    return render(request, "reports/summary_edit.html", editor_context(summary))


@require_POST
@cap_required(Cap.MANAGE_WORK)
def block_save(request: HttpRequest, pk: int, index: int) -> HttpResponse:
    summary = get_summary(request, pk, edit=True)
    text = request.POST.get("text", "")
    error = ""
    offer_mark = False
    try:
        actions.update_block(acting_user=request.user, summary=summary, expected_version=_version(request),
                             index=index, text=text, mark_unsourced=request.POST.get("mark_unsourced") == "1")
    except InvalidInput as exc:
        error = exc.message
        offer_mark = "text" in exc.errors and "没有来源的数字" in " ".join(exc.errors["text"])
    except (StaleObjectError, InvalidTransition) as exc:
        error = exc.message
    if not is_htmx(request):
        if error:
            messages.error(request, error)
        return redirect(reverse("reports:summary_edit", kwargs={"pk": pk}) + f"#block-{index}")
    summary.refresh_from_db()
    doc = actions.load_document(summary)
    if not 0 <= index < len(doc.blocks) or not isinstance(doc.blocks[index], Paragraph):
        return _editor_response(request, summary)
    block = doc.blocks[index]
    assert isinstance(block, Paragraph)
    roles = list(doc.meta.get("roles") or [])
    context = {
        "summary": summary, "b": _block(index, block, roles[index] if index < len(roles) else "",
                                        text if error else None),
        "error": error, "offer_mark": offer_mark, "saved": not error, "oob_version": True,
    }
    return render(request, "reports/_block.html", context)


@require_POST
@cap_required(Cap.MANAGE_WORK)
def block_delete(request: HttpRequest, pk: int, index: int) -> HttpResponse:
    summary = get_summary(request, pk, edit=True)
    try:
        actions.delete_block(acting_user=request.user, summary=summary, expected_version=_version(request),
                             index=index)
    except (InvalidInput, InvalidTransition, StaleObjectError) as exc:
        messages.error(request, error_text(exc))
    summary.refresh_from_db()
    return _editor_response(request, summary)


@require_POST
@cap_required(Cap.MANAGE_WORK)
def block_add(request: HttpRequest, pk: int) -> HttpResponse:
    summary = get_summary(request, pk, edit=True)
    after = request.POST.get("after", "-1")
    try:
        actions.add_block(acting_user=request.user, summary=summary, expected_version=_version(request),
                          after=int(after) if after.lstrip("-").isdigit() else -1,
                          style=request.POST.get("style", "body"))
    except (InvalidInput, InvalidTransition, StaleObjectError) as exc:
        messages.error(request, error_text(exc))
    summary.refresh_from_db()
    return _editor_response(request, summary)


@require_POST
@cap_required(Cap.MANAGE_WORK)
def title_save(request: HttpRequest, pk: int) -> HttpResponse:
    summary = get_summary(request, pk, edit=True)
    try:
        actions.update_title(acting_user=request.user, summary=summary, expected_version=_version(request),
                             title=request.POST.get("title", ""))
    except (InvalidInput, InvalidTransition, StaleObjectError) as exc:
        messages.error(request, error_text(exc))
    else:
        messages.success(request, "标题已保存。")
    summary.refresh_from_db()
    return _editor_response(request, summary)


@require_POST
@cap_required(Cap.MANAGE_WORK)
def problem_set(request: HttpRequest, pk: int) -> HttpResponse:
    summary = get_summary(request, pk, edit=True)
    try:
        actions.set_problem(acting_user=request.user, summary=summary, expected_version=_version(request),
                            key=request.POST.get("key", ""), accepted=request.POST.get("accepted") == "1")
    except (InvalidInput, InvalidTransition, StaleObjectError) as exc:
        messages.error(request, error_text(exc))
    summary.refresh_from_db()
    return _editor_response(request, summary)


@require_GET
@cap_required(Cap.MANAGE_WORK)
def metric_preview(request: HttpRequest, pk: int) -> JsonResponse:
    """The figure a picked metric would insert (its text for the chip); the server computes it again on save."""
    summary = get_summary(request, pk, edit=True)
    ref = request.GET.get("metric", "")
    key, _, level = ref.partition("@")
    metric = MetricDefinition.objects.filter(key=key, is_active=True).first()
    if metric is None or (level and level not in Outlet.Level.values):
        raise Http404("未知指标")
    try:
        result = compute(metric, period=parse_period(summary.period_spec), unit=summary.unit,
                         outlet_level=level or None)
    except NotPermitted as exc:
        return JsonResponse({"detail": exc.message}, status=403)
    text = sources.render(result.value, sources.number_display(metric.measure_word))
    return JsonResponse({"ref": f"+{ref}", "text": text, "label": metric.name, "records": len(result.records)})


def _posted_edits(request: HttpRequest) -> list[actions.BlockEdit]:
    """The paragraphs posted as text-<index> (with base-<index>) whose text differs from what was loaded: the
    editor's script posts only changed ones, the full-text page (no script) posts them all."""
    edits = []
    for key in request.POST:
        number = key.removeprefix("text-")
        if key.startswith("text-") and number.isdigit():
            text, base = request.POST.get(key, ""), request.POST.get(f"base-{number}", "")
            if text != base:
                edits.append(actions.BlockEdit(int(number), text, base))
    return sorted(edits, key=lambda e: e.index)


@require_GET
@cap_required(Cap.MANAGE_WORK)
def summary_text_edit(request: HttpRequest, pk: int) -> HttpResponse:
    """全文编辑: the title and every paragraph in one form and one "保存全部" (works without scripts, and on a
    phone is one page to scroll); posts to :func:`save_all`."""
    summary = get_summary(request, pk, edit=True)
    if not summary.is_draft:
        messages.info(request, "该总结已定稿。如需修改，请先退回草稿。")
        return redirect("reports:summary_detail", pk=pk)
    return render(request, "reports/summary_edit_text.html", editor_context(summary))


@require_POST
@cap_required(Cap.MANAGE_WORK)
def save_all(request: HttpRequest, pk: int) -> HttpResponse:
    """保存全部: every changed paragraph (text-<index>, base-<index>) and the title, in one request and one
    transaction. A refusal re-renders the editor (htmx) or the full-text page (a plain form post) with the user's
    texts kept (still marked as unsaved) and the reason on each paragraph; a conflict also shows what the other
    person wrote."""
    summary = get_summary(request, pk, edit=True)
    edits = _posted_edits(request)
    title = request.POST.get("title")
    title_base = request.POST.get("title_base")
    if title is not None and title == title_base:
        title = None
    mark = request.POST.get("mark_unsourced") == "1"
    errors: dict[str, list[str]] = {}
    conflicts: list[int] = []
    title_conflict = False
    try:
        summary = actions.save_document_edits(
            acting_user=request.user, summary=summary, expected_version=_version(request), edits=edits,
            title=title, title_base=title_base, mark_unsourced=mark)
    except actions.EditConflict as exc:
        messages.error(request, exc.message)
        conflicts, title_conflict = exc.indices, exc.title
    except InvalidInput as exc:
        messages.error(request, exc.message)
        errors = exc.errors
    except (StaleObjectError, InvalidTransition) as exc:
        messages.error(request, exc.message)
    else:
        count = len(edits)
        messages.success(request, f"已保存全部修改（{count}段）。" if count else "已保存。")
        return _editor_response(request, summary)
    summary.refresh_from_db()
    context = editor_context(summary)
    posted = {e.index: e for e in edits}
    for b in context["blocks"]:
        edit = posted.get(b["index"])
        if edit is None:
            continue
        if b["index"] in conflicts:
            b["conflict_text"] = context["doc"].blocks[b["index"]].text  # what the other person saved
        else:
            b["base"] = edit.base  # not a conflict: the next save still checks against what the user loaded
        b["text"], b["dirty"] = edit.text, True
        b["error"] = " ".join(errors.get(f"block-{b['index']}", []))
        b["offer_mark"] = "没有数据来源" in b["error"]
    if title is not None:
        context["title_text"] = title
        if not title_conflict and title_base is not None:
            context["title_base"] = title_base  # as for paragraphs: a conflict's next save goes on the new title
        context["title_error"] = " ".join(errors.get("title", []))
        context["title_dirty"] = title != context["doc"].title
    context["offer_mark_all"] = any(b.get("offer_mark") for b in context["blocks"])
    if is_htmx(request):
        return render(request, "reports/_editor.html", context)
    return render(request, "reports/summary_edit_text.html", context)
