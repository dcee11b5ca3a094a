"""The review queue (审核): submitted records of the units the reviewer may review, oldest first; approve (with an
optional comment), return (reason required), bulk approve."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from django.contrib import messages
from django.core.paginator import Paginator
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse, QueryDict
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_POST

from taizhang.core.errors import InvalidInput, InvalidTransition
from taizhang.core.querysets import get_scoped
from taizhang.core.text import quoted
from taizhang.ledger import actions
from taizhang.ledger.forms import ReviewFilterForm, parse_ids
from taizhang.ledger.models import Placement, Record
from taizhang.ledger.views.common import figure_rows
from taizhang.org.roles import Cap
from taizhang.org.views import cap_required, safe_next

PAGE_SIZE = 50
BULK_LIMIT = 200


def _queue_url(request: HttpRequest) -> str:
    return safe_next(request, reverse("ledger:review_queue"))


def _queue_context(request: HttpRequest, params: QueryDict, here: str) -> dict[str, Any]:
    user = request.user
    form = ReviewFilterForm(params or None, user=user)
    if form.is_bound:
        form.is_valid()
    qs: QuerySet[Record] = (
        Record.objects.visible_to(user, Cap.REVIEW_RECORDS)
        .filter(status=Record.Status.SUBMITTED)
        .select_related("unit", "activity_type", "activity_type__line", "created_by")
        .order_by("submitted_at", "id")
    )
    qs = form.filter(qs)
    page = Paginator(qs, PAGE_SIZE).get_page(params.get("page"))
    return {"form": form, "page": page, "here": here}


@require_GET
@cap_required(Cap.REVIEW_RECORDS)
def review_queue(request: HttpRequest) -> HttpResponse:
    return render(request, "ledger/review_queue.html",
                  _queue_context(request, request.GET, request.get_full_path()))


def _item_context(request: HttpRequest, record: Record) -> dict[str, Any]:
    return {
        "record": record,
        "figures": figure_rows(list(record.figures.select_related("metric"))),
        "placement": Placement.objects.filter(record=record).select_related("outlet").first(),
        "evidence": list(record.evidence.all()),
        "here": safe_next(request, reverse("ledger:review_queue")),
    }


@require_GET
@cap_required(Cap.REVIEW_RECORDS)
def review_item(request: HttpRequest, pk: int) -> HttpResponse:
    """htmx: the expanded row of the queue — figures, placement and evidence of one record."""
    record = get_scoped(Record.objects.select_related("unit", "activity_type"), request.user, Cap.REVIEW_RECORDS,
                        pk=pk)
    return render(request, "ledger/_review_item.html", _item_context(request, record))


@require_POST
@cap_required(Cap.REVIEW_RECORDS)
def review_approve(request: HttpRequest, pk: int) -> HttpResponse:
    record = get_scoped(Record.objects.select_related("unit"), request.user, Cap.REVIEW_RECORDS, pk=pk)
    comment = request.POST.get("comment", "").strip()[:2000]
    try:
        actions.approve_record(acting_user=request.user, record=record, comment=comment)
    except (InvalidTransition, InvalidInput) as exc:
        messages.error(request, f"{quoted(record.title)}：{exc.message}")
    else:
        messages.success(request, f"已审核通过{quoted(record.title)}。")
    return redirect(_queue_url(request))


@require_POST
@cap_required(Cap.REVIEW_RECORDS)
def review_return(request: HttpRequest, pk: int) -> HttpResponse:
    record = get_scoped(Record.objects.select_related("unit", "activity_type"), request.user, Cap.REVIEW_RECORDS,
                        pk=pk)
    reason = request.POST.get("reason", "")[:2000]
    try:
        actions.return_record(acting_user=request.user, record=record, reason=reason)
    except InvalidInput as exc:
        # Refused (no reason): the queue again with this record's panel open, the error at the field, the text kept.
        return _queue_with_open_item(request, record, reason, exc)
    except InvalidTransition as exc:
        messages.error(request, f"{quoted(record.title)}未退回：{exc.message}")
    else:
        messages.success(request, f"已退回{quoted(record.title)}，退回原因已通知填报单位。")
    return redirect(_queue_url(request))


def _queue_with_open_item(request: HttpRequest, record: Record, reason: str, exc: InvalidInput) -> HttpResponse:
    here = _queue_url(request)
    context = _queue_context(request, QueryDict(urlsplit(here).query), here)
    item = _item_context(request, record)
    item["reason"] = reason
    item["reason_error"] = exc.message
    context["open_item"] = item
    context["open_in_page"] = any(r.pk == record.pk for r in context["page"].object_list)
    return render(request, "ledger/review_queue.html", context, status=400)


@require_POST
@cap_required(Cap.REVIEW_RECORDS)
def review_bulk_approve(request: HttpRequest) -> HttpResponse:
    ids = parse_ids(",".join(request.POST.getlist("ids")))[:BULK_LIMIT]
    if not ids:
        messages.warning(request, "请先勾选要审核通过的记录。")
        return redirect(_queue_url(request))
    records = list(
        Record.objects.visible_to(request.user, Cap.REVIEW_RECORDS).filter(pk__in=ids).select_related("unit")
    )
    done, failed = 0, []
    for record in records:
        try:
            actions.approve_record(acting_user=request.user, record=record)
            done += 1
        except (InvalidTransition, InvalidInput) as exc:
            failed.append(f"{quoted(record.title)}：{exc.message}")
    skipped = len(ids) - len(records)
    if done:
        messages.success(request, f"已批量审核通过 {done} 条记录。")
    if failed:
        more = "…" if len(failed) > 5 else ""
        messages.error(request, f"{len(failed)} 条未能通过：" + "；".join(failed[:5]) + more)
    if skipped:
        messages.warning(request, f"{skipped} 条记录不存在或不在您的审核范围内，未处理。")
    return redirect(_queue_url(request))
