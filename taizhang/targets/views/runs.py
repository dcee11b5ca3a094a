"""Assessment runs and rankings: the ranking page every unit sees (published results only, with charts and the rank
trend), the staff pages to run, publish and discard, and a unit's breakdown per item with its records."""

from __future__ import annotations

from collections import defaultdict
from decimal import Decimal
from typing import Any

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_POST

from taizhang.core.errors import InvalidInput, InvalidTransition, StaleObjectError
from taizhang.core.jobs import enqueue
from taizhang.core.models import Job
from taizhang.core.periods import Period
from taizhang.core.text import quoted
from taizhang.org.models import Unit
from taizhang.org.roles import Cap
from taizhang.org.scoping import home_unit
from taizhang.org.views import cap_required
from taizhang.targets import actions, charts
from taizhang.targets.forms import RunForm
from taizhang.targets.models import AssessmentResult, AssessmentRun, Scheme
from taizhang.targets.rules import LEVEL_LABELS, LEVELS
from taizhang.targets.scoring import tie_key_label
from taizhang.targets.views.common import (
    can_manage,
    error_text,
    get_run,
    records_url,
    unit_breakdown_visible,
)

R = AssessmentRun.Status
KIND_LABELS = {"month": "月度", "quarter": "季度", "year": "年度", "half": "半年", "quarters": "多季度",
               "range": "其他"}


def _managed_schemes(user: Any) -> list[Scheme]:
    return [s for s in Scheme.objects.select_related("owner").order_by("key") if can_manage(user, s.owner)]


def _results(run: AssessmentRun) -> list[AssessmentResult]:
    return list(run.results.select_related("unit").order_by("group_index", "position"))


def _groups(results: list[AssessmentResult]) -> list[tuple[str, list[AssessmentResult]]]:
    groups: list[tuple[str, list[AssessmentResult]]] = []
    for r in results:
        if not groups or groups[-1][0] != r.group_name:
            groups.append((r.group_name, []))
        groups[-1][1].append(r)
    return groups


def _result_urls(user: Any, run: AssessmentRun, results: list[AssessmentResult]) -> dict[int, str | None]:
    return {r.unit_id: reverse("targets:unit_result", args=[run.pk, r.unit.code])
            if unit_breakdown_visible(user, run, r.unit) else None for r in results}


def _previous_published(run: AssessmentRun) -> AssessmentRun | None:
    return (AssessmentRun.objects.filter(scheme=run.scheme, status=R.PUBLISHED, period_kind=run.period_kind,
                                         period_end__lt=run.period_start).order_by("-period_start").first())


def _my_peer(user: Any, run: AssessmentRun, results: list[AssessmentResult]) -> Unit | None:
    """The peer unit the user belongs to (their home unit or its ancestor among the results)."""
    home = home_unit(user)
    if home is None:
        return None
    for r in results:
        if home.path.startswith(r.unit.path):
            return r.unit
    return None


@require_GET
@cap_required(Cap.VIEW)
def ranking(request: HttpRequest) -> HttpResponse:
    """考核排名: the published ranking of a scheme for a period, bar charts per group, and the rank trend."""
    user = request.user
    published = AssessmentRun.objects.filter(status=R.PUBLISHED).select_related("scheme", "scheme_version")
    latest: dict[int, Any] = {}
    for scheme_id, end in published.values_list("scheme_id", "period_end"):
        latest[scheme_id] = max(end, latest.get(scheme_id, end))
    schemes = sorted(Scheme.objects.filter(pk__in=latest), key=lambda s: (-latest[s.pk].toordinal(), s.key))
    if not schemes:
        return render(request, "targets/ranking.html", {"schemes": [], "run": None})
    scheme = next((s for s in schemes if s.key == request.GET.get("scheme")), schemes[0])
    runs = list(published.filter(scheme=scheme).order_by("-period_start", "period_kind"))
    kind = request.GET.get("kind") or ""
    kinds = sorted({r.period_kind for r in runs}, key=lambda k: list(KIND_LABELS).index(k) if k in KIND_LABELS else 9)
    if kind not in kinds:
        kind = "month" if "month" in kinds else kinds[0]
    runs_of_kind = [r for r in runs if r.period_kind == kind]
    run = next((r for r in runs_of_kind if r.period_spec == request.GET.get("period")), runs_of_kind[0])
    results = _results(run)
    urls = _result_urls(user, run, results)
    previous = _previous_published(run)
    prev_rank = {r.unit_id: r.rank for r in previous.results.all()} if previous else {}
    mine = _my_peer(user, run, results)
    groups = []
    for gi, (name, rows) in enumerate(_groups(results)):
        groups.append({
            "name": name,
            "chart": charts.ranking_chart(f"tz-rank-{gi}", f"{name}得分排名", rows, urls,
                                          highlight=mine.pk if mine else None),
            "rows": [{"r": r, "url": urls.get(r.unit_id), "change": (prev_rank[r.unit_id] - r.rank)
                      if r.unit_id in prev_rank else None} for r in rows],
        })
    trend = _trend(run, [r for r in runs_of_kind if r.period_start.year == run.period_start.year],
                   _trend_units(request, results, mine))
    bulletins = list(run.bulletins.order_by("-created_at")[:3])
    return render(request, "targets/ranking.html", {
        "schemes": schemes, "scheme": scheme, "run": run, "runs": runs_of_kind, "kind": kind,
        "kinds": [(k, KIND_LABELS.get(k, k)) for k in kinds], "groups": groups, "trend": trend, "mine": mine,
        "previous": previous, "bulletins": bulletins, "can_manage": can_manage(user, scheme.owner),
        "results": results,
    })


