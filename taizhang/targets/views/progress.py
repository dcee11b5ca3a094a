"""Targets: the progress dashboard every unit sees for its scope, and the staff pages to enter targets and allocate
them (by hand or split by a rule, the sum checked against the total). Changes go through targets.actions."""

from __future__ import annotations

import contextlib
import datetime
from decimal import Decimal
from typing import Any

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from taizhang.core.errors import InvalidInput, StaleObjectError
from taizhang.core.forms import place_action_errors
from taizhang.ledger.models import MetricDefinition
from taizhang.org.models import Unit
from taizhang.org.roles import Cap
from taizhang.org.scoping import can_in_unit
from taizhang.org.views import cap_required
from taizhang.targets import actions, charts, progress
from taizhang.targets.forms import AllocationForm, TargetForm, fmt
from taizhang.targets.models import Allocation, Target
from taizhang.targets.views.common import can_manage, error_text, records_base, records_url, visible_unit_ids

LAGGING_SHOWN = 100
RECORD_IDS_IN_URL = 400  # ≈ 3.2 kB of ids: under gunicorn's 4094-byte request line


def _as_of(request: HttpRequest, year: int) -> datetime.date:
    today = timezone.localdate()
    raw = (request.GET.get("as_of") or "").strip()
    try:
        day = datetime.date.fromisoformat(raw) if raw else today
    except ValueError:
        day = today
    if day.year != year:
        day = datetime.date(year, 12, 31) if year < today.year else datetime.date(year, 1, 1)
    return min(day, datetime.date(year, 12, 31))


def _year(request: HttpRequest) -> int:
    try:
        year = int(request.GET.get("year") or timezone.localdate().year)
    except ValueError:
        year = timezone.localdate().year
    return min(max(year, 2000), 2100)


def _drill(target: Target, row: progress.ProgressRow, as_of: datetime.date) -> str | None:
    """A short link to the records behind a row (the page behind it lists exactly those records)."""
    if not row.actual.count:  # the ids are read only when the link is opened (target_records)
        return None
    return (f"{reverse('targets:target_records', args=[target.pk])}?"
            f"{urlencode({'unit': row.unit.code, 'as_of': as_of.isoformat()})}")


def _only(prog: progress.TargetProgress) -> progress.ProgressRow | None:
    """The one row of a target a unit sees alone (its own allocation): its chart is the cumulative one."""
    return prog.rows[0] if len(prog.rows) == 1 and prog.total is None else None


def _progress_context(prog: progress.TargetProgress, chart_id: str,
                      cumulative: progress.Cumulative | None = None) -> dict[str, Any]:
    target = prog.target
    urls = {r.unit.pk: _drill(target, r, prog.as_of) for r in prog.rows}
    total_url = _drill(target, prog.total, prog.as_of) if prog.total else None
    chart = charts.completion_chart(chart_id, f"{target.name}：各单位完成率", prog.rows, prog.expected, urls)
    only = _only(prog)
    if only is not None:
        labels, actual, plan = cumulative or progress.cumulative(target, only.unit, only.target_value, prog.as_of)
        chart = charts.cumulative_chart(chart_id, f"{only.unit.name}{target.name}：累计完成与计划进度", labels, actual,
                                        plan, target.measure_word)
    return {
        "prog": prog, "target": target, "urls": urls, "total_url": total_url, "chart": chart,
        "rows": [{"row": r, "url": urls.get(r.unit.pk), "target_text": fmt(r.target_value),
                  "actual_text": fmt(r.actual.value), "gap_text": fmt(r.gap.quantize(Decimal("0.1")))}
                 for r in prog.rows],
    }


@require_GET
@cap_required(Cap.VIEW)
def progress_page(request: HttpRequest) -> HttpResponse:
    """目标进度: completion by unit against 序时进度, with charts and the lagging list."""
    user = request.user
    year = _year(request)
    as_of = _as_of(request, year)
    visible = visible_unit_ids(user)
    cards = []
    lagging = []
    # every target's progress (and a unit's cumulative charts) from the same few queries, whatever the number of
    # targets and units
    progs = progress.progress_many(progress.targets_for(user, year), as_of=as_of, visible=visible)
    alone = [(i, row) for i, row in enumerate(map(_only, progs)) if row is not None]
    months = progress.cumulative_many([(progs[i].target, r.unit, r.target_value) for i, r in alone], as_of)
    cumulative = {i: got for (i, _row), got in zip(alone, months, strict=True)}
    for i, prog in enumerate(progs):
        target = prog.target
        card = _progress_context(prog, f"tz-target-{i}", cumulative.get(i))
        cards.append(card)
        for entry in card["rows"]:
            if entry["row"].lagging:
                lagging.append({**entry, "target": target, "expected": prog.expected})
    lagging.sort(key=lambda e: (e["row"].completion - e["expected"], e["row"].unit.code))
    lagging_total = len(lagging)
    lagging = lagging[:LAGGING_SHOWN]
    years = sorted({timezone.localdate().year, *Target.objects.values_list("year", flat=True)}, reverse=True)
    return render(request, "targets/progress.html", {
        "year": year, "as_of": as_of, "years": years, "cards": cards, "lagging": lagging,
        "lagging_total": lagging_total,
        "can_manage": any(can_manage(user, c["target"].owner) for c in cards) or _manages_any(user),
    })


