"""The simulated score page: by project, child unit, site type and standard, the week-by-week trend and the
problem counts, each linking to the rows behind it."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.http import require_GET

from taizhang.civility.models import Framework, SiteType
from taizhang.civility.report import build_score_report
from taizhang.civility.scoring import by_standard_rows, compute_site_type_scores, framework_for, trend
from taizhang.civility.views.common import current_period, scope_unit, visible_units
from taizhang.org.roles import Cap
from taizhang.org.views import cap_required


def _ids_url(name: str, ids: list[int]) -> str | None:
    if not ids:
        return None
    return f"{reverse(name)}?ids={','.join(str(i) for i in sorted(ids)[:2000])}"


@require_GET
@cap_required(Cap.VIEW)
def score_page(request: HttpRequest) -> HttpResponse:
    period = current_period(request)
    unit = scope_unit(request)
    framework: Framework | None = framework_for(period)
    report, head, unit_ids = build_score_report(period, unit, framework)
    by_type: list[dict[str, Any]] = []
    standards: list[dict[str, Any]] = []
    chart: dict[str, Any] | None = None
    if framework is not None and head is not None:
        by_site_type = compute_site_type_scores(framework, period, unit, unit_ids, [v for v, _l in SiteType.choices])
        for value, label in SiteType.choices:
            result = by_site_type[value]
            if result.score is not None:
                by_type.append({"label": label, "score": result.score,
                                "url": _ids_url("civility:inspection_list", result.inspection_ids)})
        standards = [r for r in by_standard_rows(head) if r["rate"] is not None]
        weeks = trend(framework, period, unit, unit_ids=unit_ids)
        chart = {
            "tooltip": {"trigger": "axis"},
            "xAxis": {"type": "category", "data": [f"{w.start.month}/{w.start.day}" for w, _s in weeks]},
            "yAxis": {"type": "value", "min": 0, "max": 100},
            "series": [{"type": "line", "name": "模拟得分", "connectNulls": True,
                        "data": [float(s) if s is not None else None for _w, s in weeks]}],
        }
    for project in report["projects"]:
        project["inspections_url"] = _ids_url("civility:inspection_list", project["inspections"])
        project["reviews_url"] = _ids_url("civility:document_list", project["reviews"])
    problem_urls = {k: _ids_url("civility:problem_list", v) for k, v in report.get("problem_ids", {}).items()}
    return render(request, "civility/score.html", {
        "report": report, "period": period, "unit": unit, "units": visible_units(request.user),
        "by_type": by_type, "standards": standards, "chart": chart, "problem_urls": problem_urls,
        "framework": framework,
    })