def _trend_units(request: HttpRequest, results: list[AssessmentResult], mine: Unit | None) -> list[Unit]:
    codes = [c for c in request.GET.getlist("unit") if c]
    chosen = [r.unit for r in results if r.unit.code in codes]
    if chosen:
        return chosen[:8]
    if mine is not None:
        return [mine]
    return [r.unit for r in sorted(results, key=lambda r: (r.rank, r.position))[:5]]


def _trend(run: AssessmentRun, runs: list[AssessmentRun], units: list[Unit]) -> dict[str, Any]:
    ordered = sorted(runs, key=lambda r: r.period_start)
    ranks: dict[tuple[int, int], int] = {}
    sizes: dict[tuple[int, str], int] = defaultdict(int)
    for res in AssessmentResult.objects.filter(run__in=ordered).values_list("run_id", "unit_id", "rank", "group_key"):
        ranks[(res[0], res[1])] = res[2]
        sizes[(res[0], res[3])] += 1
    labels = [r.period_label.removeprefix(f"{r.period_start.year}年") for r in ordered]
    series = [(u.label, [ranks.get((r.pk, u.pk)) for r in ordered]) for u in units]
    peers = max(sizes.values(), default=1)
    title = f"{run.period_start.year}年名次走势" + ("（" + "、".join(u.label for u in units) + "）" if len(units) <= 3
                                                   else "")
    return {"chart": charts.rank_trend_chart("tz-rank-trend", title, labels, series, peers), "units": units}


@require_GET
@cap_required(Cap.MANAGE_WORK)
def run_list(request: HttpRequest) -> HttpResponse:
    schemes = _managed_schemes(request.user)
    runs = (AssessmentRun.objects.filter(scheme__in=schemes).select_related("scheme", "scheme_version", "created_by")
            .order_by("-period_start", "scheme__key", "-number")[:200])
    job = None
    if request.GET.get("job", "").isdigit():
        job = Job.objects.filter(pk=int(request.GET["job"]), created_by_id=request.user.pk).first()
    form = RunForm(schemes=Scheme.objects.filter(pk__in=[s.pk for s in schemes], is_active=True),
                   initial={"scheme": request.GET.get("scheme") or None, "period": request.GET.get("period") or ""})
    return render(request, "targets/run_list.html", {"runs": runs, "form": form, "job": job})


@require_POST
@cap_required(Cap.MANAGE_WORK)
def run_create(request: HttpRequest) -> HttpResponse:
    schemes = _managed_schemes(request.user)
    form = RunForm(request.POST, schemes=Scheme.objects.filter(pk__in=[s.pk for s in schemes], is_active=True))
    if not form.is_valid():
        runs = AssessmentRun.objects.filter(scheme__in=schemes).select_related("scheme", "scheme_version")[:200]
        return render(request, "targets/run_list.html", {"runs": runs, "form": form, "job": None}, status=400)
    period: Period = form.cleaned_data["period"]
    job = enqueue("targets.assess", {"scheme": form.cleaned_data["scheme"].key, "period": period.spec,
                                     "note": form.cleaned_data.get("note") or ""}, user=request.user, total=1)
    messages.info(request, f"已开始计算{period.label}{form.cleaned_data['scheme'].name}，完成后可查看结果。")
    return redirect(f"{reverse('targets:run_list')}?job={job.pk}")


@require_GET
@cap_required(Cap.VIEW)
def run_detail(request: HttpRequest, pk: int) -> HttpResponse:
    run = get_run(request.user, pk)
    results = _results(run)
    urls = _result_urls(request.user, run, results)
    groups = [{"name": name, "chart": charts.ranking_chart(f"tz-run-{gi}", f"{name}得分排名", rows, urls),
               "rows": [{"r": r, "url": urls.get(r.unit_id)} for r in rows]}
              for gi, (name, rows) in enumerate(_groups(results))]
    manage = can_manage(request.user, run.scheme.owner)
    stale = run.status == R.DRAFT and run.scheme_version.updated_at > run.created_at
    newer = (AssessmentRun.objects.filter(scheme=run.scheme, period_spec=run.period_spec, number__gt=run.number)
             .order_by("number").first())
    return render(request, "targets/run_detail.html", {
        "run": run, "groups": groups, "can_manage": manage, "stale": stale, "newer": newer,
        "changes": (run.change_log or {}).get("units", []), "bulletins": run.bulletins.order_by("-created_at"),
        "tie_rule_label": dict(run.scheme_version.TieRule.choices).get(run.tie_rule, run.tie_rule),
        "version_changed": (run.change_log or {}).get("scheme_version"),
    })


