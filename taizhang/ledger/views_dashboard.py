"""The dashboard (数据看板): headline figures of every line of work for a period and a unit scope, with 同比, lazily
loaded line cards (htmx) and a detail page per line. The numbers come from `ledger.dashboard` (over
`ledger.figures.compute`); these views only read the request, check access and render.

Access (NetBox semantics): anonymous → login; no `view` capability anywhere → 403; a unit outside the user's view
→ 404. Without a unit the scope is the user's home unit (org.scoping.home_unit).
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar, cast

from django.contrib.auth.views import redirect_to_login
from django.core.cache import cache
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.views.decorators.http import require_GET

from taizhang.core.periods import Period
from taizhang.core.widgets import PeriodInputError, PeriodPicker, period_value
from taizhang.ledger import dashboard as data
from taizhang.ledger import dashboard_batch as batch
from taizhang.ledger import providers
from taizhang.ledger.dashboard import LineInfo, Scope
from taizhang.ledger.drill import LEVEL_LABELS
from taizhang.ledger.models import MetricDefinition
from taizhang.org.models import Unit
from taizhang.org.roles import Cap
from taizhang.org.scoping import has_cap, home_unit, unit_ids_for

V = TypeVar("V", bound=Callable[..., HttpResponse])


def view_required(view: V) -> V:
    """Login required (else the login page); the `view` capability somewhere (else 403). The view runs inside
    `providers.memo()`: the computed metrics of one app share their queries within the request."""

    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        if not has_cap(request.user, Cap.VIEW):
            raise PermissionDenied("您没有查看数据看板的权限。")
        with providers.memo():  # figures of one app for one scope and period share their queries in a request
            return view(request, *args, **kwargs)

    return cast(V, wrapper)


def _scope_unit(request: HttpRequest) -> Unit:
    """The requested unit (by code) if the user can see it (else 404), or the user's home unit."""
    user = request.user
    code = (request.GET.get("unit") or "").strip()
    if code:
        # visible_to's test on the unit found (the ids are memoised per request: an IN list of every visible unit
        # in the query cost each dashboard request 3 ms of CPU at 500 units)
        unit = Unit.objects.filter(code=code).first()
        if unit is None or unit.pk not in unit_ids_for(user, Cap.VIEW):
            raise Http404("未找到该单位，或您无权查看。")
        return unit
    unit = home_unit(user)
    if unit is None:  # holds `view` only in inactive units
        raise PermissionDenied("您没有可查看的单位。")
    return unit


def _scope(request: HttpRequest) -> tuple[Scope, str]:
    today = timezone.localdate()
    params = request.GET
    # ?period=SPEC (links, the picker with JS), or the picker's parts without JS (period_kind, period_year …)
    spec = period_value(params, "period")
    if isinstance(spec, PeriodInputError):
        period, error = data.default_period(today), spec.message
    else:
        period, error = data.resolve_period(
            spec or None, params.get("from"), params.get("to"),
            custom="custom" in params.getlist("period"), today=today,
        )
    unit = _scope_unit(request)
    return data.make_scope(unit, period, user=request.user, today=today), error


def _query(scope: Scope) -> str:
    return urlencode({"period": scope.period.spec, "unit": scope.unit.code})


def _unit_choices(user: Any) -> list[tuple[str, str]]:
    """Units the user can see, in tree order, indented below the top-most one (one query; rows, not model
    objects, tested against the viewer's memoised unit ids: 500 units cost the page 10 ms of CPU as objects read
    through an IN list of their ids)."""
    visible = unit_ids_for(user, Cap.VIEW)
    units = [u for u in Unit.objects.filter(is_active=True).values_list(
        "pk", "code", "name", "depth", "parent_id", "sort_order") if u[0] in visible]
    by_id = {u[0]: u for u in units}

    def tree_key(unit: tuple[Any, ...]) -> tuple[tuple[int, str], ...]:
        chain = []
        node: tuple[Any, ...] | None = unit
        while node is not None:
            chain.append((node[5], node[1]))
            node = by_id.get(node[4]) if node[4] else None
        return tuple(reversed(chain))

    base = min((u[3] for u in units), default=0)
    return [(u[1], "　" * (u[3] - base) + u[2]) for u in sorted(units, key=tree_key)]


