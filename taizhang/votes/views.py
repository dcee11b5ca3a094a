"""Staff pages of public votes: the polls, a poll's valid and wiped votes per option and per rule, detection runs,
the wiped votes of a rule or run (voters shown only as the first characters of digests) and restoring them, the
published counts, the rules. Polls belong to a unit (the campaign's, else the district): `view` there to see,
`manage_work` there to detect, restore, publish or close."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_GET, require_POST

from taizhang.core.errors import InvalidInput, InvalidTransition
from taizhang.core.jobs import enqueue
from taizhang.core.querysets import get_scoped, parse_id
from taizhang.org.models import Unit
from taizhang.org.roles import Cap
from taizhang.org.scoping import can_in_unit
from taizhang.org.views import cap_required
from taizhang.votes import actions, detection
from taizhang.votes.models import AnomalyRule, DetectionRun, Poll, Vote


@require_GET
@cap_required(Cap.VIEW)
def poll_list(request: HttpRequest) -> HttpResponse:
    polls = Poll.objects.visible_to(request.user).select_related("unit").order_by("-opens_at", "-id")
    page = Paginator(polls, 30).get_page(request.GET.get("page"))
    return render(request, "votes/poll_list.html", {"page": page})


@require_GET
@cap_required(Cap.VIEW)
def poll_detail(request: HttpRequest, pk: int) -> HttpResponse:
    poll = get_scoped(Poll.objects.select_related("unit"), request.user, pk=pk)
    summary = actions.audit_summary(poll)
    return render(request, "votes/poll_detail.html", {
        "poll": poll, "summary": summary, "runs": poll.runs.order_by("-started_at", "-id")[:20],
        "publications": poll.publications.order_by("-cutoff")[:14],
        "can_manage": can_in_unit(request.user, Cap.MANAGE_WORK, poll.unit)})


@require_POST
@cap_required(Cap.MANAGE_WORK)
def poll_detect(request: HttpRequest, pk: int) -> HttpResponse:
    poll = get_scoped(Poll.objects.all(), request.user, Cap.MANAGE_WORK, pk=pk)
    enqueue("votes.detect", {"poll": poll.pk}, user=request.user)
    messages.success(request, "已开始刷票检测，完成后在“检测记录”中查看结果。")
    return redirect("votes:poll_detail", pk=poll.pk)


@require_POST
@cap_required(Cap.MANAGE_WORK)
def poll_publish(request: HttpRequest, pk: int) -> HttpResponse:
    poll = get_scoped(Poll.objects.all(), request.user, Cap.MANAGE_WORK, pk=pk)
    actions.detect(acting_user=request.user, poll=poll, trigger="publish")
    pub = actions.publish_counts(acting_user=request.user, poll=poll)
    if pub is None:
        messages.info(request, "昨天的计数已经公布（或投票昨天尚未开始），每天只公布一次。")
    else:
        messages.success(request, f"已公布截至 {pub.cutoff:%Y-%m-%d %H:%M} 的计数。")
    return redirect("votes:poll_detail", pk=poll.pk)


@require_POST
@cap_required(Cap.MANAGE_WORK)
def poll_close(request: HttpRequest, pk: int) -> HttpResponse:
    poll = get_scoped(Poll.objects.all(), request.user, Cap.MANAGE_WORK, pk=pk)
    try:
        actions.close_poll(acting_user=request.user, poll=poll)
    except InvalidTransition as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, "投票已结束，最终计数已公布。")
    return redirect("votes:poll_detail", pk=poll.pk)


@require_GET
@cap_required(Cap.VIEW)
def run_detail(request: HttpRequest, pk: int) -> HttpResponse:
    run = get_object_or_404(DetectionRun.objects.select_related("poll", "acting_user"), pk=pk)
    poll = get_scoped(Poll.objects.all(), request.user, pk=run.poll_id)
    return render(request, "votes/run_detail.html", {"run": run, "poll": poll})


@require_GET
@cap_required(Cap.VIEW)
def wiped_votes(request: HttpRequest, pk: int) -> HttpResponse:
    poll = get_scoped(Poll.objects.select_related("unit"), request.user, pk=pk)
    qs = Vote.objects.filter(poll=poll, wiped_by__isnull=False).select_related("option", "wiped_by")
    rule = request.GET.get("rule") or ""
    if rule in AnomalyRule.Kind.values:
        qs = qs.filter(wiped_by__key=rule)
    run_id = request.GET.get("run") or ""
    if run_id.isdigit():
        qs = qs.filter(wipe_run_id=int(run_id))
    state = request.GET.get("state") or ""
    if state == "wiped":
        qs = qs.filter(valid=False)
    elif state == "restored":
        qs = qs.filter(restored=True)
    page = Paginator(qs.order_by("cast_at", "id"), 50).get_page(request.GET.get("page"))
    query = "&".join(f"{k}={v}" for k, v in (("rule", rule), ("run", run_id), ("state", state)) if v)
    return render(request, "votes/wiped_votes.html", {
        "poll": poll, "page": page, "rule": rule, "run": run_id, "state": state, "rules": AnomalyRule.Kind.choices,
        "qs": "&" + query if query else "", "can_manage": can_in_unit(request.user, Cap.MANAGE_WORK, poll.unit)})


@require_POST
@cap_required(Cap.MANAGE_WORK)
def restore(request: HttpRequest, pk: int) -> HttpResponse:
    poll = get_scoped(Poll.objects.all(), request.user, Cap.MANAGE_WORK, pk=pk)
    try:
        ids = [parse_id(x, name="votes") for x in request.POST.getlist("votes")][:1000]
        n = actions.restore_votes(acting_user=request.user, poll=poll, vote_ids=ids,
                                  reason=request.POST.get("reason", ""))
    except InvalidInput as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, f"已恢复 {n} 票，恢复理由已记入审计日志。")
    return redirect("votes:wiped", pk=poll.pk)


def _root() -> Unit | None:
    return Unit.objects.filter(parent__isnull=True).order_by("sort_order", "id").first()


@require_GET
@cap_required(Cap.VIEW)
def rule_list(request: HttpRequest) -> HttpResponse:
    actions.ensure_rules()
    root = _root()
    rows = [(r, [(name, r.params.get(name, "")) for name in detection.PARAMS.get(r.key, {})])
            for r in AnomalyRule.objects.order_by("order", "id")]
    return render(request, "votes/rule_list.html", {
        "rows": rows, "can_edit": root is not None and can_in_unit(request.user, Cap.MANAGE_WORK, root)})


@require_POST
@cap_required(Cap.MANAGE_WORK)
def rule_edit(request: HttpRequest, pk: int) -> HttpResponse:
    rule = get_object_or_404(AnomalyRule, pk=pk)
    params: dict[str, Any] = {name: request.POST.get(name, "") for name in detection.PARAMS.get(rule.key, {})}
    try:
        actions.update_rule(acting_user=request.user, rule=rule, params=params, active=bool(request.POST.get("active")))
    except InvalidInput as exc:
        messages.error(request, exc.message + "：" + "；".join(exc.errors.get("params", [])))
    else:
        messages.success(request, f"规则“{rule.name}”已修改，下次检测时生效。")
    return redirect("votes:rules")
