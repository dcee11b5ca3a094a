"""New-media accounts: the register, filings, statistics, checks and the three-step post review."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_http_methods, require_POST

from taizhang.core.errors import InvalidInput, InvalidTransition, StaleObjectError
from taizhang.core.forms import place_action_errors
from taizhang.core.querysets import get_scoped
from taizhang.org.roles import Cap
from taizhang.org.scoping import home_unit
from taizhang.org.views import cap_required
from taizhang.press import actions, imports, rules
from taizhang.press.actions.newmedia import STEP_ORDER
from taizhang.press.forms import (
    CheckForm,
    DecideForm,
    FilingForm,
    NewAccountForm,
    PostForm,
    SampleForm,
    StatImportForm,
    units_for,
)
from taizhang.press.models import (
    PLATFORM_NAMES,
    AccountCheck,
    AccountFiling,
    AccountStat,
    NewMediaAccount,
    PostReview,
    PostReviewStep,
)
from taizhang.press.views.common import can_act, error, ids_filter, is_staff, paginate, query_without_page

FLAG_CLASS = {"ok": "", "warning": "tz-press-warning", "dormant": "tz-press-dormant"}


@cap_required(Cap.VIEW)
def account_list(request: HttpRequest) -> HttpResponse:
    qs = NewMediaAccount.objects.visible_to(request.user).select_related("unit")
    qs, by_ids = ids_filter(request, qs)
    platform, state, flag = request.GET.get("platform", ""), request.GET.get("state", ""), request.GET.get("flag", "")
    if platform in PLATFORM_NAMES:
        qs = qs.filter(platform=platform)
    if state in NewMediaAccount.State.values:
        qs = qs.filter(state=state)
    today = timezone.localdate()
    rows = []
    for account in qs:
        days = rules.days_since(account.last_post_date, today, account.opened_on)
        account_flag = rules.dormancy_flag(days) if account.state == NewMediaAccount.State.ACTIVE else ""
        if flag and account_flag != flag:
            continue
        rows.append(
            {
                "account": account,
                "days": days,
                "flag": account_flag,
                "flag_name": rules.FLAG_NAMES.get(account_flag, "—"),
                "css": FLAG_CLASS.get(account_flag, ""),
            }
        )
    counts = {f: sum(1 for r in rows if r["flag"] == f) for f in ("ok", "warning", "dormant")}
    page = Paginator(rows, 100).get_page(request.GET.get("page"))
    return render(
        request,
        "press/account_list.html",
        {
            "rows": page.object_list,
            "page": page,
            "query": query_without_page(request),
            "by_ids": by_ids,
            "platforms": PLATFORM_NAMES.items(),
            "states": NewMediaAccount.State.choices,
            "platform": platform,
            "state": state,
            "flag": flag,
            "counts": counts,
            "today": today,
            "can_file": units_for(request.user, Cap.EDIT_RECORDS, Cap.MANAGE_WORK).exists(),
            "is_staff": is_staff(request.user),
            "pending_filings": AccountFiling.objects.visible_to(request.user)
            .filter(state=AccountFiling.State.PENDING)
            .count(),
        },
    )


@cap_required(Cap.VIEW)
def account_detail(request: HttpRequest, pk: int) -> HttpResponse:
    return _render_account(request, get_scoped(NewMediaAccount.objects.select_related("unit"), request.user, pk=pk))


def _render_account(request: HttpRequest, account: NewMediaAccount, filing_form: FilingForm | None = None,
                    status: int = 200) -> HttpResponse:
    """The account page; a refused filing comes back in its form with what was typed (operator, reviewer, reason)
    and each error by its field."""
    days = rules.days_since(account.last_post_date, timezone.localdate(), account.opened_on)
    return render(
        request,
        "press/account_detail.html",
        {
            "account": account,
            "days": days,
            "flag": rules.FLAG_NAMES[rules.dormancy_flag(days)],
            "filings": account.filings.select_related("submitted_by", "decided_by")[:20],
            "stats": account.stats.all()[:12],
            "checks": account.checks.all()[:12],
            "filing_form": filing_form or FilingForm(),
            "can_act": can_act(request.user, account.unit),
            "is_staff": is_staff(request.user, account.unit),
        },
        status=status,
    )


@require_http_methods(["GET", "POST"])
@cap_required(Cap.VIEW)
def account_new(request: HttpRequest) -> HttpResponseBase:
    form = NewAccountForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            filing = actions.file_new_account(
                acting_user=request.user,
                unit=data["unit"],
                platform=data["platform"],
                name=data["name"],
                reason=data["reason"],
                account_id=data["account_id"],
                url=data["url"],
                operator=data["operator"],
                reviewer=data["reviewer"],
                feed_url=data["feed_url"],
            )
        except InvalidInput as exc:
            error(request, exc)
        else:
            messages.success(request, "开设备案已提交，待宣传部审核。")
            return redirect("press:account_detail", filing.account_id)
    return render(
        request, "press/form.html", {"form": form, "title": "开设新媒体账号（备案）", "back": "press:account_list"}
    )


@require_POST
@cap_required(Cap.VIEW)
def account_file(request: HttpRequest, pk: int) -> HttpResponseBase:
    account = get_scoped(NewMediaAccount.objects.select_related("unit"), request.user, pk=pk)
    form = FilingForm(request.POST)
    if form.is_valid():
        try:
            actions.file_account_change(
                acting_user=request.user,
                account=account,
                kind=form.cleaned_data["kind"],
                reason=form.cleaned_data["reason"],
                changes=form.changes(),
            )
        except InvalidInput as exc:
            place_action_errors(form, exc)
        except InvalidTransition as exc:
            form.add_error(None, exc.message)
        else:
            messages.success(request, "备案已提交，待宣传部审核。")
            return redirect("press:account_detail", account.pk)
    return _render_account(request, account, form, status=400)


@cap_required(Cap.VIEW)
def filing_list(request: HttpRequest) -> HttpResponse:
    qs = AccountFiling.objects.visible_to(request.user).select_related("account", "unit", "submitted_by")
    state = request.GET.get("state", AccountFiling.State.PENDING)
    if state in AccountFiling.State.values:
        qs = qs.filter(state=state)
    return render(
        request,
        "press/filing_list.html",
        {
            "page": paginate(request, qs),
            "state": state,
            "states": AccountFiling.State.choices,
            "decide_form": DecideForm(),
            "is_staff": is_staff(request.user),
            "query": query_without_page(request),
        },
    )


@require_POST
@cap_required(Cap.MANAGE_WORK)
def filing_decide(request: HttpRequest, pk: int) -> HttpResponseBase:
    filing = get_scoped(AccountFiling.objects.select_related("unit"), request.user, Cap.MANAGE_WORK, pk=pk)
    form = DecideForm(request.POST)
    if form.is_valid():
        try:
            actions.decide_filing(
                acting_user=request.user,
                filing=filing,
                approve=form.cleaned_data["approve"],
                note=form.cleaned_data["note"],
            )
            messages.success(request, "备案已审核。")
        except (InvalidInput, InvalidTransition, StaleObjectError) as exc:
            error(request, exc)
    return redirect("press:filing_list")


# --- statistics ---------------------------------------------------------------------------------------------------
@cap_required(Cap.VIEW)
def stat_list(request: HttpRequest) -> HttpResponse:
    qs = AccountStat.objects.visible_to(request.user).select_related("account__unit")
    qs, by_ids = ids_filter(request, qs)
    return render(
        request,
        "press/stat_list.html",
        {"page": paginate(request, qs), "by_ids": by_ids, "query": query_without_page(request)},
    )


@require_http_methods(["GET", "POST"])
@cap_required(Cap.VIEW)
def stat_import(request: HttpRequest) -> HttpResponseBase:
    form = StatImportForm(request.POST or None, request.FILES or None)
    result = None
    if request.method == "POST" and form.is_valid():
        from taizhang.core.uploads import check_upload

        upload = form.cleaned_data["file"]
        try:
            check_upload(upload, {"xlsx", "txt"})
            upload.seek(0)
            accounts = NewMediaAccount.objects.visible_to(
                request.user, Cap.EDIT_RECORDS
            ) | NewMediaAccount.objects.visible_to(request.user, Cap.MANAGE_WORK)
            result = imports.import_stats(
                upload.read(),
                upload.name,
                acting_user=request.user,
                accounts=accounts.exclude(state=NewMediaAccount.State.CLOSED),
            )
            messages.success(request, f"导入成功：新增 {result.created} 条，更新 {result.updated} 条。")
        except InvalidInput as exc:
            error(request, exc)
    return render(request, "press/stat_import.html", {"form": form, "result": result, "headers": imports.HEADERS})


@cap_required(Cap.VIEW)
def stat_template(request: HttpRequest) -> HttpResponse:
    response = HttpResponse(
        imports.template_bytes(), content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    response["Content-Disposition"] = "attachment; filename*=UTF-8''%E8%B4%A6%E5%8F%B7%E7%BB%9F%E8%AE%A1.xlsx"
    return response


# --- checks -------------------------------------------------------------------------------------------------------
@cap_required(Cap.VIEW)
def check_list(request: HttpRequest) -> HttpResponse:
    qs = AccountCheck.objects.visible_to(request.user).select_related("account__unit")
    qs, by_ids = ids_filter(request, qs)
    result = request.GET.get("result", "")
    if result in AccountCheck.Result.values:
        qs = qs.filter(result=result)
    today = timezone.localdate()
    flagged = [
        r
        for r in actions.dormancy(
            today,
            NewMediaAccount.objects.visible_to(request.user)
            .filter(state=NewMediaAccount.State.ACTIVE)
            .select_related("unit"),
        )
        if r["flag"] != "ok"
    ]
    return render(
        request,
        "press/check_list.html",
        {
            "page": paginate(request, qs),
            "by_ids": by_ids,
            "result": result,
            "results": AccountCheck.Result.choices,
            "flagged": flagged,
            "flag_names": rules.FLAG_NAMES,
            "sample_form": SampleForm(),
            "is_staff": is_staff(request.user),
            "query": query_without_page(request),
            "share": f"{settings.TAIZHANG_NEWMEDIA_SAMPLE_PERCENT}%",
        },
    )


@require_POST
@cap_required(Cap.MANAGE_WORK)
def check_sample(request: HttpRequest) -> HttpResponseBase:
    form = SampleForm(request.POST)
    if form.is_valid():
        owner = home_unit(request.user)
        try:
            checks = actions.sample_accounts(acting_user=request.user, month=form.cleaned_data["month"], owner=owner)
            messages.success(request, f"已抽取 {len(checks)} 个账号待检查。")
        except InvalidInput as exc:
            error(request, exc)
    return redirect("press:check_list")


@require_POST
@cap_required(Cap.MANAGE_WORK)
def account_check(request: HttpRequest, pk: int) -> HttpResponseBase:
    account = get_scoped(NewMediaAccount.objects.select_related("unit"), request.user, Cap.MANAGE_WORK, pk=pk)
    try:
        check = actions.check_account(acting_user=request.user, account=account)
    except InvalidTransition as exc:
        error(request, exc)
        return redirect("press:account_detail", account.pk)
    return redirect("press:check_detail", check.pk)


@require_http_methods(["GET", "POST"])
@cap_required(Cap.VIEW)
def check_detail(request: HttpRequest, pk: int) -> HttpResponseBase:
    check = get_scoped(AccountCheck.objects.select_related("account__unit", "recheck_of"), request.user, pk=pk)
    staff = is_staff(request.user, check.account.unit)
    form = CheckForm(request.POST or None)
    if request.method == "POST":
        if not staff:
            error(request, "只有宣传部工作人员可以检查新媒体账号。")
        elif form.is_valid():
            try:
                actions.record_check(
                    acting_user=request.user, check=check, failed=form.failed(), note=form.cleaned_data["note"]
                )
                messages.success(request, "检查结论已保存。")
                return redirect("press:check_detail", check.pk)
            except (InvalidInput, InvalidTransition) as exc:
                error(request, exc)
    from taizhang.cases.models import Case

    days = rules.days_since(check.account.last_post_date, check.check_date, check.account.opened_on)
    return render(
        request,
        "press/check_detail.html",
        {
            "check": check,
            "form": form,
            "is_staff": staff,
            "days": days,
            "auto_flag": rules.FLAG_NAMES[rules.dormancy_flag(days)],
            "failed_items": [v["name"] for v in check.items.values() if v.get("failed")],
            "cases": list(Case.objects.for_subject(check).visible_to(request.user)),
            "rechecks": check.rechecks.all(),
        },
    )


@require_POST
@cap_required(Cap.MANAGE_WORK)
def check_recheck(request: HttpRequest, pk: int) -> HttpResponseBase:
    check = get_scoped(AccountCheck.objects.select_related("account__unit"), request.user, Cap.MANAGE_WORK, pk=pk)
    try:
        recheck = actions.start_recheck(acting_user=request.user, check=check)
    except InvalidTransition as exc:
        error(request, exc)
        return redirect("press:check_detail", check.pk)
    return redirect("press:check_detail", recheck.pk)


# --- post review (先审后发) ------------------------------------------------------------------------------------------
@require_http_methods(["GET", "POST"])
@cap_required(Cap.VIEW)
def review_list(request: HttpRequest) -> HttpResponseBase:
    accounts = (
        NewMediaAccount.objects.visible_to(request.user, Cap.EDIT_RECORDS)
        .filter(state=NewMediaAccount.State.ACTIVE)
        .select_related("unit")
    )
    form = PostForm(request.POST or None, accounts=accounts)
    if request.method == "POST" and form.is_valid():
        try:
            review = actions.submit_post(
                acting_user=request.user,
                account=form.cleaned_data["account"],
                title=form.cleaned_data["title"],
                content=form.cleaned_data["content"],
            )
            messages.success(request, "稿件已提交初审。")
            return redirect("press:review_detail", review.pk)
        except (InvalidInput, InvalidTransition) as exc:
            error(request, exc)
    qs = PostReview.objects.visible_to(request.user).select_related("account__unit", "author")
    state = request.GET.get("state", "")
    if state in PostReview.State.values:
        qs = qs.filter(state=state)
    return render(
        request,
        "press/review_list.html",
        {
            "page": paginate(request, qs),
            "form": form,
            "can_submit": accounts.exists(),
            "state": state,
            "states": PostReview.State.choices,
            "query": query_without_page(request),
        },
    )


@require_http_methods(["GET", "POST"])
@cap_required(Cap.VIEW)
def review_detail(request: HttpRequest, pk: int) -> HttpResponseBase:
    review = get_scoped(PostReview.objects.select_related("account__unit", "author"), request.user, pk=pk)
    if request.method == "POST":
        op = request.POST.get("op", "")
        try:
            if op == "sign":
                form = DecideForm(request.POST)
                if form.is_valid():
                    actions.sign_post(
                        acting_user=request.user,
                        review=review,
                        approve=form.cleaned_data["approve"],
                        note=form.cleaned_data["note"],
                        expected_version=int(request.POST.get("version") or review.version),
                    )
                    messages.success(request, "已签批。")
            elif op == "publish":
                actions.publish_post(acting_user=request.user, review=review)
                messages.success(request, "已登记发布。")
            elif op == "resubmit":
                actions.resubmit_post(
                    acting_user=request.user,
                    review=review,
                    title=request.POST.get("title", ""),
                    content=request.POST.get("content", ""),
                )
                messages.success(request, "已修改并重新提交初审。")
        except (InvalidInput, InvalidTransition, StaleObjectError) as exc:
            error(request, exc)
        except ValueError:
            error(request, "版本号有误，请刷新页面后重试。")
        return redirect("press:review_detail", review.pk)
    return render(
        request,
        "press/review_detail.html",
        {
            "review": review,
            "steps": review.steps.select_related("user"),
            "decide_form": DecideForm(),
            "step_names": dict(PostReviewStep.Step.choices),
            "can_act": can_act(request.user, review.account.unit),
            "signing": review.state in STEP_ORDER,
        },
    )
