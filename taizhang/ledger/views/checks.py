"""数据校验规则: the relations between a record's figures and the bounds by unit kind (`models.rules`), listed
for the department, which may switch one off or change a bound. Capability: manage_org."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_http_methods

from taizhang.core.errors import InvalidInput, StaleObjectError
from taizhang.core.numbers import ID_MAX
from taizhang.ledger.models import FigureBound, FigureRule
from taizhang.ledger.taxonomy import update_figure_check
from taizhang.org.models import Unit
from taizhang.org.roles import Cap
from taizhang.org.views import cap_required

KIND_LABELS = dict(Unit.Kind.choices)


@require_http_methods(["GET", "POST"])
@cap_required(Cap.MANAGE_ORG)
def check_list(request: HttpRequest) -> HttpResponse:
    """The rules and bounds. A refused change comes back on this page (400, or 409 when someone else changed the
    rule first) with what was typed kept in its row and the problem beside it, not a redirect that lost it."""
    refused: dict[str, Any] = {}
    status = 200
    if request.method == "POST":
        kind = "rule" if request.POST.get("kind") == "rule" else "bound"
        model = FigureRule if kind == "rule" else FigureBound
        raw_pk = (request.POST.get("pk") or "").strip()
        check = get_object_or_404(model, pk=int(raw_pk) if raw_pk.isdigit() and int(raw_pk) <= ID_MAX else 0)
        try:
            version = int(request.POST.get("version", ""))
        except ValueError:
            version = -1
        try:
            update_figure_check(acting_user=request.user, check=check, expected_version=version,
                                is_active=request.POST.get("is_active") == "1",
                                max_value=request.POST.get("max_value"))
        except StaleObjectError:
            messages.error(request, "该规则已被他人修改，下面显示的是最新内容，请核对后重新保存。")
            status = 409
        except InvalidInput as exc:
            messages.error(request, exc.message)
            problems = exc.errors.get("max_value") or [exc.message]
            refused = {"kind": kind, "pk": check.pk, "value": (request.POST.get("max_value") or "")[:30],
                       "is_active": request.POST.get("is_active") == "1", "error": problems[0]}
            status = 400
        else:
            messages.success(request, f"已保存：{check}")
            return redirect("ledger:check_list")
    rules = FigureRule.objects.select_related("left", "right", "activity_type").order_by(
        "left__line__sort_order", "key")
    bounds = list(FigureBound.objects.select_related("metric", "activity_type").order_by(
        "metric__line__sort_order", "metric__sort_order", "max_value"))
    for b in bounds:
        b.kind_labels = "、".join(KIND_LABELS.get(k, k) for k in b.unit_kinds)  # type: ignore[attr-defined]
        if refused.get("kind") == "bound" and refused["pk"] == b.pk:
            b.refused = refused  # type: ignore[attr-defined]
    return render(request, "ledger/taxonomy/check_list.html", {"rules": rules, "bounds": bounds}, status=status)
