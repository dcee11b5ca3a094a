"""用稿线索: articles about the district in outside outlets, confirmed into the ledger or dismissed."""

from __future__ import annotations

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_GET, require_POST

from taizhang.core.errors import InvalidInput, InvalidTransition
from taizhang.core.numbers import ID_MAX
from taizhang.monitor import actions
from taizhang.monitor.models import PlacementProposal
from taizhang.monitor.views.common import day_filter, manager_required
from taizhang.org.models import Unit


@require_GET
@manager_required
def proposal_list(request: HttpRequest) -> HttpResponse:
    """The proposals of one status (pending by default); with `day` (from a daily brief's figure) those published
    on that day, of every status unless one is chosen — as the brief counted them."""
    day, day_error = day_filter(request)
    status = request.GET.get("status") or ("" if day is not None else PlacementProposal.Status.PROPOSED)
    qs = PlacementProposal.objects.select_related("outlet", "unit", "record")
    if status:
        qs = qs.filter(status=status)
    if day is not None:
        qs = qs.filter(published_on=day)
    page = Paginator(qs.order_by("-published_on", "-id"), 30).get_page(request.GET.get("page"))
    return render(request, "monitor/proposal_list.html", {
        "page": page, "status": status, "statuses": PlacementProposal.Status.choices, "day": day,
        "day_error": day_error,
        "units": Unit.objects.filter(is_active=True).order_by("path"),
    })


@require_POST
@manager_required
def proposal_decide(request: HttpRequest, pk: int) -> HttpResponse:
    """确认用稿 / 忽略: buttons on the list. What they refuse is the proposal's state or the taxonomy, not anything
    typed, so a refusal goes back to the list with the reason; a unit that is no unit id is refused, never a 500."""
    proposal = get_object_or_404(PlacementProposal, pk=pk)
    try:
        if request.POST.get("decision") == "accept":
            raw = str(request.POST.get("unit") or "").strip()
            if raw and not (raw.isdigit() and int(raw) <= ID_MAX):
                raise InvalidInput("计入单位无效，请在列表中重新选择单位后再确认。", {"unit": ["单位无效"]})
            unit = Unit.objects.filter(pk=int(raw) if raw else proposal.unit_id).first()
            actions.accept_proposal(acting_user=request.user, proposal=proposal, unit=unit)
            messages.success(request, f"已生成台账用稿记录（记录 #{proposal.record_id}），待审核。")
        else:
            actions.reject_proposal(acting_user=request.user, proposal=proposal)
            messages.success(request, "已忽略该线索。")
    except (InvalidInput, InvalidTransition) as exc:
        messages.error(request, exc.message)
    return redirect("monitor:proposal_list")