def _picker(request: HttpRequest, scope: Scope) -> dict[str, Any]:
    """The context of the period and unit picker: the project's period picker (core.widgets.PeriodPicker, the
    same as on the record list) and the units the viewer sees; dashboard.js applies a change at once."""
    today = timezone.localdate()
    presets = data.period_presets(today)
    known = {spec for _group, options in presets for spec, _label in options}
    custom = scope.period.kind == "range"
    # A SPEC from a link that is not among the presets (an older year, 2024Q2-Q3): offered as it is.
    extra = None if custom or scope.period.spec in known else (scope.period.spec, scope.period.label)
    return {
        "presets": presets,
        "custom": custom,
        "extra": extra,
        "units": _unit_choices(request.user),
        "date_from": scope.period.start.isoformat(),
        "date_to": scope.period.end.isoformat(),
        "period_widget": PeriodPicker(attrs={"id": "dash-period"}).render("period", scope.period.spec),
    }


def _base_context(request: HttpRequest, scope: Scope, error: str) -> dict[str, Any]:
    return {"scope": scope, "period": scope.period, "compare": scope.compare, "unit": scope.unit,
            "period_error": error, "query": _query(scope), "picker": _picker(request, scope),
            "compare_note": _compare_note(scope.period, scope.compare, scope.running)}


def _compare_note(period: Period, compare: Period, running: bool) -> str:
    if running:
        return f"所选时间段尚未结束，同比对比{compare.label}（去年同期截至同日）。"
    return f"同比对比{compare.label}。"


def _line(key: str) -> LineInfo:
    infos = data.lines_with_metrics(key)
    if not infos:
        raise Http404("未找到该工作线。")
    return infos[0]


def _urls(name: str, key: str, query: str) -> str:
    return f"{reverse(name, args=[key])}?{query}"


def _tab_infos(request: HttpRequest) -> tuple[list[LineInfo], str]:
    """The lines of the tab asked for (?tab=), or every line without it (an unknown tab: 404). A tab of TAB_GROUPS
    reads only its own lines."""
    key = (request.GET.get("tab") or "").strip()
    infos = data.lines_with_metrics(types=False, line_keys=data.tab_lines(key) if key else None)
    if not key:
        return infos, ""
    tab = next((t for t in data.tabs_of(infos) if t.key == key), None)
    if tab is None:
        raise Http404("未找到该栏目。")
    return tab.infos, key


@require_GET
@view_required
def dashboard(request: HttpRequest) -> HttpResponse:
    """The page shell: the picker and one tab per group of lines of work (data.TAB_GROUPS). The open tab's KPI
    tiles and cards are loaded by htmx at once (two requests, grouped queries, cached), another tab's when it is
    opened, so the page itself runs no figure query and a visit computes only what is shown."""
    scope, error = _scope(request)
    query = _query(scope)
    tabs = data.tabs_of(data.lines_with_metrics(types=False))
    wanted = (request.GET.get("tab") or "").strip()
    active = next((t.key for t in tabs if t.key == wanted), tabs[0].key if tabs else "")
    tiles_base, cards_base = reverse("ledger:dashboard_tiles"), reverse("ledger:dashboard_cards")
    panels = [{
        "key": t.key, "label": t.label, "active": t.key == active,
        "url": f"{reverse('ledger:dashboard')}?{query}&tab={t.key}",
        "tiles_url": f"{tiles_base}?{query}&tab={t.key}", "cards_url": f"{cards_base}?{query}&tab={t.key}",
        "lines": [{"info": info, "detail_url": _urls("ledger:dashboard_line", info.line.key, query)}
                  for info in t.infos],
    } for t in tabs]
    return render(request, "ledger/dashboard.html", {**_base_context(request, scope, error), "tabs": panels,
                                                     "active_tab": active})


@require_GET
@view_required
def dashboard_kpi(request: HttpRequest, key: str) -> HttpResponse:
    """One KPI tile (htmx fragment): the line's headline figure, 同比, a link to its records."""
    scope, _error = _scope(request)
    info = _line(key)
    return render(request, "ledger/dashboard/_kpi_tile.html", {
        "fig": data.kpi_figure(scope, info), "detail_url": _urls("ledger:dashboard_line", key, _query(scope)),
    })


@require_GET
@view_required
def dashboard_tiles(request: HttpRequest) -> HttpResponse:
    """Every KPI tile in one htmx fragment: grouped queries for all lines at once, cached per scope, period and
    ledger version (see dashboard_batch.kpi_figures)."""
    scope, _error = _scope(request)
    query = _query(scope)
    infos, _tab = _tab_infos(request)
    tiles = [{"fig": fig, "detail_url": _urls("ledger:dashboard_line", fig.info.line.key, query)}
             for fig in batch.kpi_figures(scope, infos)]
    return render(request, "ledger/dashboard/_kpi_tiles.html", {"tiles": tiles})


