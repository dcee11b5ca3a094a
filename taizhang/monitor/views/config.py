"""信息源 (sources, uploads of export files) and 关注词 (watch lists with a live expression check)."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from taizhang.core.errors import InvalidInput, StaleObjectError
from taizhang.core.forms import form_page_status, place_action_errors
from taizhang.core.permissions import MANAGE_SECURITY
from taizhang.core.permissions import cap_required as core_cap_required
from taizhang.core.uploads import check_upload, max_upload_bytes
from taizhang.monitor import actions
from taizhang.monitor.forms import ExpressionTestForm, InternalAddressForm, SourceForm, UploadForm, WatchListForm
from taizhang.monitor.models import AlertChannel, IngestBatch, Source, WatchList
from taizhang.monitor.pipeline.normalize import normalize_text
from taizhang.monitor.pipeline.watchlist import WatchListMatcher
from taizhang.monitor.views.common import manager_required

STALE = "已被他人修改，请核对下面的内容（您填写的仍在）后重新保存；如需看到他人的修改，请刷新页面。"


@require_GET
@manager_required
def source_list(request: HttpRequest) -> HttpResponse:
    return _source_page(request, UploadForm())


def _source_page(request: HttpRequest, upload_form: UploadForm, status: int = 200) -> HttpResponse:
    return render(request, "monitor/source_list.html", {
        "sources": Source.objects.select_related("outlet").order_by("kind", "name"),
        "batches": IngestBatch.objects.select_related("source").order_by("-id")[:15],
        "upload_form": upload_form,
    }, status=status)


@require_http_methods(["GET", "POST"])
@manager_required
def source_edit(request: HttpRequest, pk: int | None = None) -> HttpResponse:
    source = get_object_or_404(Source, pk=pk) if pk else None
    form = SourceForm(request.POST or None, instance=source)
    if request.method == "POST" and form.is_valid():
        try:
            if source is None:
                source, token = actions.create_source(acting_user=request.user, **form.values())
                if token:
                    return render(request, "monitor/source_token.html", {"source": source, "token": token})
            else:
                values = form.values()
                values.pop("kind", None)
                actions.update_source(acting_user=request.user, source=source,
                                      expected_version=form.cleaned_data.get("version") or source.version, **values)
        except InvalidInput as exc:
            place_action_errors(form, exc, with_message=True)
        except StaleObjectError:
            form.add_error(None, STALE)
            return render(request, "monitor/source_form.html", {"form": form, "source": source}, status=409)
        else:
            messages.success(request, f"信息源“{source.name}”已保存。")
            return redirect("monitor:source_list")
    return render(request, "monitor/source_form.html", {"form": form, "source": source},
                  status=form_page_status(request))


@require_POST
@manager_required
def source_poll(request: HttpRequest, pk: int) -> HttpResponse:
    source = get_object_or_404(Source, pk=pk)
    try:
        actions.schedule_poll_now(acting_user=request.user, source=source)
    except InvalidInput as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, f"“{source.name}”已排入下一轮采集（由 taizhang monitor run 执行）。")
    return redirect("monitor:source_list")


@require_POST
@manager_required
def source_token(request: HttpRequest, pk: int) -> HttpResponse:
    source = get_object_or_404(Source, pk=pk, kind=Source.Kind.API)
    token = actions.rotate_source_token(acting_user=request.user, source=source)
    return render(request, "monitor/source_token.html", {"source": source, "token": token})


@require_POST
@manager_required
def source_delete(request: HttpRequest, pk: int) -> HttpResponse:
    source = get_object_or_404(Source, pk=pk)
    actions.delete_source(acting_user=request.user, source=source)
    messages.success(request, f"信息源“{source.name}”已删除；已采集的信息保留。")
    return redirect("monitor:source_list")


@require_POST
@manager_required
def source_upload(request: HttpRequest) -> HttpResponse:
    """An export file read into a batch. A refused file comes back on the sources page (400) with the problem under
    the file field and the chosen source kept; no browser keeps the file, so the page names it, to be chosen again."""
    form = UploadForm(request.POST, request.FILES)
    if not form.is_valid():
        return _source_page(request, form, status=400)
    upload = form.cleaned_data["file"]
    try:
        if upload.name.lower().endswith((".xlsx", ".xlsm")):
            check_upload(upload, {"xlsx"})  # OOXML safety: macros, entities, zip bombs
            upload.seek(0)
        elif upload.size > max_upload_bytes():
            raise InvalidInput(f"文件过大（上限 {max_upload_bytes() // 1024 // 1024} MB），请拆分后分批导入。")
        batch = actions.ingest_file(acting_user=request.user, data=upload.read(), filename=upload.name,
                                    source=form.cleaned_data.get("source"))
    except InvalidInput as exc:
        details = "；".join(m for msgs in exc.errors.values() for m in msgs[:10])
        form.add_error("file", f"“{upload.name}”未导入：{exc.message}"
                               f"{'：' + details if details and details not in exc.message else ''}")
        return _source_page(request, form, status=400)
    actions.dispatch_batch(batch.pk)
    messages.success(request, f"已接收{batch.received}条，正在分析（批次{batch.pk}）。")
    return redirect("monitor:source_list")


@require_GET
@manager_required
def watchlist_list(request: HttpRequest) -> HttpResponse:
    return render(request, "monitor/watchlist_list.html", {
        "watchlists": WatchList.objects.all(), "test_form": ExpressionTestForm(),
    })


@require_http_methods(["GET", "POST"])
@manager_required
def watchlist_edit(request: HttpRequest, pk: int | None = None) -> HttpResponse:
    watchlist = get_object_or_404(WatchList, pk=pk) if pk else None
    form = WatchListForm(request.POST or None, instance=watchlist)
    if request.method == "POST" and form.is_valid():
        try:
            if watchlist is None:
                watchlist = actions.create_watchlist(acting_user=request.user, **form.values())
            else:
                actions.update_watchlist(acting_user=request.user, watchlist=watchlist,
                                         expected_version=form.cleaned_data.get("version") or watchlist.version,
                                         **form.values())
        except InvalidInput as exc:
            place_action_errors(form, exc, with_message=True)
        except StaleObjectError:
            form.add_error(None, STALE)
            return render(request, "monitor/watchlist_form.html", {"form": form, "watchlist": watchlist}, status=409)
        else:
            messages.success(request, f"关注词“{watchlist.name}”已保存，下一批信息起生效。")
            return redirect("monitor:watchlist_list")
    return render(request, "monitor/watchlist_form.html", {"form": form, "watchlist": watchlist},
                  status=form_page_status(request))


@require_POST
@manager_required
def watchlist_delete(request: HttpRequest, pk: int) -> HttpResponse:
    actions.delete_watchlist(acting_user=request.user, watchlist=get_object_or_404(WatchList, pk=pk))
    messages.success(request, "关注词已删除。")
    return redirect("monitor:watchlist_list")


@require_POST
@manager_required
def watchlist_test(request: HttpRequest) -> HttpResponse:
    """htmx: is the expression valid, and does it match the sample text?"""
    form = ExpressionTestForm(request.POST)
    result: dict[str, object] = {}
    if form.is_valid():
        try:
            wl = actions.check_expression(form.cleaned_data["expression"])
        except InvalidInput as exc:
            result = {"error": exc.errors.get("expression", [exc.message])[0]}
        else:
            text = normalize_text(form.cleaned_data["text"])
            result = {"matched": bool(WatchListMatcher([wl]).match(text)), "terms": wl.terms}
    return render(request, "monitor/_expression_result.html", {"result": result})


@require_http_methods(["GET", "POST"])
@core_cap_required(MANAGE_SECURITY)
def internal_addresses(request: HttpRequest) -> HttpResponse:
    """内网地址许可: the security administrator decides which sources and webhooks may reach private addresses. A
    refused change comes back on this page (400) with the reason typed kept in its row and the problem beside it."""
    refused: dict[str, str] = {}
    if request.method == "POST":
        form = InternalAddressForm(request.POST)
        if not form.is_valid():
            if "target" in form.errors:
                messages.error(request, "请求有误，请刷新页面后重试。")
                return redirect("monitor:internal_addresses")
            refused = {"target": form.cleaned_data["target"], "reason": request.POST.get("reason", "")[:600],
                       "error": "；".join(str(e) for e in form.errors.get("reason", [])) or "请检查填写的内容"}
        else:
            kind, _, pk = form.cleaned_data["target"].partition(":")
            target: Source | AlertChannel = (
                get_object_or_404(Source, pk=int(pk)) if kind == "source"
                else get_object_or_404(AlertChannel, pk=int(pk))
            )
            try:
                actions.set_internal_address(acting_user=request.user, target=target,
                                             internal=form.cleaned_data["internal"],
                                             reason=form.cleaned_data["reason"])
            except InvalidInput as exc:
                refused = {"target": form.cleaned_data["target"], "reason": form.cleaned_data["reason"],
                           "error": (exc.errors.get("reason") or [exc.message])[0]}
            else:
                state = "已允许" if form.cleaned_data["internal"] else "已取消"
                messages.success(request, f"“{target.name}”{state}访问内网地址。")
                return redirect("monitor:internal_addresses")
        messages.error(request, f"未保存：{refused['error']}。理由已保留在该行，请修改后再提交。")
    sources = list(Source.objects.filter(kind__in=[Source.Kind.FEED, Source.Kind.PAGE]).order_by("name"))
    channels = list(AlertChannel.objects.filter(kind=AlertChannel.Kind.WEBHOOK).order_by("name"))
    for kind, rows in (("source", sources), ("channel", channels)):
        for row in rows:
            row.refused = refused if refused.get("target") == f"{kind}:{row.pk}" else None  # type: ignore[union-attr]
    return render(request, "monitor/internal_addresses.html", {"sources": sources, "channels": channels},
                  status=400 if refused else 200)