def _workflow(request: HttpRequest, pk: int, step: str) -> HttpResponse:
    run = get_run(request.user, pk)
    try:
        if step == "publish":
            actions.publish_run(acting_user=request.user, run=run)
            messages.success(request, f"已发布{run}，结果已锁定；各单位现在可以查看。")
        elif step == "discard":
            actions.discard_run(acting_user=request.user, run=run)
            messages.success(request, "已删除该考核草稿。")
            return redirect("targets:run_list")
        elif step == "rerun":
            job = enqueue("targets.assess", {"scheme": run.scheme.key, "period": run.period_spec,
                                             "note": "重新运行"}, user=request.user, total=1)
            messages.info(request, "已开始重新计算；已发布的结果不会改变，将生成新的版本。")
            return redirect(f"{reverse('targets:run_list')}?job={job.pk}")
        elif step == "bulletin":
            bulletin = actions.create_bulletin(acting_user=request.user, run=run)
            messages.success(request, f"已生成通报{quoted(bulletin.title)}，各单位可在“考核通报”中查看。")
            return redirect("targets:bulletin_detail", pk=bulletin.pk)
    except (InvalidTransition, InvalidInput, StaleObjectError) as exc:
        messages.error(request, error_text(exc) if isinstance(exc, InvalidInput) else exc.message)
    return redirect("targets:run_detail", pk=run.pk)


@require_POST
@cap_required(Cap.MANAGE_WORK)
def run_publish(request: HttpRequest, pk: int) -> HttpResponse:
    return _workflow(request, pk, "publish")


@require_POST
@cap_required(Cap.MANAGE_WORK)
def run_discard(request: HttpRequest, pk: int) -> HttpResponse:
    return _workflow(request, pk, "discard")


@require_POST
@cap_required(Cap.MANAGE_WORK)
def run_rerun(request: HttpRequest, pk: int) -> HttpResponse:
    return _workflow(request, pk, "rerun")


@require_POST
@cap_required(Cap.MANAGE_WORK)
def bulletin_create(request: HttpRequest, pk: int) -> HttpResponse:
    return _workflow(request, pk, "bulletin")


@require_GET
@cap_required(Cap.VIEW)
def unit_result(request: HttpRequest, pk: int, code: str) -> HttpResponse:
    """One unit's result in a run: points per item, the records and entries behind each, tie values."""
    run = get_run(request.user, pk)
    result = (AssessmentResult.objects.select_related("unit").prefetch_related("items")
              .filter(run=run, unit__code=code).first())
    if result is None or not unit_breakdown_visible(request.user, run, result.unit):
        raise Http404("未找到该单位的考核结果，或您无权查看。")
    period = Period(run.period_start, run.period_end, run.period_spec, run.period_kind)
    items = []
    names = {i.item_key: i.item_name for i in result.items.all()}
    for item in result.items.all():
        counts = item.detail.get("levels") or {}
        levels = [(LEVEL_LABELS[lv], counts[lv]) for lv in LEVELS if counts.get(lv)]
        items.append({"item": item, "url": records_url(item.records, period=period, unit=result.unit),
                      "levels": levels, "merged": item.detail.get("merged") or [],
                      "adjust_url": (reverse("targets:adjustment_list") + "?ids=" + ",".join(
                          str(a) for a in item.adjustments)) if item.adjustments else None})
    history = list(AssessmentResult.objects.filter(
        unit=result.unit, run__scheme=run.scheme, run__status=R.PUBLISHED, run__period_kind=run.period_kind,
        run__period_start__year=run.period_start.year).select_related("run").order_by("run__period_start"))
    averages = _group_averages([h.run_id for h in history], result.group_key)
    labels = [h.run.period_label.removeprefix(f"{h.run.period_start.year}年") for h in history]
    peers = run.results.filter(group_key=result.group_key).count()
    trend = charts.rank_trend_chart("tz-unit-rank", f"{result.unit.name}名次走势", labels,
                                    [(result.unit.label, [h.rank for h in history])], peers)
    score_trend = charts.score_trend_chart("tz-unit-score", f"{result.unit.name}得分与同组平均", labels,
                                           [h.score for h in history], [averages.get(h.run_id) for h in history])
    return render(request, "targets/unit_result.html", {
        "run": run, "result": result, "items": items, "trend": trend, "score_trend": score_trend,
        "peers": peers, "tie_values": [(tie_key_label(k, names), v) for k, v in (result.tie_values or {}).items()],
    })


def _group_averages(run_ids: list[int], group_key: str) -> dict[int, Decimal]:
    sums: dict[int, list[Decimal]] = defaultdict(list)
    for run_id, score in AssessmentResult.objects.filter(run_id__in=run_ids, group_key=group_key).values_list(
            "run_id", "score"):
        sums[run_id].append(score)
    return {k: (sum(v, Decimal(0)) / len(v)).quantize(Decimal("0.01")) for k, v in sums.items() if v}
