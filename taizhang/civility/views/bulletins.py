"""Bulletins (通报): draft from the figures, the publishing step (choose photos, blur regions, confirm), download."""

from __future__ import annotations

from django.contrib import messages
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render
from django.utils.safestring import mark_safe
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from taizhang.civility import actions
from taizhang.civility.forms import BulletinForm, BulletinPhotoForm
from taizhang.civility.models import BulletinPhoto, CivilityBulletin, Photo, Problem
from taizhang.civility.periods import parse_spec
from taizhang.civility.photos import parse_regions
from taizhang.civility.views.common import fail
from taizhang.core import audit
from taizhang.core.errors import TaizhangError
from taizhang.core.querysets import get_scoped
from taizhang.org.roles import Cap
from taizhang.org.scoping import can_in_unit, home_unit, unit_ids_for
from taizhang.org.views import cap_required
from taizhang.reports.document import Document
from taizhang.reports.docwriter import write_html
from taizhang.reports.views.common import document_figure_page, link_figures

DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


@require_http_methods(["GET", "POST"])
@cap_required(Cap.VIEW)
def bulletin_list(request: HttpRequest) -> HttpResponseBase:
    can_manage = bool(unit_ids_for(request.user, Cap.MANAGE_WORK))
    form = BulletinForm(request.POST or None)
    if request.method == "POST" and can_manage and form.is_valid():
        owner = home_unit(request.user)
        try:
            if owner is None:
                raise TaizhangError("您没有所属单位")
            bulletin = actions.create_bulletin(acting_user=request.user, owner=owner, kind=form.cleaned_data["kind"],
                                               period_spec=form.cleaned_data["period"])
            return redirect("civility:bulletin_detail", pk=bulletin.pk)
        except TaizhangError as exc:
            fail(request, exc)
    bulletins = CivilityBulletin.objects.visible_to(request.user).order_by("-issued_on", "-id")[:200]
    return render(request, "civility/bulletin_list.html", {"bulletins": bulletins, "form": form,
                                                           "can_manage": can_manage})


@require_http_methods(["GET", "POST"])
@cap_required(Cap.VIEW)
def bulletin_detail(request: HttpRequest, pk: int) -> HttpResponseBase:
    bulletin = get_scoped(CivilityBulletin.objects.select_related("owner"), request.user, Cap.VIEW, pk=pk)
    can_manage = can_in_unit(request.user, Cap.MANAGE_WORK, bulletin.owner)
    if request.method == "POST" and can_manage:
        try:
            action = request.POST.get("action")
            if action == "photo":
                photo = Photo.objects.get(pk=int(request.POST.get("photo") or 0))
                form = BulletinPhotoForm(request.POST)
                if form.is_valid():
                    regions = parse_regions(form.cleaned_data["regions"], photo.width, photo.height)
                    actions.set_bulletin_photo(acting_user=request.user, bulletin=bulletin, photo=photo,
                                               regions=regions, caption=form.cleaned_data["caption"],
                                               checked=form.cleaned_data["checked"])
                    messages.success(request, "照片已处理")
            elif action == "remove":
                item = BulletinPhoto.objects.get(pk=int(request.POST.get("item") or 0), bulletin=bulletin)
                actions.remove_bulletin_photo(acting_user=request.user, item=item)
            elif action == "publish":
                actions.publish_bulletin(acting_user=request.user, bulletin=bulletin)
                messages.success(request, "通报已发布")
            return redirect("civility:bulletin_detail", pk=bulletin.pk)
        except (Photo.DoesNotExist, BulletinPhoto.DoesNotExist, ValueError):
            messages.error(request, "未找到该照片")
        except TaizhangError as exc:
            fail(request, exc)
    doc = Document.from_dict(bulletin.document)
    # write_html escapes every text and emits classes only; each figure links to its source page
    preview = mark_safe(link_figures(write_html(doc), "civility:bulletin_figure", bulletin.pk))  # noqa: S308
    chosen = list(bulletin.photos.select_related("photo"))
    candidates: list[Photo] = []
    if can_manage and bulletin.status == CivilityBulletin.Status.DRAFT:
        period = parse_spec(bulletin.period_spec)
        problems = Problem.objects.filter(found_on__gte=period.start, found_on__lte=period.end,
                                          unit__path__startswith=bulletin.owner.path)
        taken = {c.photo_id for c in chosen}
        candidates = [p for p in Photo.objects.filter(problem__in=problems).order_by("-id")[:40] if p.pk not in taken]
    return render(request, "civility/bulletin_detail.html", {
        "bulletin": bulletin, "preview": preview, "figures": sum(1 for _ in doc.figures()), "chosen": chosen,
        "candidates": candidates, "can_manage": can_manage, "photo_form": BulletinPhotoForm(),
    })


@require_GET
@cap_required(Cap.VIEW)
def bulletin_figure(request: HttpRequest, pk: int, fig_id: str) -> HttpResponseBase:
    """One figure of a bulletin: what it counts, whether it still holds, the records behind it the user may see."""
    bulletin = get_scoped(CivilityBulletin.objects.select_related("owner"), request.user, Cap.VIEW, pk=pk)
    return document_figure_page(request, bulletin.document, fig_id, app="civility", pk=pk, title=bulletin.title)


@require_GET
@cap_required(Cap.VIEW)
def bulletin_photo(request: HttpRequest, pk: int) -> HttpResponseBase:
    """The blurred copy (what the bulletin publishes)."""
    item = BulletinPhoto.objects.select_related("bulletin").filter(pk=pk).first()
    if item is None or not item.image or item.bulletin.owner_id not in unit_ids_for(request.user, Cap.VIEW):
        raise Http404("未找到照片。")
    return FileResponse(item.image.open("rb"), content_type="image/jpeg")


@require_GET
@cap_required(Cap.VIEW)
def bulletin_download(request: HttpRequest, pk: int) -> HttpResponseBase:
    bulletin = get_scoped(CivilityBulletin.objects.all(), request.user, Cap.VIEW, pk=pk)
    if not bulletin.file:
        raise Http404("通报尚未发布。")
    audit.record("download", bulletin, user=request.user, message="下载创建通报")
    response = FileResponse(bulletin.file.open("rb"), content_type=DOCX, as_attachment=True,
                            filename=bulletin.filename or "通报.docx")
    response["Cache-Control"] = "private, no-store"
    return response


__all__ = ["HttpResponse", "require_POST"]
