"""Record pages: the list with filters (and drill-down: by ids, or by a figure's query, `ledger.drill`), the form
(create/edit), the detail page and the workflow buttons (submit, withdraw, revise, delete). Every change goes
through ledger.actions."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.core.paginator import Paginator
from django.db.models import Prefetch, QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from taizhang.core.errors import InvalidInput, InvalidTransition, StaleObjectError
from taizhang.core.numbers import split_ids
from taizhang.core.pagination import CappedPaginator
from taizhang.core.querysets import get_scoped
from taizhang.core.text import quoted
from taizhang.ledger import actions
from taizhang.ledger.forms import (
    EvidenceUploadForm,
    RecordFilterForm,
    RecordForm,
    outlet_choices,
    record_initial,
    unit_queryset,
)
from taizhang.ledger.models import ActivityType, ImportBatch, Placement, Record, RecordEvent, RecordFigure
from taizhang.ledger.views.common import export_url, figure_rows, timeline
from taizhang.org.roles import Cap
from taizhang.org.scoping import can_in_unit, root_paths_for
from taizhang.org.views import cap_required

PAGE_SIZE = 30
S = Record.Status


def _figures_prefetch() -> Prefetch:
    return Prefetch("figures", queryset=RecordFigure.objects.select_related("metric"))


def _type_from(raw: Any) -> ActivityType | None:
    text = str(raw or "").strip()
    if not text:
        return None
    qs = ActivityType.objects.select_related("line")
    return (qs.filter(pk=int(text)) if text.isdigit() else qs.filter(key=text)).first()


def _error_text(exc: InvalidInput) -> str:
    details = [m for messages_ in exc.errors.values() for m in messages_]
    return exc.message + ("：" + "；".join(details) if details else "")


# ---------------------------------------------------------------------------------------------------------------
# List
# ---------------------------------------------------------------------------------------------------------------
@require_GET
@cap_required(Cap.VIEW)
def record_list(request: HttpRequest) -> HttpResponse:
    user = request.user
    form = RecordFilterForm(request.GET or None, user=user)
    if form.is_bound:
        form.is_valid()
    qs: QuerySet[Record] = (
        Record.objects.visible_to(user, Cap.VIEW)
        .select_related("unit", "activity_type", "activity_type__line")
        .prefetch_related(_figures_prefetch())
    )
    qs = form.filter(qs)
    cleaned = getattr(form, "cleaned_data", {}) if form.is_bound else {}
    # a figure's sources or an import batch: the exact count is what the page says; else count at most COUNT_CAP
    exact = bool(cleaned.get("ids") or cleaned.get("batch") or form.figure)
    page = (Paginator(qs, PAGE_SIZE) if exact else CappedPaginator(qs, PAGE_SIZE)).get_page(request.GET.get("page"))
    rows = [{"record": r, "figures": figure_rows(list(r.figures.all()))[:4]} for r in page.object_list]
    params = request.GET.copy()
    params.pop("page", None)
    import_batch = None
    if cleaned.get("batch"):  # "查看导入的记录" after an Excel import: say so, not "a figure's sources"
        import_batch = ImportBatch.objects.filter(pk=cleaned["batch"]).only("filename", "created_at").first()
    traced = bool(cleaned.get("ids")) and import_batch is None
    edit_roots = root_paths_for(user, Cap.EDIT_RECORDS)
    for row in rows:
        r = row["record"]
        row["selectable"] = r.status == S.DRAFT and any(r.unit.path.startswith(p) for p in edit_roots)
    return render(request, "ledger/record_list.html", {
        "form": form, "page": page, "rows": rows, "traced": traced, "sort": request.GET.get("sort") or "-date",
        "figure": form.figure,
        "import_batch": import_batch, "bulk": any(row["selectable"] for row in rows),
        "export_url": export_url(params.urlencode()),
        "can_create": bool(unit_queryset(user, Cap.EDIT_RECORDS).exists()),
        "can_import": bool(edit_roots),
    })


BULK_VERBS = {"submit": "报送", "delete": "删除"}


@require_POST
@cap_required(Cap.EDIT_RECORDS)
def record_bulk(request: HttpRequest) -> HttpResponse:
    """Bulk submit or bulk delete of the drafts ticked on the record list (through ledger.actions.bulk_drafts)."""
    operation = request.POST.get("operation") or ""
    verb = BULK_VERBS.get(operation)
    back = request.POST.get("next") or ""
    back = back if back.startswith(reverse("ledger:record_list")) else reverse("ledger:record_list")
    ids = split_ids(",".join(request.POST.getlist("selected")), limit=500)[0]  # ids past 32 bits are no record
    if verb is None or not ids:
        messages.error(request, "请先勾选要处理的草稿，再点“批量报送”或“批量删除”。")
        return redirect(back)
    records = list(
        Record.objects.visible_to(request.user, Cap.EDIT_RECORDS)
        .select_related("unit", "activity_type").filter(pk__in=ids).order_by("start_date", "pk")
    )
    done, refused = actions.bulk_drafts(acting_user=request.user, records=records, operation=operation)
    missing = len(set(ids)) - len(records)
    if done:
        tail = "，等待审核" if operation == "submit" else ""
        messages.success(request, f"已{verb} {len(done)} 条草稿{tail}。")
    if refused or missing:
        shown = "；".join(f"{quoted(r.title)}：{why}" for r, why in refused[:5])
        more = f"等 {len(refused)} 条" if len(refused) > 5 else ""
        lost = f"另有 {missing} 条已不存在或您无权处理。" if missing else ""
        count = len(refused) + missing
        messages.warning(request, f"{count} 条未{verb}。{shown}{more}{'。' if shown else ''}{lost}")
    return redirect(back)


# ---------------------------------------------------------------------------------------------------------------
# Form: create and edit
# ---------------------------------------------------------------------------------------------------------------
def _render_form(request: HttpRequest, form: RecordForm, record: Record | None = None,
                 latest: Record | None = None, status: int = 200) -> HttpResponse:
    context: dict[str, Any] = {"form": form, "record": record, "latest": latest}
    # a form sent back keeps what was typed, but no browser keeps the files chosen: name them, to be chosen again
    context["files_dropped"] = [f.name for f in request.FILES.getlist("file")] if request.method == "POST" else []
    if record is not None:
        context["evidence_count"] = record.evidence.count()
    if latest is not None:
        context["latest_figures"] = figure_rows(list(latest.figures.select_related("metric")))
        context["changed_by"], context["changed_at"] = _changed_by(latest, request.user)
    return render(request, "ledger/record_form.html", context, status=status)


def _changed_by(record: Record, user: Any) -> tuple[str, Any]:
    """Who saved the version the stale form did not see, and when: "您在另一窗口" when it was the same user."""
    event = (
        RecordEvent.objects.filter(record=record, action__in=("update", "create"))
        .select_related("user").order_by("-at", "-id").first()
    )
    if event is None:
        return "未知", record.updated_at
    if event.user_id is not None and event.user_id == getattr(user, "pk", None):
        return "您在另一窗口", event.at
    return (str(event.user) if event.user is not None else "系统"), event.at


def _files_note(form: RecordForm) -> str:
    count = len(form.evidence_files())
    return f"，并添加了 {count} 份佐证材料" if count else ""


@require_http_methods(["GET", "POST"])
@cap_required(Cap.EDIT_RECORDS)
def record_create(request: HttpRequest) -> HttpResponse:
    user = request.user
    if request.method == "POST":
        atype = _type_from(request.POST.get("activity_type"))
        form = RecordForm(request.POST, request.FILES, user=user, activity_type=atype)
        if form.is_valid():
            submit = "submit" in request.POST
            try:
                record = actions.create_record(
                    acting_user=user, **form.record_values(), figures=form.figures(),
                    placement=form.placement_input(), idempotency_key=form.cleaned_data.get("idempotency_key") or None,
                    submit=submit, evidence_files=form.evidence_files(),
                )
            except InvalidInput as exc:
                form.add_error(None, exc.message)
                form.add_action_errors(exc.errors)
            except InvalidTransition as exc:
                form.add_error(None, exc.message)
            else:
                note = _files_note(form)
                if record.status == S.SUBMITTED:
                    messages.success(request, f"记录{quoted(record.title)}已报送{note}，等待审核。")
                else:
                    messages.success(request, f"记录{quoted(record.title)}已保存为草稿{note}。")
                return redirect("ledger:record_detail", pk=record.pk)
        # refused (the form's checks or the action's): 400 and the form again with what was typed
        return _render_form(request, form, status=400)

    atype = _type_from(request.GET.get("type"))
    initial: dict[str, Any] = {"start_date": None}
    units = list(unit_queryset(user, Cap.EDIT_RECORDS)[:2])
    if len(units) == 1:
        initial["unit"] = units[0].pk
    if atype is not None:
        initial["activity_type"] = atype.pk
    form = RecordForm(initial=initial, user=user, activity_type=atype)
    return _render_form(request, form)


@require_http_methods(["GET", "POST"])
@cap_required(Cap.EDIT_RECORDS)
def record_edit(request: HttpRequest, pk: int) -> HttpResponse:
    user = request.user
    base = Record.objects.select_related("unit", "activity_type", "activity_type__line")
    record = get_scoped(base, user, Cap.EDIT_RECORDS, pk=pk)
    if request.method == "GET":
        if not record.is_editable:
            messages.warning(request, f"“{record.get_status_display()}”状态的记录不能直接修改。")
            return redirect("ledger:record_detail", pk=record.pk)
        form = RecordForm(initial=record_initial(record), user=user, activity_type=record.activity_type,
                          record=record)
        return _render_form(request, form, record)

    atype = _type_from(request.POST.get("activity_type")) or record.activity_type
    form = RecordForm(request.POST, request.FILES, user=user, activity_type=atype, record=record)
    if not form.is_valid():
        return _render_form(request, form, record, status=400)
    submit = "submit" in request.POST
    try:
        actions.update_record(
            acting_user=user, record=record, expected_version=form.cleaned_data.get("version") or 0,
            figures=form.figures(), placement=form.placement_input(), evidence_files=form.evidence_files(),
            submit=submit, **form.record_values(),
        )
    except StaleObjectError:
        # Keep everything the user typed; carry the current version so a deliberate re-save works after review.
        # The notice above the form says what happened (once, naming who saved); no second error in the form.
        latest = base.get(pk=pk)
        data = request.POST.copy()
        data["version"] = str(latest.version)
        form = RecordForm(data, request.FILES, user=user, activity_type=atype, record=latest)
        form.is_valid()
        return _render_form(request, form, latest, latest=latest, status=409)
    except InvalidInput as exc:
        form.add_error(None, exc.message)
        form.add_action_errors(exc.errors)
        return _render_form(request, form, base.get(pk=pk), status=400)
    except InvalidTransition as exc:
        form.add_error(None, exc.message)
        return _render_form(request, form, base.get(pk=pk), status=400)
    note = _files_note(form)
    if submit:
        messages.success(request, f"记录{quoted(record.title)}已保存并报送{note}，等待审核。")
    else:
        messages.success(request, f"记录{quoted(record.title)}已保存{note}。")
    return redirect("ledger:record_detail", pk=record.pk)


@require_POST
@cap_required(Cap.EDIT_RECORDS)
def record_type_fields(request: HttpRequest) -> HttpResponse:
    """htmx: the figure fieldset (and placement fieldset) for the activity type chosen in the form."""
    atype = _type_from(request.POST.get("activity_type"))
    initial: dict[str, Any] = {k: v for k, v in request.POST.items() if k != "csrfmiddlewaretoken"}
    initial["credited_units"] = request.POST.getlist("credited_units")
    record = None
    record_id = request.POST.get("record_id", "")
    if record_id.isdigit():
        record = get_scoped(Record.objects.all(), request.user, Cap.EDIT_RECORDS, pk=int(record_id))
    form = RecordForm(initial=initial, user=request.user, activity_type=atype, record=record)
    return render(request, "ledger/_record_type_fields.html", {"form": form})


@require_GET
@cap_required(Cap.EDIT_RECORDS)
def outlet_options(request: HttpRequest) -> HttpResponse:
    """htmx: <option>s of the outlet select, filtered by name or alias."""
    selected_raw = request.GET.get("outlet", "")
    selected = int(selected_raw) if selected_raw.isdigit() else None
    choices = outlet_choices(request.GET.get("outlet_q", "")[:50], selected=selected)
    return render(request, "ledger/_outlet_options.html", {
        "blank": choices[0][1], "groups": choices[1:], "selected": selected,
    })


# ---------------------------------------------------------------------------------------------------------------
# Detail and workflow
# ---------------------------------------------------------------------------------------------------------------
@require_GET
@cap_required(Cap.VIEW)
def record_detail(request: HttpRequest, pk: int) -> HttpResponse:
    user = request.user
    record = get_scoped(
        Record.objects.select_related("unit", "activity_type", "activity_type__line", "created_by", "reviewed_by",
                                      "revision_of"),
        user, Cap.VIEW, pk=pk,
    )
    placement = (
        Placement.objects.filter(record=record).select_related("outlet").prefetch_related("credits__unit").first()
    )
    can_edit = can_in_unit(user, Cap.EDIT_RECORDS, record.unit)
    can_review = can_in_unit(user, Cap.REVIEW_RECORDS, record.unit)
    status = record.status
    ever_approved = record.events.filter(action="approve").exists()
    return render(request, "ledger/record_detail.html", {
        "record": record,
        "figures": figure_rows(list(record.figures.select_related("metric"))),
        "placement": placement,
        "evidence": list(record.evidence.select_related("uploaded_by")),
        "events": timeline(list(record.events.select_related("user"))),
        "revisions": list(record.revisions.order_by("-id")),
        "can_edit": can_edit and record.is_editable,
        "can_submit": can_edit and status in (S.DRAFT, S.RETURNED),
        "can_withdraw": can_edit and status == S.SUBMITTED,
        "can_revise": can_edit and status == S.APPROVED,
        "can_delete": can_edit and status in (S.DRAFT, S.RETURNED) and not ever_approved,
        "can_review": can_review and status == S.SUBMITTED,
        "can_evidence": can_edit and record.is_editable,
        "evidence_form": EvidenceUploadForm(),
        "max_upload_mb": settings.TAIZHANG_MAX_UPLOAD_MB,
    })


def _workflow(request: HttpRequest, pk: int, run: Callable[[Record], HttpResponse]) -> HttpResponse:
    record = get_scoped(Record.objects.select_related("unit", "activity_type"), request.user, Cap.EDIT_RECORDS,
                        pk=pk)
    try:
        return run(record)
    except InvalidInput as exc:
        messages.error(request, _error_text(exc))
    except InvalidTransition as exc:
        messages.error(request, exc.message)
    return redirect("ledger:record_detail", pk=record.pk)


@require_POST
@cap_required(Cap.EDIT_RECORDS)
def record_submit(request: HttpRequest, pk: int) -> HttpResponse:
    def run(record: Record) -> HttpResponse:
        actions.submit_record(acting_user=request.user, record=record)
        messages.success(request, f"记录{quoted(record.title)}已报送，等待审核。")
        return redirect("ledger:record_detail", pk=record.pk)

    return _workflow(request, pk, run)


@require_POST
@cap_required(Cap.EDIT_RECORDS)
def record_withdraw(request: HttpRequest, pk: int) -> HttpResponse:
    def run(record: Record) -> HttpResponse:
        actions.withdraw_record(acting_user=request.user, record=record)
        messages.success(request, f"记录{quoted(record.title)}已撤回为草稿，可以修改后重新报送。")
        return redirect("ledger:record_detail", pk=record.pk)

    return _workflow(request, pk, run)


@require_POST
@cap_required(Cap.EDIT_RECORDS)
def record_revise(request: HttpRequest, pk: int) -> HttpResponse:
    def run(record: Record) -> HttpResponse:
        clone = actions.revise_record(acting_user=request.user, record=record)
        messages.success(request, f"已创建更正稿（记录 #{clone.pk}）。修改后报送，审核通过后替代原记录。")
        return redirect("ledger:record_edit", pk=clone.pk)

    return _workflow(request, pk, run)


@require_POST
@cap_required(Cap.EDIT_RECORDS)
def record_delete(request: HttpRequest, pk: int) -> HttpResponse:
    def run(record: Record) -> HttpResponse:
        title = record.title
        actions.delete_record(acting_user=request.user, record=record)
        messages.success(request, f"记录{quoted(title)}已删除。")
        return redirect(reverse("ledger:record_list"))

    return _workflow(request, pk, run)
