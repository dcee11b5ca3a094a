"""Case pages: the list (filters, overdue in red, cards on a phone), the detail with its timeline and the forms the
user may use, dispatch, escalation rules, and permission-checked attachment downloads."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.core.paginator import Paginator
from django.db.models import Q
from django.http import FileResponse, HttpRequest, HttpResponse, HttpResponseBase, QueryDict
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
    RequiredReasonForm,
    RuleForm,
    VerifyForm,
)
from taizhang.cases.models import Case, CaseAttachment, EscalationRule, ExtensionRequest
from taizhang.cases.registry import get_kind
from taizhang.core import audit
from taizhang.core.errors import InvalidInput, InvalidTransition, StaleObjectError, TaizhangError
from taizhang.core.forms import place_action_errors
from taizhang.core.permissions import cap_required
from taizhang.core.querysets import get_scoped
from taizhang.org.roles import Cap

PAGE_SIZE = 30
# An image attachment opened on its own is shown by the browser's image viewer, which fits it to the screen with
# inline styles that the pages' policy (style-src 'self') refuses: its response gets this narrow policy instead (the
# security middleware keeps a policy a view has set). The same as citizen.photos.IMAGE_CSP.
IMAGE_CSP = "default-src 'none'; img-src 'self'; style-src 'unsafe-inline'; sandbox allow-same-origin"


def _ids(raw: str) -> list[int]:
    ids: list[int] = []
    for part in raw.split(","):
        part = part.strip()
        if part.isdigit() and len(ids) < 5000:
            ids.append(int(part))
    return ids


def filtered_cases(user: Any, params: Any) -> tuple[Any, CaseFilterForm]:
    """The list's cases. By default the user's open cases (not closed or cancelled) as a to-do list: overdue first,
    then by deadline. `show=all`, a state, or the figures' `ids` widen it (newest first for all cases)."""
    form = CaseFilterForm(params or None, user=user)
    qs: Any = Case.objects.visible_to(user).select_related("unit")
    data = form.cleaned_data if form.is_valid() else {}
    by_ids = bool(params.get("ids"))
    if by_ids:
        qs = qs.filter(pk__in=_ids(params["ids"]))
    if data.get("state"):
        qs = qs.filter(state=data["state"])
    if data.get("kind"):
        qs = qs.filter(kind=data["kind"])
    if data.get("unit"):
        qs = qs.filter(unit__path__startswith=data["unit"].path)
    if data.get("overdue"):
        qs = qs.filter(state__in=Case.RUNNING_STATES, deadline__lt=timezone.localdate())
    if data.get("extension"):  # the staff workbench's 延期待审批
        qs = qs.filter(pk__in=ExtensionRequest.objects.filter(state=ExtensionRequest.State.PENDING).values("case_id"))
    if data.get("q"):
        qs = qs.filter(Q(title__icontains=data["q"]) | Q(description__icontains=data["q"]))
    if show_all(params, data):
        return qs.order_by("-created_at", "-id"), form
    if not data.get("state"):
        qs = qs.open()
    return qs.todo_order(timezone.localdate()), form


def show_all(params: Any, data: dict[str, Any]) -> bool:
    """All cases (not only the open ones): asked for, the figures' rows, or a closed/cancelled state."""
    return data.get("show") == "all" or bool(params.get("ids")) or data.get("state") in Case.DONE_STATES