def _manages_any(user: Any) -> bool:
    from taizhang.org.scoping import has_cap

    return has_cap(user, Cap.MANAGE_WORK)


def _get_target(request: HttpRequest, pk: int, *, manage: bool = False) -> Target:
    target = Target.objects.select_related("metric", "metric__line", "owner", "activity_type").filter(pk=pk).first()
    if target is None:
        raise Http404("未找到该目标任务。")
    visible = visible_unit_ids(request.user)
    if target.owner_id not in visible and not Allocation.objects.filter(target=target, unit_id__in=visible).exists():
        raise Http404("未找到该目标任务，或您无权查看。")
    if manage and not can_manage(request.user, target.owner):
        from taizhang.core.errors import NotPermitted

        raise NotPermitted("您没有管理该目标任务的权限。")
    return target


@require_GET
@cap_required(Cap.VIEW)
def target_detail(request: HttpRequest, pk: int) -> HttpResponse:
    target = _get_target(request, pk)
    as_of = _as_of(request, target.year)
    prog = progress.target_progress(target, as_of=as_of, visible=visible_unit_ids(request.user))
    allocated = sum((r.target_value for r in prog.rows), Decimal(0))
    return render(request, "targets/target_detail.html", {
        **_progress_context(prog, "tz-target"), "as_of": as_of, "allocated": fmt(allocated),
        "can_manage": can_manage(request.user, target.owner),
    })


@require_GET
@cap_required(Cap.VIEW)
def target_records(request: HttpRequest, pk: int) -> HttpResponse:
    """The records behind a unit's progress on a target: the ledger's record list of exactly these ids when the
    URL stays short enough, else the record list filtered by the figure itself (metric, period, unit: exactly these
    records); a target limited to an activity type falls back to the line and type (the exact ids are in the API)."""
    target = _get_target(request, pk)
    unit = Unit.objects.filter(code=request.GET.get("unit") or "").first()
    if unit is None or not can_in_unit(request.user, Cap.VIEW, unit):
        raise Http404("未找到该单位，或您无权查看。")
    period = progress.year_period(target.year, _as_of(request, target.year))
    act = progress.actual(target, period, unit)
    if len(act.records) <= RECORD_IDS_IN_URL:
        return redirect(records_url(act.records, limit=RECORD_IDS_IN_URL) or records_base())
    if target.activity_type is None and target.metric.source == MetricDefinition.Source.REPORTED:
        # exactly the figure's records, however many (the record list filters by the figure's own query)
        figure = {"metric": target.metric.key, "period": period.spec, "unit": unit.code}
        return redirect(f"{records_base()}?{urlencode(figure)}")
    params = {"status": "approved", "unit": unit.code, "date_from": period.start.isoformat(),
              "date_to": period.end.isoformat(), "line": target.metric.line.key}
    if target.activity_type is not None:
        params["type"] = target.activity_type.key
    return redirect(f"{records_base()}?{urlencode(params)}")


@require_GET
@cap_required(Cap.MANAGE_WORK)
def target_list(request: HttpRequest) -> HttpResponse:
    year = _year(request)
    managed = [t for t in Target.objects.filter(year=year).select_related("metric", "owner", "activity_type")
               .prefetch_related("allocations") if can_manage(request.user, t.owner)]
    rows = []
    for t in managed:
        allocated = sum((a.value for a in t.allocations.all()), Decimal(0))
        rows.append({"target": t, "value": fmt(t.value), "allocated": fmt(allocated), "units": len(t.allocations.all()),
                     "balanced": allocated == t.value or (t.allow_over_allocation and allocated >= t.value)})
    years = sorted({timezone.localdate().year, *Target.objects.values_list("year", flat=True)}, reverse=True)
    return render(request, "targets/target_list.html", {"rows": rows, "year": year, "years": years})


def _owner(user: Any) -> Unit:
    from taizhang.org.scoping import root_paths_for

    roots = root_paths_for(user, Cap.MANAGE_WORK)
    unit = Unit.objects.filter(path=roots[0]).first() if roots else None
    if unit is None:
        raise Http404("没有可下达目标的单位。")
    return unit


