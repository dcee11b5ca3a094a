"""Taxonomy administration (指标体系, 媒体名录): lines of work, metric definitions (versioned edits with their
history), activity types and their metrics, the outlet registry. Capability: manage_org."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.contrib import messages
from django.core.paginator import Paginator
from django.db import transaction
from django.db.models import Count, Prefetch, Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_GET, require_http_methods

from taizhang.core import audit
from taizhang.core.concurrency import save_versioned
from taizhang.core.errors import InvalidInput, NotPermitted, StaleObjectError
from taizhang.core.forms import place_action_errors
from taizhang.ledger.forms import MetricForm, OutletForm, fmt_decimal
from taizhang.ledger.models import (
    ActivityType,
    ActivityTypeMetric,
    LineOfWork,
    MetricDefinition,
    Outlet,
)
from taizhang.ledger.taxonomy import update_metric
from taizhang.org.roles import Cap
from taizhang.org.scoping import has_cap
from taizhang.org.views import cap_required


# ---------------------------------------------------------------------------------------------------------------
# Outlet changes (ledger.taxonomy has no outlet actions yet; these follow the actions rules)
# ---------------------------------------------------------------------------------------------------------------
def _check_outlet_values(values: dict[str, Any], exclude_pk: int | None = None) -> None:
    name = str(values.get("name", "")).strip()
    if not name:
        raise InvalidInput("媒体名称不能为空", {"name": ["请填写媒体名称"]})
    if Outlet.objects.filter(name=name).exclude(pk=exclude_pk or 0).exists():
        raise InvalidInput(f"媒体“{name}”已在名录中", {"name": ["该名称已存在"]})
    if values.get("level") not in Outlet.Level.values:
        raise InvalidInput("请选择媒体级别", {"level": ["请选择媒体级别"]})
    if values.get("kind") not in Outlet.Kind.values:
        raise InvalidInput("请选择媒体类型", {"kind": ["请选择媒体类型"]})


@transaction.atomic
def create_outlet(*, acting_user: Any, name: str, level: str, kind: str, aliases: list[str] | None = None,
                  is_active: bool = True) -> Outlet:
    if acting_user is not None and not has_cap(acting_user, Cap.MANAGE_ORG):
        raise NotPermitted("您没有维护媒体名录的权限。")
    values = {"name": name.strip(), "level": level, "kind": kind}
    _check_outlet_values(values)
    outlet = Outlet.objects.create(**values, aliases=list(aliases or []), is_active=is_active)
    audit.record("create", outlet, user=acting_user, after=audit.snapshot(outlet))
    return outlet


@transaction.atomic
def update_outlet(*, acting_user: Any, outlet: Outlet, expected_version: int, **values: Any) -> Outlet:
    if acting_user is not None and not has_cap(acting_user, Cap.MANAGE_ORG):
        raise NotPermitted("您没有维护媒体名录的权限。")
    unknown = set(values) - set(OutletForm.FIELDS)
    if unknown:
        raise InvalidInput(f"不能修改的字段：{', '.join(sorted(unknown))}")
    if "name" in values:
        values["name"] = str(values["name"]).strip()
    _check_outlet_values({"name": outlet.name, "level": outlet.level, "kind": outlet.kind, **values},
                         exclude_pk=outlet.pk)
    before = audit.snapshot(outlet)
    for key, value in values.items():
        setattr(outlet, key, value)
    save_versioned(outlet, expected_version, list(values) or ["name"])
    audit.record("update", outlet, user=acting_user, before=before, after=audit.snapshot(outlet))
    return outlet


def _num_text(raw: Any) -> str:
    if raw in (None, ""):
        return ""
    try:
        return fmt_decimal(Decimal(str(raw)))
    except (ArithmeticError, ValueError):
        return str(raw)


# ---------------------------------------------------------------------------------------------------------------
# Pages
# ---------------------------------------------------------------------------------------------------------------
@require_GET
@cap_required(Cap.MANAGE_ORG)
def line_list(request: HttpRequest) -> HttpResponse:
    lines = LineOfWork.objects.annotate(
        metric_count=Count("metrics", distinct=True), type_count=Count("activity_types", distinct=True)
    ).order_by("sort_order", "key")
    return render(request, "ledger/taxonomy/line_list.html", {"lines": lines})


@require_GET
@cap_required(Cap.MANAGE_ORG)
def metric_list(request: HttpRequest) -> HttpResponse:
    lines = LineOfWork.objects.order_by("sort_order", "key")
    line_key = request.GET.get("line", "")
    qs = MetricDefinition.objects.select_related("line").annotate(type_count=Count("type_links"))
    if line_key:
        qs = qs.filter(line__key=line_key)
    q = request.GET.get("q", "").strip()
    if q:
        qs = qs.filter(Q(name__icontains=q) | Q(key__icontains=q))
    rows = [{"metric": m, "min": fmt_decimal(m.min_value), "max": fmt_decimal(m.max_value)} for m in qs]
    return render(request, "ledger/taxonomy/metric_list.html", {
        "rows": rows, "lines": lines, "line_key": line_key, "q": q,
    })


@require_http_methods(["GET", "POST"])
@cap_required(Cap.MANAGE_ORG)
def metric_edit(request: HttpRequest, pk: int) -> HttpResponse:
    metric = get_object_or_404(MetricDefinition.objects.select_related("line"), pk=pk)
    status = 200
    if request.method == "POST":
        form = MetricForm(request.POST)
        if form.is_valid():
            changes = form.changes(metric)
            if not changes:
                messages.info(request, "没有修改任何内容。")
                return redirect("ledger:metric_edit", pk=metric.pk)
            try:
                update_metric(acting_user=request.user, metric=metric, expected_version=form.cleaned_data["version"],
                              **changes)
            except StaleObjectError as exc:
                metric = MetricDefinition.objects.select_related("line").get(pk=pk)
                data = request.POST.copy()
                data["version"] = str(metric.version)
                form = MetricForm(data)
                form.is_valid()
                form.add_error(None, exc.message)
                status = 409
            except InvalidInput as exc:
                metric = MetricDefinition.objects.select_related("line").get(pk=pk)
                place_action_errors(form, exc, with_message=True)
            else:
                messages.success(
                    request, f"指标“{metric.name}”已更新为第 {metric.version} 版；已填报的数据保持原版本。"
                )
                return redirect("ledger:metric_edit", pk=metric.pk)
    else:
        form = MetricForm(initial=MetricForm.initial_for(metric))
    value_types = dict(MetricDefinition.ValueType.choices)
    revisions = [
        {"version": r.version, "created_at": r.created_at, "name": r.data.get("name", ""),
         "measure_word": r.data.get("measure_word", ""), "value_type": value_types.get(r.data.get("value_type"), ""),
         "min": _num_text(r.data.get("min_value")), "max": _num_text(r.data.get("max_value")),
         "aggregation": r.data.get("aggregation", "")}
        for r in metric.revisions.order_by("-version")
    ]
    types = ActivityTypeMetric.objects.filter(metric=metric).select_related("activity_type")
    return render(request, "ledger/taxonomy/metric_form.html", {
        "metric": metric, "form": form, "revisions": revisions, "types": types,
    }, status=status)


@require_GET
@cap_required(Cap.MANAGE_ORG)
def type_list(request: HttpRequest) -> HttpResponse:
    lines = LineOfWork.objects.order_by("sort_order", "key")
    line_key = request.GET.get("line", "")
    qs = ActivityType.objects.select_related("line").prefetch_related(
        Prefetch("type_metrics", queryset=ActivityTypeMetric.objects.select_related("metric").order_by("sort_order"))
    )
    if line_key:
        qs = qs.filter(line__key=line_key)
    rows = []
    for t in qs:
        rows.append({"type": t, "metrics": [
            {"name": link.metric.name, "measure_word": link.metric.measure_word, "required": link.required,
             "default": fmt_decimal(link.default), "pk": link.metric_id}
            for link in t.type_metrics.all()
        ]})
    return render(request, "ledger/taxonomy/type_list.html", {"rows": rows, "lines": lines, "line_key": line_key})


@require_GET
@cap_required(Cap.MANAGE_ORG)
def outlet_list(request: HttpRequest) -> HttpResponse:
    qs = Outlet.objects.all().order_by("level", "name")
    level = request.GET.get("level", "")
    if level in Outlet.Level.values:
        qs = qs.filter(level=level)
    q = request.GET.get("q", "").strip()[:50]
    outlets = list(qs)
    if q:
        outlets = [o for o in outlets if q in o.name or any(q in a for a in o.aliases or [])]
    page = Paginator(outlets, 50).get_page(request.GET.get("page"))
    return render(request, "ledger/taxonomy/outlet_list.html", {
        "page": page, "q": q, "level": level, "levels": Outlet.Level.choices,
    })


@require_http_methods(["GET", "POST"])
@cap_required(Cap.MANAGE_ORG)
def outlet_edit(request: HttpRequest, pk: int | None = None) -> HttpResponse:
    outlet = get_object_or_404(Outlet, pk=pk) if pk is not None else None
    status = 200
    if request.method == "POST":
        form = OutletForm(request.POST)
        if form.is_valid():
            values = {f: form.cleaned_data[f] for f in OutletForm.FIELDS}
            try:
                if outlet is None:
                    outlet = create_outlet(acting_user=request.user, **values)
                    messages.success(request, f"已添加媒体“{outlet.name}”。")
                else:
                    update_outlet(acting_user=request.user, outlet=outlet,
                                  expected_version=form.cleaned_data.get("version") or 0, **values)
                    messages.success(request, f"媒体“{outlet.name}”已保存。")
                return redirect("ledger:outlet_list")
            except StaleObjectError as exc:
                outlet = get_object_or_404(Outlet, pk=pk or 0)
                data = request.POST.copy()
                data["version"] = str(outlet.version)
                form = OutletForm(data)
                form.is_valid()
                form.add_error(None, exc.message)
                status = 409
            except InvalidInput as exc:
                if pk is not None:
                    outlet = Outlet.objects.get(pk=pk)
                place_action_errors(form, exc, with_message=True)
    elif outlet is not None:
        form = OutletForm(initial={**{f: getattr(outlet, f) for f in OutletForm.FIELDS}, "version": outlet.version})
    else:
        form = OutletForm()
    return render(request, "ledger/taxonomy/outlet_form.html", {"form": form, "outlet": outlet}, status=status)