def open_count(user: Any) -> int:
    """How many cases /cases/ lists by default (the workbench's link says so)."""
    return int(filtered_cases(user, QueryDict())[0].count())


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
    data = form.cleaned_data if form.is_valid() else {}
    every = show_all(request.GET, data)
    toggle = request.GET.copy()
    toggle.pop("page", None)
    toggle.pop("show", None)
    if not every:
        toggle["show"] = "all"
    return render(request, "cases/case_list.html", {
        "form": form, "page": page, "query": query.urlencode(), "by_ids": bool(request.GET.get("ids")),
        "can_dispatch": actions.has_manage(request.user), "show_all": every,
        "toggle_query": toggle.urlencode(), "can_toggle": not request.GET.get("ids") and not data.get("state"),
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
            place_action_errors(form, exc)
        else:
            messages.success(request, f"已派发至{case.unit.name}，办理期限{actions._fmt(case.deadline)}。")
            return redirect("cases:case_detail", pk=case.pk)
    return render(request, "cases/case_new.html", {"form": form})


ACTION_FORMS: dict[str, type[forms.Form]] = {
    "send_back": RequiredReasonForm, "handle": HandleForm, "extension": ExtensionForm,
    "redispatch": RedispatchForm, "arbitrate": ArbitrateForm, "decide": DecideForm, "verify": VerifyForm,
    "close": ReasonForm, "reopen": RequiredReasonForm, "cancel": RequiredReasonForm, "rate": RateForm,
}
WITH_USER = ("redispatch", "arbitrate")
# the action's error fields that the form shows under another name
FIELD_ALIASES = {"files": "evidence"}


def action_form(action: str, user: Any, data: Any = None, files: Any = None, **kwargs: Any) -> Any:
    """The form of one action, empty or bound to a submission; None for actions without one."""
    form_class = ACTION_FORMS.get(action)
    if form_class is None:
        return None
    if action in WITH_USER:
        kwargs["user"] = user
    return form_class(data, files, **kwargs)


def detail_context(user: Any, case: Case, bound: tuple[str, Any] | None = None) -> dict[str, Any]:
    """What the detail page shows, and the forms of the actions the user may use (`actions.available_actions`).
    `bound` is a submitted action that failed, (action, bound form): its form replaces the empty one and is shown
    open."""
    kind = get_kind(case.kind)
    pending = actions.pending_extension(case)
    allowed = actions.available_actions(user, case, pending)
    # where 申请延期 is missing for the unit, the page says why
    extension_blocked = actions.extension_unavailable(case, pending) if actions.can_work(user, case) else ""
    forms_: dict[str, Any] = {}
    for name in allowed:
        initial = {"request": pending.pk} if name == "decide" and pending is not None else None
        forms_[name] = action_form(name, user, initial=initial) or True
    open_action = ""
    if bound is not None and bound[0] in forms_ and bound[1] is not None:
        open_action = bound[0]
        forms_[open_action] = bound[1]
    # a user with nothing to do is told who acts now, and where a check done on the subject's page is made
    waiting = "" if allowed else actions.waiting_on(case)
    checked_on_subject = bool(waiting and case.state == Case.State.HANDLED and kind is not None
                              and kind.verified_on_subject and case.subject_url)
    return {
        "case": case, "kind": kind, "forms": forms_, "pending": pending, "open_action": open_action,
        "extension_blocked": extension_blocked, "waiting": waiting, "checked_on_subject": checked_on_subject,
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


def perform(user: Any, case: Case, action: str, form: Any, post: Any, files: Any) -> str:
    """Run one action from its submitted (bound) form; returns the success message. Raises TaizhangError."""
    def valid() -> dict[str, Any]:
        if form is None:
            raise InvalidInput("未知的操作")
        if not form.is_valid():
            raise InvalidInput(_form_error(form) or "输入有误")
        return dict(form.cleaned_data)

    if action == "accept":
        actions.accept_case(acting_user=user, case=case)
        return "已签收。"
    if action == "send_back":
        actions.send_back_case(acting_user=user, case=case, reason=valid()["reason"])
        return "已退单，等待宣传部裁定。"
    if action == "handle":
        data = valid()
        actions.handle_case(acting_user=user, case=case, reply=data["reply"], public_reply=data["public_reply"],
                            files=files.getlist("evidence"))
        return "已登记办理情况，等待核查。"
    if action == "extension":
        data = valid()
        actions.request_extension(acting_user=user, case=case, until=data["until"], reason=data["reason"])
        return "已提交延期申请。"
    if action == "redispatch":
        data = valid()
        actions.redispatch_case(acting_user=user, case=case, unit=data["unit"], deadline=data["deadline"])
        return f"已派发至{data['unit'].name}。"
    if action == "arbitrate":
        data = valid()
        actions.arbitrate_send_back(acting_user=user, case=case, uphold=data["uphold"], new_unit=data["new_unit"],
                                    reason=data["reason"])
        return "已裁定。"
    if action == "decide":
        data = valid()
        request = get_object_or_404(ExtensionRequest, pk=data["request"], case=case)
        actions.decide_extension(acting_user=user, request=request, approve=data["approve"], reason=data["reason"])
        return "已审批延期申请。"
    if action == "verify":
        data = valid()
        actions.verify_case(acting_user=user, case=case, passed=data["passed"], reason=data["reason"])
        return "核查通过，已办结。" if data["passed"] else "核查未通过，已退回责任单位重办。"
    if action == "close":
        actions.close_case(acting_user=user, case=case, reason=valid()["reason"])
        return "已办结。"
    if action == "reopen":
        actions.reopen_case(acting_user=user, case=case, reason=valid()["reason"])
        return "已重办，责任单位将收到通知。"
    if action == "cancel":
        actions.cancel_case(acting_user=user, case=case, reason=valid()["reason"])
        return "已撤销。"
    if action == "rate":
        data = valid()
        actions.rate_case(acting_user=user, case=case, rating=data["rating"], comment=data["comment"])
        return "已登记评价。"
    if action == "attach":
        actions.add_attachments(acting_user=user, case=case, files=files.getlist("evidence"),
                                phase=post.get("phase") or "before")
        return "已上传附件。"
    raise InvalidInput("未知的操作")


def _show_errors(form: Any, exc: InvalidInput) -> None:
    """Put an action's field errors next to the form's fields (the rest above the form). When the action refuses
    one field for one reason ("核查未通过必须填写意见", reason: "请填写意见"), that field carries the action's own,
    fuller message and it is not repeated above the form: the error summary lists each problem once."""
    if form is None or not exc.errors:
        return
    if len(exc.errors) == 1:
        ((field, errors),) = exc.errors.items()
        name = FIELD_ALIASES.get(field, field)
        if name in form.fields and len(errors) == 1:
            form.add_error(name, exc.message)
            return
    place_action_errors(form, exc, aliases=FIELD_ALIASES)


@require_POST
@cap_required(Cap.VIEW)
def case_act(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    """Run an action. On success back to the case (or `next`); when refused, the case page again with the
    action's form as submitted (text kept, errors by the fields, its section open), nothing saved."""
    case = get_scoped(Case.objects.select_related("unit"), request.user, Cap.VIEW, pk=pk)
    form = action_form(action, request.user, request.POST, request.FILES)
    try:
        message = perform(request.user, case, action, form, request.POST, request.FILES)
    except (InvalidInput, InvalidTransition, StaleObjectError) as exc:
        own_errors = form is not None and bool(form.errors)  # the form's own checks refused it: they say it all
        if isinstance(exc, InvalidInput):
            _show_errors(form, exc)
        # the action ran in a transaction that was rolled back; show the case as stored
        case = get_scoped(Case.objects.select_related("unit", "dispatched_by"), request.user, Cap.VIEW, pk=pk)
        context = detail_context(request.user, case, bound=(action, form))
        if context["open_action"] == action:
            # its form is shown again, open, and the form's URL (#case-action-<name>) brings it into view: the
            # error is there, above the fields and by the field (role="alert"), not at the top of a long page
            shown = {str(e) for errors in form.errors.values() for e in errors}
            if not own_errors and exc.message not in shown:
                form.add_error(None, exc.message)
        else:  # the action is no longer offered (or has no form): the error above the page
            # a page opened before someone else acted: say that what is shown now is the case as it stands
            stale = "" if isinstance(exc, InvalidInput) else "本页已更新为工单的最新情况，请查看后再办理。"
            messages.error(request, exc.message + stale)
        status = 400 if isinstance(exc, InvalidInput) else 409
        return render(request, "cases/case_detail.html", context, status=status)
    except TaizhangError:
        raise
    messages.success(request, message)
    # (the browser keeps the form's #case-action-<name> across this redirect; a successful action's form is gone
    # from the page, so nothing is scrolled to and the message at the top is in view)
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
    if attachment.is_image:  # shown inline by the browser's image viewer, which styles the picture inline
        response["Content-Security-Policy"] = IMAGE_CSP
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
