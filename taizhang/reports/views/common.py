"""What the reports views share: finding a summary the user may see or edit, the preview with clickable figures,
the source panel of one figure, file downloads."""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import quote

from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.urls import reverse

from taizhang.core.errors import NotPermitted
from taizhang.core.querysets import get_scoped
from taizhang.ledger import providers
from taizhang.ledger.figures import rows_link
from taizhang.ledger.models import Record
from taizhang.org.models import Unit
from taizhang.org.roles import Cap
from taizhang.org.scoping import can_in_unit
from taizhang.reports import sources
from taizhang.reports.document import Document, Figure, describe_source
from taizhang.reports.docwriter import write_html
from taizhang.reports.models import Summary

STYLE_LABELS = {
    "title": "标题", "heading1": "一级标题", "heading2": "二级标题", "heading3": "三级标题", "heading4": "四级标题",
    "body": "正文", "signature": "落款", "date": "日期", "note": "附注",
}
KIND_LABELS = {
    "ledger": "台账统计", "change": "同比变化", "rank": "排名", "record": "单条记录", "target": "目标完成率",
    "assessment": "考核结果", "monitor": "舆情监测", "sum": "合计",
}
_FIGURE_LINK_RE = re.compile(r'<a class="tz-figure" data-figure="([A-Za-z0-9_]+)" href="#"')
ROWS_PER_LINK = 200  # ids per link to a provider's rows page (a request line stays well within 4 KB)


def get_summary(request: HttpRequest, pk: int, *, edit: bool = False) -> Summary:
    """A summary in the user's view; drafts only for those who manage work in its unit (others: 404).
    With edit=True the user must manage work in its unit (403 when they only see it)."""
    summary = get_scoped(Summary.objects.select_related("unit", "created_by"), request.user, Cap.VIEW, pk=pk)
    manages = can_in_unit(request.user, Cap.MANAGE_WORK, summary.unit)
    if summary.is_draft and not manages:
        raise Http404("未找到该总结，或您无权查看。")
    if edit and not manages:
        raise NotPermitted("您没有修改该总结的权限。")
    return summary


def can_manage(request: HttpRequest, summary: Summary) -> bool:
    return can_in_unit(request.user, Cap.MANAGE_WORK, summary.unit)


def link_figures(fragment: str, url_name: str, pk: int | None = None, *, panel: bool = False,
                 kwargs: dict[str, Any] | None = None) -> str:
    """A `write_html` fragment with each figure linked to its source page `url_name` (kwargs pk, fig_id; or
    `kwargs` and fig_id for a document that is not stored, e.g. a period's); with `panel`, htmx loads the page into
    the side panel instead. Without this, figures were `href="#"`: a tap on a phone (no hover title) jumped to the
    top of the page."""
    head, _, tail = reverse(url_name, kwargs={**(kwargs if kwargs is not None else {"pk": pk}),
                                              "fig_id": "FIG"}).rpartition("FIG")

    def link(match: re.Match[str]) -> str:
        url = head + match.group(1) + tail
        extra = (f' hx-get="{url}" hx-target="#tz-figure-panel" hx-swap="innerHTML" hx-push-url="false"'
                 if panel else "")
        return f'<a class="tz-figure" data-figure="{match.group(1)}" href="{url}"{extra}'

    return _FIGURE_LINK_RE.sub(link, fragment)


def preview_html(summary: Summary, doc: Document, *, appendix: bool = False) -> str:
    """write_html with each figure linked to its source page (loaded into the side panel by htmx)."""
    return link_figures(write_html(doc, appendix=appendix), "reports:figure_source", summary.pk, panel=True)


