"""Case pages: the list (filters, overdue in red, cards on a phone), the detail with its timeline and the forms the
user may use, dispatch, escalation rules, and permission-checked attachment downloads."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.paginator import Paginator
from django.db.models import Q
from django.http import FileResponse, HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from taizhang.cases import actions
from taizhang.cases.forms import (
    ArbitrateForm,
    CaseFilterForm,
    DecideForm,
    DispatchForm,
    ExtensionForm,
    HandleForm,
    RateForm,
    ReasonForm,
    RedispatchForm,
    RuleForm,
    VerifyForm,
)
from taizhang.cases.models import Case, CaseAttachment, EscalationRule, ExtensionRequest
from taizhang.cases.registry import get_kind
from taizhang.core import audit
from taizhang.core.errors import InvalidInput, InvalidTransition, StaleObjectError, TaizhangError
from taizhang.core.permissions import cap_required
from taizhang.core.querysets import get_scoped
from taizhang.org.roles import Cap

PAGE_SIZE = 30
S = Case.State


def _ids(raw: str) -> list[int]:
    ids: list[int] = []
    for part in raw.split(","):
        part = part.strip()
        if part.isdigit() and len(ids) < 5000:
            ids.append(int(part))
    return ids


def filtered_cases(user: Any, params: Any) -> tuple[Any, CaseFilterForm]:
    form = CaseFilterForm(params or None, user=user)
    qs = Case.objects.visible_to(user).select_related("unit")
    if params.get("ids"):
        qs = qs.filter(pk__in=_ids(params["ids"]))
    if form.is_valid():
        data = form.cleaned_data
        if data["state"]:
            qs = qs.filter(state=data["state"])
        if data["kind"]:
            qs = qs.filter(kind=data["kind"])
        if data["unit"]:
            qs = qs.filter(unit__path__startswith=data["unit"].path)
        if data["overdue"]:
            qs = qs.filter(state__in=Case.RUNNING_STATES, deadline__lt=timezone.localdate())
        if data["q"]:
            qs = qs.filter(Q(title__icontains=data["q"]) | Q(description__icontains=data["q"]))
    return qs.order_by("-created_at", "-id"), form


@require_GET
@cap_required(Cap.VIEW)
def case_list(request: HttpRequest) -> HttpResponse:
    qs, form = filtered_cases(request.user, request.GET)
    page = Paginator(qs, PAGE_SIZE).get_page(request.GET.get("page"))
    today = timezone.localdate()
    for case in page.object_list:
        case.is_late = case.is_overdue(today)
    query = request.GET.copy()
    query.pop("page", None)
    return render(request, "cases/case_list.html", {
        "form": form, "page": page, "query": query.urlencode(), "by_ids": bool(request.GET.get("ids")),
        "can_dispatch": actions.has_manage(request.user),
    })


@require_http_methods(["GET", "POST"])
@cap_required(Cap.MANAGE_WORK)
def case_new(request: HttpRequest) -> HttpResponse:
    form = DispatchForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            case = actions.dispatch_case(
                acting_user=request.user, kind=data["kind"], unit=data["unit"], title=data["title"],
                description=data["description"], deadline=data["deadline"],
            )
        except InvalidInput as exc:
            for field, errors in exc.errors.items():
                for error in errors:
                    form.add_error(field if field in form.fields else None, error)
            if not exc.errors:
                form.add_error(None, exc.message)
        else:
            messages.success(request, f"已派发至{case.unit.name}，办理期限{actions._fmt(case.deadline)}。")
            return redirect("cases:case_detail", pk=case.pk)
    return render(request, "cases/case_new.html", {"form": form})


def detail_context(user: Any, case: Case) -> dict[str, Any]:
    """What the case panel and the detail page show, and which action forms the user may use."""
    work = actions.can_work(user, case)
    manage = actions.can_manage(user, case)
    state = case.state
    kind = get_kind(case.kind)
    pending = case.extension_requests.filter(state=ExtensionRequest.State.PENDING).first()
    forms: dict[str, Any] = {}
    if work:
        if state == S.DISPATCHED:
            forms["accept"] = True
        if state in (S.DISPATCHED, S.ACCEPTED):
            forms["send_back"] = ReasonForm()
        if state in (S.DISPATCHED, S.ACCEPTED, S.REOPENED):
            forms["handle"] = HandleForm()
            if pending is None and not case.is_overdue():
                forms["extension"] = ExtensionForm()
    if manage:
        if state == S.NEW:
            forms["redispatch"] = RedispatchForm(user=user)
        if state == S.SENT_BACK:
            forms["arbitrate"] = ArbitrateForm(user=user)
        if pending is not None:
            forms["decide"] = DecideForm(initial={"request": pending.pk})
        if state == S.HANDLED:
            forms["verify"] = VerifyForm()
        if state in (S.HANDLED, S.VERIFIED):
            forms["close"] = ReasonForm()
        if state in (S.HANDLED, S.VERIFIED, S.CLOSED):
            forms["reopen"] = ReasonForm()
        if state in Case.OPEN_STATES:
            forms["cancel"] = ReasonForm()
        if kind is not None and kind.has_citizen and state in (S.HANDLED, S.VERIFIED, S.CLOSED) and not case.rated_at:
            forms["rate"] = RateForm()
    return {
        "case": case, "kind": kind, "forms": forms, "pending": pending,
        "events": case.events.select_related("user", "unit").order_by("at", "id"),
        "attachments": case.attachments.order_by("id"),
        "extensions": case.extension_requests.select_related("requested_by", "decided_by"),
    }


@require_GET
@cap_required(Cap.VIEW)
def case_detail(request: HttpRequest, pk: int) -> HttpResponse:
    case = get_scoped(Case.objects.select_related("unit", "dispatched_by"), request.user, Cap.VIEW, pk=pk)
    return render(request, "cases/case_detail.html", detail_context(request.user, case))


def _form_error(form: Any) -> str:
    return "；".join(str(e) for errs in form.errors.values() for e in errs)


def perform(user: Any, case: Case, action: str, post: Any, files: Any) -> str:
    """Run one action from a submitted form; returns the success message. Raises TaizhangError."""
    def valid(form: Any) -> dict[str, Any]:
        if not form.is_valid():
            raise InvalidInput(_form_error(form) or "输入有误")
        return dict(form.cleaned_data)

    if action == "accept":
        actions.accept_case(acting_user=user, case=case)
        return "已签收。"
    if action == "send_back":
        actions.send_back_case(acting_user=user, case=case, reason=valid(ReasonForm(post))["reason"])
        return "已退单，等待宣传部裁定。"
    if action == "handle":
        data = valid(HandleForm(post, files))
        actions.handle_case(acting_user=user, case=case, reply=data["reply"], public_reply=data["public_reply"],
                            files=files.getlist("evidence"))
        return "已登记办理情况，等待核查。"
    if action == "extension":
        data = valid(ExtensionForm(post))
        actions.request_extension(acting_user=user, case=case, until=data["until"], reason=data["reason"])
        return "已提交延期申请。"
    if action == "redispatch":
        data = valid(RedispatchForm(post, user=user))
        actions.redispatch_case(acting_user=user, case=case, unit=data["unit"], deadline=data["deadline"])
        return f"已派发至{data['unit'].name}。"
    if action == "arbitrate":
        data = valid(ArbitrateForm(post, user=user))
        actions.arbitrate_send_back(acting_user=user, case=case, uphold=data["uphold"], new_unit=data["new_unit"],
                                    reason=data["reason"])
        return "已裁定。"
    if action == "decide":
        data = valid(DecideForm(post))
        request = get_object_or_404(ExtensionRequest, pk=data["request"], case=case)
        actions.decide_extension(acting_user=user, request=request, approve=data["approve"], reason=data["reason"])
        return "已审批延期申请。"
    if action == "verify":
        data = valid(VerifyForm(post))
        actions.verify_case(acting_user=user, case=case, passed=data["passed"], reason=data["reason"])
        return "核查通过，已办结。" if data["passed"] else "核查未通过，已退回责任单位重办。"
    if action == "close":
        actions.close_case(acting_user=user, case=case, reason=valid(ReasonForm(post))["reason"])
        return "已办结。"
    if action == "reopen":
        actions.reopen_case(acting_user=user, case=case, reason=valid(ReasonForm(post))["reason"])
        return "已重办，责任单位将收到通知。"
    if action == "cancel":
        actions.cancel_case(acting_user=user, case=case, reason=valid(ReasonForm(post))["reason"])
        return "已撤销。"
    if action == "rate":
        data = valid(RateForm(post))
        actions.rate_case(acting_user=user, case=case, rating=data["rating"], comment=data["comment"])
        return "已登记评价。"
    if action == "attach":
        actions.add_attachments(acting_user=user, case=case, files=files.getlist("evidence"),
                                phase=post.get("phase") or "before")
        return "已上传附件。"
    raise InvalidInput("未知的操作")


@require_POST
@cap_required(Cap.VIEW)
def case_act(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    case = get_scoped(Case.objects.select_related("unit"), request.user, Cap.VIEW, pk=pk)
    try:
        message = perform(request.user, case, action, request.POST, request.FILES)
    except (InvalidInput, InvalidTransition, StaleObjectError) as exc:
        messages.error(request, exc.message)
    except TaizhangError:
        raise
    else:
        messages.success(request, message)
    target = request.POST.get("next", "")
    if target.startswith("/") and not target.startswith("//"):
        return redirect(target)
    return redirect("cases:case_detail", pk=pk)


@require_GET
@cap_required(Cap.VIEW)
def attachment_download(request: HttpRequest, pk: int) -> HttpResponseBase:
    attachment = get_scoped(CaseAttachment.objects.select_related("case"), request.user, Cap.VIEW, pk=pk)
    audit.record("download", attachment, user=request.user, object_repr=attachment.original_name)
    response = FileResponse(attachment.file.open("rb"), content_type=attachment.content_type or
                            "application/octet-stream", as_attachment=not attachment.is_image,
                            filename=attachment.original_name)
    response["X-Content-Type-Options"] = "nosniff"
    return response


@require_http_methods(["GET", "POST"])
@cap_required(Cap.MANAGE_WORK)
def rule_list(request: HttpRequest) -> HttpResponse:
    rule = None
    if request.POST.get("pk"):
        rule = get_object_or_404(EscalationRule, pk=request.POST["pk"])
    form = RuleForm(request.POST or None, instance=rule)
    if request.method == "POST":
        if request.POST.get("delete") and rule is not None:
            actions.delete_rule(acting_user=request.user, rule=rule)
            messages.success(request, "已删除督办规则。")
            return redirect("cases:rule_list")
        if form.is_valid():
            try:
                actions.save_rule(acting_user=request.user, rule=rule, **form.cleaned_data)
            except InvalidInput as exc:
                messages.error(request, exc.message)
            else:
                messages.success(request, "已保存督办规则。")
                return redirect("cases:rule_list")
    return render(request, "cases/rule_list.html", {
        "rules": EscalationRule.objects.all(), "form": form, "kinds": dict(_kind_names()),
    })


def _kind_names() -> list[tuple[str, str]]:
    from taizhang.cases.registry import kind_choices

    return [("", "所有类型"), *kind_choices()]