@require_GET
@view_required
def dashboard_cards(request: HttpRequest) -> HttpResponse:
    """Every line's card in one htmx response (out-of-band swaps into the page's slots): grouped queries for all
    reported metrics (dashboard_batch.line_cards), cached like a card."""
    scope, _error = _scope(request)
    infos, tab = _tab_infos(request)
    computed = any(m.source == MetricDefinition.Source.COMPUTED for i in infos for m in i.metrics)
    cache_key = batch.scope_cache_key(scope, "cards", tab, *(f"{m.pk}.{m.version}" for i in infos
                                                             for m in i.metrics))
    html = cache.get(cache_key)
    if html is not None:
        return HttpResponse(html)
    cards = batch.line_cards(scope, infos)
    response = render(request, "ledger/dashboard/_cards.html", {"cards": cards, "scope": scope,
                                                                "compare": scope.compare})
    cache.set(cache_key, response.content.decode(), batch.COMPUTED_CACHE_SECONDS if computed else batch.CACHE_SECONDS)
    return response


@require_GET
@view_required
def dashboard_records(request: HttpRequest) -> HttpResponse:
    """A figure's drill-down link opened: a redirect to the list of exactly its records (or provider rows), by
    their ids or by the figure's query (see dashboard.opened_records_url)."""
    scope, _error = _scope(request)
    found = MetricDefinition.objects.filter(key=request.GET.get("metric") or "").select_related("line").first()
    if found is None:
        raise Http404("未找到该指标。")
    _line(found.line.key)  # a line no longer shown: 404
    level = request.GET.get("level") or None  # an outlet level, or "none": placements without one (未分级)
    if level is not None and (level not in LEVEL_LABELS or found.source == MetricDefinition.Source.COMPUTED):
        raise Http404("未找到该媒体级别。")
    figure = scope.figure(found, outlet_level=level)  # its ids are fetched only if they may fit the URL
    url = data.opened_records_url(figure, period=scope.period, unit=scope.unit.code, metric=found, level=level)
    if url is None:
        return render(request, "ledger/dashboard/_no_records.html", {"metric": found, "scope": scope}, status=200)
    return redirect(url)


@require_GET
@view_required
def dashboard_card(request: HttpRequest, key: str) -> HttpResponse:
    """One line's card body (htmx fragment): its metrics with 同比 and the headline metric's charts."""
    scope, _error = _scope(request)
    info = _line(key)
    # Cached as rendered (figures, charts and drill-down links carry no per-user state beyond the scope, which is
    # in the key). A line with a computed metric is kept only COMPUTED_CACHE_SECONDS: its rows (cases, hours…)
    # change without the ledger version knowing.
    computed = any(m.source == MetricDefinition.Source.COMPUTED for m in info.metrics)
    cache_key = batch.scope_cache_key(scope, "card", key, *(f"{m.pk}.{m.version}" for m in info.metrics))
    html = cache.get(cache_key)
    if html is not None:
        return HttpResponse(html)
    card = data.line_card(scope, info)
    response = render(request, "ledger/dashboard/_card.html", {"card": card, "scope": scope, "compare": scope.compare})
    cache.set(cache_key, response.content.decode(), batch.COMPUTED_CACHE_SECONDS if computed else batch.CACHE_SECONDS)
    return response


@require_GET
@view_required
def dashboard_line(request: HttpRequest, key: str) -> HttpResponse:
    """Every metric of one line: tiles, a by-unit table and charts by unit; by month loaded lazily."""
    scope, error = _scope(request)
    detail = data.line_detail(scope, _line(key))
    query = _query(scope)
    trend_urls = {f.metric.key: _urls("ledger:dashboard_trend", f.metric.key, query) for f in detail.figures}
    return render(request, "ledger/dashboard_line.html", {
        **_base_context(request, scope, error), "detail": detail, "trend_urls": trend_urls,
        "back_url": f"{reverse('ledger:dashboard')}?{query}&tab={data.tab_of_line(key)}#line-{key}",
    })


@require_GET
@view_required
def dashboard_trend(request: HttpRequest, metric: str) -> HttpResponse:
    """One metric by month against last year (htmx fragment of a line's page)."""
    scope, _error = _scope(request)
    found = MetricDefinition.objects.filter(key=metric, is_active=True).select_related("line").first()
    if found is None:
        raise Http404("未找到该指标。")
    info = _line(found.line.key)
    m = next((x for x in info.metrics if x.pk == found.pk), None)
    if m is None:
        raise Http404("未找到该指标。")
    return render(request, "ledger/dashboard/_chart.html", {"chart": data.metric_trend(scope, info, m)})