def figure_context(request: HttpRequest, summary: Summary | None, figure: Figure, *,
                   page_url: str = "") -> dict[str, Any]:
    """Everything the source panel shows: what, where, when, the records (only those the user may see).
    `page_url` is the panel's own address (for its pages of records): a summary's figure page by default.

    A figure of a computed metric (its source names a `provider`: 随手拍 reports, cases, volunteer hours…) counts
    the provider's rows, not ledger records: they are not looked up among the records (the ids are another
    table's) but linked on the provider's own rows page (`rows_links`), which shows only what the user may see,
    masked as everywhere else."""
    source = dict(figure.source)
    described = describe_source(figure)
    provided = bool(source.get("provider"))
    provider = providers.get(str(source.get("metric") or "")) if provided else None
    fresh = sources.recompute(source)
    display = source.get("display")
    current_text = sources.render(fresh.value, display) if fresh.value is not None and display else None
    ids = [int(i) for i in (source.get("records") or []) if str(i).isdigit()]
    visible = Record.objects.visible_to(request.user, Cap.VIEW).filter(
        pk__in=[] if provided else ids[:5000]).select_related("unit", "activity_type").order_by("-start_date", "-id")
    page = Paginator(visible, 20).get_page(request.GET.get("page"))
    units = {u.code: u.name for u in Unit.objects.filter(code__in=[
        *[r.get("key") for r in source.get("breakdown") or []], source.get("parent") or ""])}
    breakdown = [{"name": units.get(r.get("key"), r.get("key")), "value": r.get("value"),
                  "records": len(r.get("records") or []), "mine": r.get("key") == source.get("unit")}
                 for r in source.get("breakdown") or []]
    trace_ids = ",".join(str(i) for i in ids[:300])
    if not page_url and summary is not None:
        page_url = reverse("reports:figure_source", kwargs={"pk": summary.pk, "fig_id": figure.id})
    kind = str(source.get("kind") or "ledger")
    if provided and isinstance(source.get("units"), list) and source["units"]:
        described = {**described, "scope": _units_scope(source["units"]) or described["scope"]}
    return {
        "summary": summary, "figure": figure, "source": source, "described": described, "page_url": page_url,
        "kind_label": "系统计算" if provided else KIND_LABELS.get(kind, kind),
        "how": provider.description if provider is not None else "",
        "basis": "当前数据" if provided or kind == "monitor" else "台账",
        "fresh": fresh, "current_text": current_text,
        "matches": fresh.value is not None and (current_text == figure.text if current_text else
                                                fresh.value == figure.value),
        "has_records": "records" in source, "provided": provided,
        "record_count": len(ids), "page": page,
        "hidden": max(0, len(ids) - visible.count()) if ids and not provided else 0,
        "breakdown": breakdown, "parent_name": units.get(source.get("parent") or ""),
        "trace_url": (f"{reverse('ledger:record_list')}?ids={quote(trace_ids)}"
                      if ids and len(ids) <= 300 and not provided else ""),
        "rows_links": _rows_links(provider, sorted(ids)[:5000]),
    }


def _units_scope(unit_ids: list[Any]) -> str:
    """The units a list of unit ids covers, by their top units' names (a street's subtree: the street)."""
    ids = [int(u) for u in unit_ids if str(u).isdigit()]
    tops = Unit.objects.filter(pk__in=ids).exclude(parent_id__in=ids).order_by("path")
    names = [u.name for u in tops[:6]]
    return "、".join(names[:5]) + ("等" if len(names) > 5 else "")


def _rows_links(provider: providers.Provider | None, ids: list[int]) -> list[dict[str, str]]:
    """Links to the provider's rows page listing `ids`, `ROWS_PER_LINK` at a time."""
    if provider is None or not provider.rows_url or not ids:
        return []
    out = []
    for at in range(0, len(ids), ROWS_PER_LINK):
        chunk = ids[at:at + ROWS_PER_LINK]
        url = rows_link(provider.rows_url, chunk)
        if not url:
            return []
        label = f"查看这 {len(ids)} 条" if len(ids) <= ROWS_PER_LINK else f"第 {at + 1}–{at + len(chunk)} 条"
        out.append({"label": label, "url": url})
    return out


def document_figure_page(request: HttpRequest, document: dict[str, Any], fig_id: str, *, app: str, pk: int,
                         title: str) -> HttpResponse:
    """The source page of one figure of a stored document (a bulletin): `app`'s URLs `bulletin_figure` (this
    page, for its pages of records) and `bulletin_detail` (the way back)."""
    return figure_page(request, Document.from_dict(document), fig_id,
                       page_url=reverse(f"{app}:bulletin_figure", kwargs={"pk": pk, "fig_id": fig_id}),
                       back_url=reverse(f"{app}:bulletin_detail", args=[pk]), back_title=title)


def figure_page(request: HttpRequest, doc: Document, fig_id: str, *, page_url: str, back_url: str,
                back_title: str, missing: str = "通报中没有该数据。",
                extra: dict[str, Any] | None = None) -> HttpResponse:
    """The source page of one figure of `doc` (reports/figure_source.html): `page_url` is this page (for its
    pages of records), `back_url`/`back_title` the way back; 404 with `missing` when `doc` has no such figure.
    `extra` adds to the context (e.g. `rows_links`, `how` of a kind the page's app knows)."""
    from django.shortcuts import render

    figure = doc.figure_map().get(fig_id)
    if figure is None:
        raise Http404(missing)
    context = figure_context(request, None, figure, page_url=page_url)
    context.update(back_url=back_url, back_title=back_title, **(extra or {}))
    return render(request, "reports/figure_source.html", context)


def attachment(data: bytes, filename: str, content_type: str) -> HttpResponse:
    response = HttpResponse(data, content_type=content_type)
    ascii_name = re.sub(r"[^A-Za-z0-9._-]", "_", filename) or "download"
    response["Content-Disposition"] = f"attachment; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(filename)}"
    return response


def error_text(exc: Any) -> str:
    """An action error with its details (InvalidInput.errors) for a flash message."""
    errors = getattr(exc, "errors", {}) or {}
    details = [str(m) for msgs in errors.values() for m in (msgs if isinstance(msgs, list) else [msgs])]
    return exc.message + ("（" + "；".join(details[:5]) + "）" if details else "")
