"""Assessment schemes: everyone with `view` reads the rules (current and earlier versions); staff edit them. Editing a
version used by a published run makes a new version (targets.actions), so published results keep their rules."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from taizhang.core.errors import InvalidInput, NotPermitted, StaleObjectError
from taizhang.ledger.models import LineOfWork, MetricDefinition
from taizhang.org.models import Unit
from taizhang.org.roles import Cap
from taizhang.org.scoping import root_paths_for
from taizhang.org.views import cap_required
from taizhang.targets import actions, rules
from taizhang.targets.forms import ItemForm, RankingForm, SchemeForm
from taizhang.targets.models import AssessmentRun, Scheme, SchemeItem, SchemeVersion
from taizhang.targets.views.common import can_manage, error_text, get_scheme


def _metric_names() -> dict[str, str]:
    return dict(MetricDefinition.objects.values_list("key", "name"))


def _item_rows(version: SchemeVersion) -> list[dict[str, Any]]:
    names = _metric_names()
    return [{"item": i, "kind_label": i.get_kind_display(),
             "weight": version.weight_for(i.line.key) if i.line is not None else None,
             "text": rules.describe(i.kind, i.rule or {}, metric_names=names)}
            for i in version.items.select_related("line").order_by("sort_order", "id")]


@require_GET
@cap_required(Cap.VIEW)
def scheme_list(request: HttpRequest) -> HttpResponse:
    schemes = list(Scheme.objects.select_related("owner").order_by("-is_active", "key"))
    rows = []
    for s in schemes:
        current = s.current
        rows.append({"scheme": s, "version": current, "items": current.items.count(),
                     "published": s.runs.filter(status=AssessmentRun.Status.PUBLISHED).count()})
    manages = bool(root_paths_for(request.user, Cap.MANAGE_WORK))
    return render(request, "targets/scheme_list.html", {"rows": rows, "can_create": manages})


@require_GET
@cap_required(Cap.VIEW)
def scheme_detail(request: HttpRequest, key: str) -> HttpResponse:
    scheme = get_scheme(key)
    versions = list(scheme.versions.select_related("created_by", "peer_parent").order_by("-number"))
    version = versions[0]
    if request.GET.get("version", "").isdigit():
        version = next((v for v in versions if v.number == int(request.GET["version"])), None) or version
    groups = version.groups or [{"key": "all", "name": "全部下级单位", "kinds": []}]
    kind_labels = dict(Unit.Kind.choices)
    lines = dict(LineOfWork.objects.values_list("key", "name"))
    item_names = {i.key: i.name for i in version.items.all()}
    from taizhang.targets.scoring import tie_key_label

    return render(request, "targets/scheme_detail.html", {
        "scheme": scheme, "version": version, "versions": versions, "items": _item_rows(version),
        "is_current": version.number == versions[0].number, "can_manage": can_manage(request.user, scheme.owner),
        "groups": [{"name": g.get("name"), "kinds": "、".join(kind_labels.get(k, k) for k in g.get("kinds") or [])
                    or "全部"} for g in groups],
        "weights": [(lines.get(k, k), v) for k, v in (version.weights or {}).items()],
        "tie_rule": version.get_tie_rule_display(),
        "tie_keys": [tie_key_label(k, item_names) for k in version.tie_keys or []],
        "peer_parent": version.peer_parent or scheme.owner,
        "kinds": [(k, rules.KIND_LABELS[k]) for k in rules.KINDS],
        "runs": scheme.runs.filter(scheme_version=version).order_by("-period_start")[:12],
    })


def _check(request: HttpRequest, scheme: Scheme) -> None:
    if not can_manage(request.user, scheme.owner):
        raise NotPermitted("您没有维护该考核方案的权限。")


def _apply_errors(form: Any, exc: InvalidInput) -> None:
    """Put an action's errors on the form fields they belong to (rule fields have their own names here)."""
    placed = False
    for field, msgs in exc.errors.items():
        name = field.removeprefix("rule.")
        if name.startswith("points."):
            name = "points_" + name.split(".", 1)[1]
        elif name == "points" and getattr(form, "kind", "") == "target_completion":
            name = "full_points"
        for m in msgs:
            form.add_error(name if name in form.fields else None, m)
            placed = True
    if not placed:
        form.add_error(None, exc.message)


@require_http_methods(["GET", "POST"])
@cap_required(Cap.MANAGE_WORK)
def scheme_create(request: HttpRequest) -> HttpResponse:
    roots = root_paths_for(request.user, Cap.MANAGE_WORK)
    owner = Unit.objects.filter(path=roots[0]).first() if roots else None
    if owner is None:
        raise Http404("没有可制定方案的单位。")
    form = SchemeForm(request.POST or None, initial={"is_active": True})
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            scheme = actions.create_scheme(acting_user=request.user, key=d["key"], name=d["name"],
                                           subject=d["subject"], owner=owner, description=d.get("description") or "")
        except InvalidInput as exc:
            _apply_errors(form, exc)
        else:
            messages.success(request, f"已新建考核方案“{scheme.name}”，请添加评分项。")
            return redirect("targets:scheme_detail", key=scheme.key)
    return render(request, "targets/scheme_form.html", {"form": form, "owner": owner})