@require_http_methods(["GET", "POST"])
@cap_required(Cap.MANAGE_WORK)
def target_create(request: HttpRequest) -> HttpResponse:
    owner = _owner(request.user)
    if request.method == "POST":
        form = TargetForm(request.POST)
        if form.is_valid():
            try:
                target = actions.create_target(acting_user=request.user, year=form.cleaned_data["year"],
                                               owner=owner, **form.values())
            except InvalidInput as exc:
                place_action_errors(form, exc)
            else:
                messages.success(request, f"已新增目标任务“{target}”，请继续分解到各单位。")
                return redirect("targets:target_allocate", pk=target.pk)
    else:
        form = TargetForm(initial={"year": timezone.localdate().year, "plan_kind": Target.PlanKind.LINEAR})
    return render(request, "targets/target_form.html", {"form": form, "owner": owner})


@require_http_methods(["GET", "POST"])
@cap_required(Cap.MANAGE_WORK)
def target_edit(request: HttpRequest, pk: int) -> HttpResponse:
    target = _get_target(request, pk, manage=True)
    if request.method == "POST":
        form = TargetForm(request.POST)
        if form.is_valid():
            try:
                actions.update_target(acting_user=request.user, target=target,
                                      expected_version=form.cleaned_data.get("version") or 0, **form.values())
            except InvalidInput as exc:
                place_action_errors(form, exc)
            except StaleObjectError as exc:
                form.add_error(None, exc.message)
            else:
                messages.success(request, f"已保存目标任务“{target}”。")
                return redirect("targets:target_detail", pk=target.pk)
    else:
        form = TargetForm(initial=TargetForm.initial_for(target))
    form.fields["year"].disabled = True
    return render(request, "targets/target_form.html", {"form": form, "target": target, "owner": target.owner})


@require_POST
@cap_required(Cap.MANAGE_WORK)
def target_delete(request: HttpRequest, pk: int) -> HttpResponse:
    target = _get_target(request, pk, manage=True)
    name = str(target)
    actions.delete_target(acting_user=request.user, target=target)
    messages.success(request, f"已删除目标任务“{name}”。")
    return redirect("targets:target_list")


def _candidates(target: Target) -> list[Unit]:
    allocated = set(target.allocations.values_list("unit_id", flat=True))
    children = list(Unit.objects.filter(parent=target.owner, is_active=True).order_by("sort_order", "code"))
    extra = list(Unit.objects.filter(pk__in=allocated).exclude(parent=target.owner).order_by("path"))
    return children + extra


@require_http_methods(["GET", "POST"])
@cap_required(Cap.MANAGE_WORK)
def target_allocate(request: HttpRequest, pk: int) -> HttpResponse:
    """Allocation: amounts per unit; "按规则分解" fills them (not saved) from the checked units, "保存" saves."""
    target = _get_target(request, pk, manage=True)
    units = _candidates(target)
    current = {a.unit_id: a.value for a in target.allocations.all()}
    if request.method == "POST":
        form = AllocationForm(request.POST, units=units)
        if form.is_valid():
            split_method = request.POST.get("split")
            if split_method:
                try:
                    proposal = actions.split_target(target, form.included(), split_method)
                except InvalidInput as exc:
                    form.add_error(None, error_text(exc))
                else:
                    data = request.POST.copy()
                    for u in units:
                        data[f"unit_{u.code}"] = fmt(proposal[u]) if u in proposal else ""
                    data["method"] = split_method
                    form = AllocationForm(data, units=units)
                    form.is_valid()
                    messages.info(request, "已按所选方式计算分解方案，请核对后点击“保存分解”。")
            else:
                try:
                    actions.save_allocations(acting_user=request.user, target=target,
                                             expected_version=form.cleaned_data["version"], values=form.amounts(),
                                             method=form.cleaned_data.get("method") or Target.Method.MANUAL)
                except InvalidInput as exc:
                    place_action_errors(form, exc)
                except StaleObjectError as exc:
                    form.add_error(None, exc.message)
                else:
                    messages.success(request, f"已保存“{target}”的分解方案。")
                    return redirect("targets:target_detail", pk=target.pk)
    else:
        initial: dict[str, Any] = {"version": target.version, "method": target.allocation_method}
        for u in units:
            initial[f"unit_{u.code}"] = fmt(current[u.pk]) if u.pk in current else ""
            initial[f"inc_{u.code}"] = u.pk in current or (not current and u.kind != Unit.Kind.SECTION)
        form = AllocationForm(initial=initial, units=units)
    total = Decimal(0)
    for u in units:
        raw = form[f"unit_{u.code}"].value()
        with contextlib.suppress(ArithmeticError):
            total += Decimal(str(raw)) if raw not in (None, "") else Decimal(0)
    return render(request, "targets/target_allocate.html", {
        "target": target, "form": form, "value": fmt(target.value), "entered": fmt(total),
        "balanced": total == target.value, "methods": [m for m in Target.Method.choices if m[0] != "manual"],
    })