@require_http_methods(["GET", "POST"])
@cap_required(Cap.MANAGE_WORK)
def scheme_edit(request: HttpRequest, key: str) -> HttpResponse:
    scheme = get_scheme(key)
    _check(request, scheme)
    form = SchemeForm(request.POST or None, initial={
        "key": scheme.key, "name": scheme.name, "subject": scheme.subject, "description": scheme.description,
        "is_active": scheme.is_active, "version": scheme.version})
    form.fields["key"].disabled = True
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            actions.update_scheme(acting_user=request.user, scheme=scheme, expected_version=d.get("version") or 0,
                                  name=d["name"], subject=d["subject"], description=d.get("description") or "",
                                  is_active=bool(d.get("is_active")))
        except InvalidInput as exc:
            _apply_errors(form, exc)
        except StaleObjectError as exc:
            form.add_error(None, exc.message)
        else:
            messages.success(request, "已保存方案信息。")
            return redirect("targets:scheme_detail", key=scheme.key)
    return render(request, "targets/scheme_form.html", {"form": form, "scheme": scheme, "owner": scheme.owner})


def _version_notice(request: HttpRequest, before: SchemeVersion, after: SchemeVersion) -> None:
    if after.number != before.number:
        messages.warning(request, f"第{before.number}版已用于已发布的考核，本次修改生成了第{after.number}版；"
                                  "已发布的结果不受影响，重新运行考核时将使用新版本。")


@require_http_methods(["GET", "POST"])
@cap_required(Cap.MANAGE_WORK)
def item_edit(request: HttpRequest, key: str, item_key: str | None = None) -> HttpResponse:
    """Add (item_key None; kind from ?kind=) or change an item."""
    scheme = get_scheme(key)
    _check(request, scheme)
    current = scheme.current
    item: SchemeItem | None = None
    if item_key is not None:
        item = current.items.filter(key=item_key).first()
        if item is None:
            raise Http404("未找到该评分项。")
        kind = item.kind
    else:
        kind = request.POST.get("kind") or request.GET.get("kind") or ""
        if kind not in rules.KINDS:
            return render(request, "targets/item_kind.html", {"scheme": scheme, "kinds": [
                (k, rules.KIND_LABELS[k]) for k in rules.KINDS]})
    form = ItemForm(request.POST or None, kind=kind, initial=ItemForm.initial_for(item, kind, scheme.version))
    if request.method == "POST" and form.is_valid():
        try:
            version = actions.save_item(acting_user=request.user, scheme=scheme,
                                        expected_version=form.cleaned_data["version"], data=form.data_for_action(),
                                        original_key=item.key if item else None)
        except InvalidInput as exc:
            _apply_errors(form, exc)
        except StaleObjectError as exc:
            form.add_error(None, exc.message)
        else:
            _version_notice(request, current, version)
            messages.success(request, f"已保存评分项“{form.cleaned_data['name']}”。")
            return redirect("targets:scheme_detail", key=scheme.key)
    return render(request, "targets/item_form.html", {
        "scheme": scheme, "item": item, "form": form, "kind": kind, "kind_label": rules.KIND_LABELS[kind],
        "frozen": current.frozen_at is not None, "version": current,
    })


@require_POST
@cap_required(Cap.MANAGE_WORK)
def item_delete(request: HttpRequest, key: str, item_key: str) -> HttpResponse:
    scheme = get_scheme(key)
    _check(request, scheme)
    current = scheme.current
    try:
        version = actions.delete_item(acting_user=request.user, scheme=scheme,
                                      expected_version=int(request.POST.get("version") or 0), key=item_key)
    except InvalidInput as exc:
        messages.error(request, error_text(exc))
    except StaleObjectError as exc:
        messages.error(request, exc.message)
    else:
        _version_notice(request, current, version)
        messages.success(request, "已删除评分项。")
    return redirect("targets:scheme_detail", key=scheme.key)


@require_http_methods(["GET", "POST"])
@cap_required(Cap.MANAGE_WORK)
def ranking_edit(request: HttpRequest, key: str) -> HttpResponse:
    scheme = get_scheme(key)
    _check(request, scheme)
    current = scheme.current
    used = {i.line_id for i in current.items.all() if i.line_id}
    lines = [line for line in LineOfWork.objects.order_by("sort_order") if line.pk in used]
    form = RankingForm(request.POST or None, scheme=scheme, lines=lines,
                       initial=RankingForm.initial_for(scheme, lines))
    if request.method == "POST" and form.is_valid():
        try:
            version = actions.update_ranking(acting_user=request.user, scheme=scheme,
                                             expected_version=form.cleaned_data["version"],
                                             data=form.data_for_action(),
                                             peer_parent=form.cleaned_data.get("peer_parent"),
                                             note=form.cleaned_data.get("note") or "")
        except InvalidInput as exc:
            _apply_errors(form, exc)
        except StaleObjectError as exc:
            form.add_error(None, exc.message)
        else:
            _version_notice(request, current, version)
            messages.success(request, "已保存权重与排名设置。")
            return redirect("targets:scheme_detail", key=scheme.key)
    return render(request, "targets/ranking_form.html", {"scheme": scheme, "form": form,
                                                         "frozen": current.frozen_at is not None})
