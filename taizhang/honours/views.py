"""Staff pages of role-model campaigns: campaigns and their stages, nominations, qualification sign-offs, the jury,
objections to the public notice, the result. The library is in views_library.py."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.paginator import Paginator
from django.db.models import Count, Q, QuerySet
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from taizhang.core.crypto import mask
from taizhang.core.errors import InvalidInput, InvalidTransition, NotPermitted, StaleObjectError, TaizhangError
from taizhang.core.forms import form_page_status, refusal_status
from taizhang.core.querysets import get_scoped, parse_id
from taizhang.org.roles import Cap
from taizhang.org.scoping import can_in_unit, has_cap, root_paths_for
from taizhang.org.views import cap_required

from . import actions
from .forms import CampaignCorrectionForm, CampaignForm, NominationForm
from .models import STAGE_ORDER, Campaign, Evidence, Juror, Nomination, Objection, QualificationItem, Stage

ERRORS = (InvalidInput, InvalidTransition, NotPermitted, StaleObjectError)
STALE = "该评选活动已被他人修改，请核对下面的内容（您填写的仍在）后重新保存；如需看到他人的修改，请刷新页面。"


def _place(form: Any, exc: TaizhangError) -> int:
    return refusal_status(form, exc, stale=STALE)


def _refusal(request: HttpRequest, exc: TaizhangError, op: str, key: Any = None, **values: Any) -> dict[str, Any]:
    """A refused inline form of a page: what was typed (`values`), which form (`op`, and `key` for one row of many)
    and the problem to show beside it. The page is rendered again with it (400), not redirected."""
    field_problems = [m for msgs in getattr(exc, "errors", {}).values() for m in msgs]
    messages.error(request, f"未保存：{exc.message}" + ("" if exc.message.endswith(("。", "！")) else "。")
                   + "您填写的内容仍在，请修改后再提交。")
    return {"op": op, "key": key, "values": values, "error": field_problems[0] if field_problems else exc.message}


def campaigns_for(user: Any) -> QuerySet[Campaign]:
    """Campaigns a user may see: those organised in their subtree, and those of the units above them (a street's
    liaison nominates to the district's campaign)."""
    roots = root_paths_for(user, Cap.VIEW)
    if not roots:
        return Campaign.objects.none()
    q = Q()
    ancestors: set[str] = set()
    for root in roots:
        q |= Q(unit__path__startswith=root)
        parts = [p for p in root.split("/") if p]
        ancestors.update("/" + "/".join(parts[:i]) + "/" for i in range(1, len(parts) + 1))
    return Campaign.objects.filter(q | Q(unit__path__in=ancestors)).select_related("unit")


def _campaign(request: HttpRequest, pk: int) -> Campaign:
    found = campaigns_for(request.user).filter(pk=pk).first()
    if found is None:
        raise Http404("未找到该评选活动，或您无权查看。")
    return found


@cap_required(Cap.VIEW)
def campaign_list(request: HttpRequest) -> HttpResponse:
    qs = campaigns_for(request.user).annotate(n_nominations=Count("nominations")).order_by("-year", "-id")
    page = Paginator(qs, 30).get_page(request.GET.get("page"))
    return render(request, "honours/campaign_list.html", {
        "page": page, "can_open": has_cap(request.user, Cap.MANAGE_WORK)})


@require_http_methods(["GET", "POST"])
@cap_required(Cap.MANAGE_WORK)
def campaign_new(request: HttpRequest) -> HttpResponseBase:
    form = CampaignForm(request.POST or None, user=request.user)
    status = form_page_status(request)
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            campaign = actions.open_campaign(
                acting_user=request.user, unit=d["unit"], code=d["code"], title=d["title"],
                honour_title=d["honour_title"], level=d["level"], year=d["year"], categories=d["categories"],
                dates=form.dates(), public_share=d["public_share"], votes_per_day=d["votes_per_day"],
                description=d["description"], per_unit_limit=d.get("per_unit_limit"))
        except ERRORS as exc:
            status = _place(form, exc)
        else:
            messages.success(request, "评选活动已发起，进入推荐阶段。")
            return redirect("honours:campaign_detail", campaign.pk)
    return render(request, "honours/campaign_form.html", {"form": form}, status=status)


@require_http_methods(["GET", "POST"])
@cap_required(Cap.MANAGE_WORK)
def campaign_edit(request: HttpRequest, pk: int) -> HttpResponseBase:
    """更正活动信息: the organiser corrects names, descriptions and dates not yet past (with a reason)."""
    campaign = _campaign(request, pk)
    if not can_in_unit(request.user, Cap.MANAGE_WORK, campaign.unit):
        raise Http404("未找到该评选活动，或您无权更正。")
    form = CampaignCorrectionForm(request.POST or None, campaign=campaign)
    status = form_page_status(request)
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            actions.correct_campaign(
                acting_user=request.user, campaign=campaign, expected_version=d["version"], reason=d["reason"],
                title=d["title"], description=d["description"], dates=form.dates(),
                per_unit_limit="keep" if form.fields["per_unit_limit"].disabled else d["per_unit_limit"])
        except ERRORS as exc:
            status = _place(form, exc)
        else:
            messages.success(request, "评选活动信息已更正。")
            return redirect("honours:campaign_detail", campaign.pk)
    return render(request, "honours/campaign_edit.html", {"form": form, "campaign": campaign}, status=status)


def _post_campaign(request: HttpRequest, campaign: Campaign) -> None:
    op = request.POST.get("op", "")
    if op == "advance":
        version = str(request.POST.get("version") or "")
        if not version.isdigit() or len(version) > 9:
            raise InvalidInput("页面已过期，请刷新后重试。", {"version": ["版本无效"]})
        actions.advance(acting_user=request.user, campaign=campaign, to=request.POST.get("to", ""),
                        expected_version=int(version))
        messages.success(request, f"已进入“{campaign.get_stage_display()}”阶段。")
    elif op == "confirm":
        ids = [parse_id(v, name="候选人") for v in request.POST.getlist("honoured")]
        chosen = list(Nomination.objects.filter(campaign=campaign, pk__in=ids))
        actions.confirm_honourees(acting_user=request.user, campaign=campaign, nominations=chosen)
        messages.success(request, f"已确定当选人员 {len(chosen)} 名。")
    elif op == "juror":
        from django.contrib.auth import get_user_model

        user = get_user_model().objects.filter(username=request.POST.get("username", "").strip()).first()
        if user is None:
            raise InvalidInput("未找到该用户名。", {"username": ["未找到"]})
        actions.add_juror(acting_user=request.user, campaign=campaign, user=user)
        messages.success(request, "已增加评委。")
    else:
        raise InvalidInput("未知操作。")


@require_http_methods(["GET", "POST"])
@cap_required(Cap.VIEW)
def campaign_detail(request: HttpRequest, pk: int) -> HttpResponseBase:
    """The campaign and its forms. A refused 增加评委 or 确定当选人员 comes back on this page (400) with what was typed
    or ticked kept; a refused bare button (进入下一阶段) goes back with the reason in a message."""
    campaign = _campaign(request, pk)
    refused: dict[str, Any] = {}
    if request.method == "POST":
        op = request.POST.get("op", "")
        try:
            _post_campaign(request, campaign)
        except ERRORS as exc:
            if op == "juror":
                refused = _refusal(request, exc, op, username=request.POST.get("username", "")[:150])
            elif op == "confirm":
                refused = _refusal(request, exc, op, honoured=set(request.POST.getlist("honoured")))
            else:
                messages.error(request, exc.message)
        if not refused:
            return redirect("honours:campaign_detail", campaign.pk)
        campaign = _campaign(request, pk)
    organiser = can_in_unit(request.user, Cap.MANAGE_WORK, campaign.unit)
    nominations = list(Nomination.objects.visible_to(request.user).filter(campaign=campaign)
                       .select_related("category", "unit").defer("phone", "id_number"))
    here = STAGE_ORDER.index(campaign.stage)
    stages = [{"key": s, "label": Stage(s).label, "done": i < here, "current": i == here}
              for i, s in enumerate(STAGE_ORDER)]
    next_stage = Stage(STAGE_ORDER[here + 1]) if here + 1 < len(STAGE_ORDER) else None
    poll = None
    ranking = actions.ranking(campaign) if campaign.stage_index >= STAGE_ORDER.index(Stage.RESULT) else []
    if refused.get("op") == "confirm":  # what was ticked, not what is stored
        for _cat, rows in ranking:
            for row in rows:
                row.ticked = str(row.pk) in refused["values"]["honoured"]  # type: ignore[attr-defined]
    if campaign.stage_index >= STAGE_ORDER.index(Stage.VOTE) and campaign.public_share > 0:
        try:
            from taizhang.votes import actions as votes

            poll = votes.poll_for(campaign)
        except ImportError:
            poll = None
    return render(request, "honours/campaign_detail.html", {
        "campaign": campaign, "stages": stages, "next_stage": next_stage, "organiser": organiser,
        # the results table names every candidate; only those the viewer may open are links (others answer 404)
        "nominations": nominations, "openable": {n.pk for n in nominations},
        "categories": campaign.categories.annotate(
            n=Count("nominations", filter=~Q(nominations__state__in=["withdrawn", "disqualified", "removed"]))),
        "items": campaign.qualification_items.all(), "jurors": campaign.jurors.select_related("user"),
        "ranking": ranking, "refused": refused, "kept": _kept(refused, organiser and (
            campaign.stage_index < 3 if refused.get("op") == "juror" else campaign.stage == Stage.RESULT)),
        "is_juror": Juror.objects.filter(campaign=campaign, user_id=request.user.pk or 0).exists(),
        "can_nominate": campaign.stage == Stage.NOMINATION and (
            has_cap(request.user, Cap.EDIT_RECORDS) or has_cap(request.user, Cap.MANAGE_WORK)),
        "poll": poll, "jury_share": campaign.jury_share,
    }, status=400 if refused else 200)


@require_http_methods(["GET", "POST"])
@cap_required(Cap.VIEW)
def nomination_new(request: HttpRequest, pk: int) -> HttpResponseBase:
    campaign = _campaign(request, pk)
    form = NominationForm(request.POST or None, request.FILES or None, campaign=campaign, user=request.user)
    status = 400
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            nomination = actions.nominate(
                acting_user=request.user, campaign=campaign, category=d["category"], unit=d["unit"], kind=d["kind"],
                nominators=d["nominators"], name=d["name"], gender=d["gender"], birth_date=d["birth_date"],
                workplace=d["workplace"], phone=d["phone"], id_number=d["id_number"], deeds=d["deeds"],
                initials=d["initials"], evidence=request.FILES.getlist("evidence"))
        except ERRORS as exc:
            status = _place(form, exc)
        else:
            messages.success(request, "推荐已提交。")
            return redirect("honours:nomination_detail", nomination.pk)
    return render(request, "honours/nomination_form.html", {"form": form, "campaign": campaign},
                  status=status if request.method == "POST" else 200)


def _post_nomination(request: HttpRequest, nomination: Nomination) -> dict[str, str] | None:
    op = request.POST.get("op", "")
    if op == "reveal":
        return actions.reveal(acting_user=request.user, nomination=nomination)
    if op == "sign":
        item = QualificationItem.objects.filter(campaign=nomination.campaign,
                                                pk=parse_id(request.POST.get("item", ""), name="审查项")).first()
        if item is None:
            raise InvalidInput("审查项无效。")
        actions.sign_off(acting_user=request.user, nomination=nomination, item=item,
                         positive=request.POST.get("positive") == "1", opinion=request.POST.get("opinion", ""))
        messages.success(request, "审查意见已记录。")
    elif op == "score":
        actions.score(acting_user=request.user, nomination=nomination, value=request.POST.get("score", ""),
                      comment=request.POST.get("comment", ""))
        messages.success(request, "评分已记录。")
    elif op == "evidence":
        actions.add_evidence(acting_user=request.user, nomination=nomination, files=request.FILES.getlist("evidence"))
        messages.success(request, "证明材料已上传。")
    elif op == "withdraw":
        actions.withdraw(acting_user=request.user, nomination=nomination, reason=request.POST.get("reason", ""))
        messages.success(request, "推荐已撤回。")
    else:
        raise InvalidInput("未知操作。")
    return None


KEPT_LABELS = {"username": "用户名", "opinion": "审查意见", "score": "评分", "comment": "评语", "reason": "原因",
               "findings": "核查情况", "answer": "答复内容"}


def _kept(refused: dict[str, Any], shown: bool) -> list[tuple[str, str]]:
    """What was typed in a refused form the page no longer shows (its row signed or scored meanwhile, or the stage
    moved on): listed above the page so it can be copied, not lost. Empty when the form is shown with it."""
    if not refused or shown:
        return []
    return [(label, str(refused["values"][name])) for name, label in KEPT_LABELS.items()
            if str(refused["values"].get(name) or "").strip()]


def _typed_refusal(request: HttpRequest, exc: TaizhangError, op: str) -> dict[str, Any]:
    """The refusal of one of the nomination page's forms, with what was typed in it; {} for a bare button (查看完整
    个人信息) or an unknown op, which go back to the page with the reason in a message."""
    post = request.POST
    if op == "sign":
        return _refusal(request, exc, op, key=str(post.get("item", ""))[:20], positive=post.get("positive") == "1",
                        opinion=post.get("opinion", "")[:300])
    if op == "score":
        return _refusal(request, exc, op, score=post.get("score", "")[:20], comment=post.get("comment", "")[:300])
    if op == "withdraw":
        return _refusal(request, exc, op, reason=post.get("reason", "")[:200])
    if op == "evidence":
        names = "、".join(f.name or "" for f in request.FILES.getlist("evidence"))
        found = _refusal(request, exc, op, names=names)
        if names:  # no browser keeps the files chosen: name them, to be chosen again
            found["error"] = f"{found['error']}（未上传：{names}，请重新选择）"
        return found
    messages.error(request, exc.message)
    return {}


@require_http_methods(["GET", "POST"])
@cap_required(Cap.VIEW)
def nomination_detail(request: HttpRequest, pk: int) -> HttpResponseBase:
    nomination = get_scoped(Nomination.objects.select_related("campaign", "campaign__unit", "category", "unit"),
                            request.user, pk=pk)
    revealed = None
    refused: dict[str, Any] = {}
    if request.method == "POST":
        op = request.POST.get("op", "")
        try:
            revealed = _post_nomination(request, nomination)
        except ERRORS as exc:
            refused = _typed_refusal(request, exc, op)
        if revealed is None and not refused:
            return redirect("honours:nomination_detail", nomination.pk)
        if refused:
            nomination.refresh_from_db()
    campaign = nomination.campaign
    signed = {s.item_id: s for s in nomination.signoffs.select_related("signed_by")}
    items = [(item, signed.get(item.pk), actions.may_sign(request.user, item))
             for item in campaign.qualification_items.select_related("sector_unit")]
    for item, _s, _may in items:
        item.refused = (  # type: ignore[attr-defined]
            refused if refused.get("op") == "sign" and refused["key"] == str(item.pk) else None)
    juror = Juror.objects.filter(campaign=campaign, user_id=request.user.pk or 0).first()
    can_edit = can_in_unit(request.user, Cap.EDIT_RECORDS, nomination.unit) or \
        can_in_unit(request.user, Cap.MANAGE_WORK, nomination.unit)
    shown = {  # is the refused form on the page again (else what was typed is listed above it)
        "sign": any(s is None and may and getattr(item, "refused", None) for item, s, may in items)
        and campaign.stage == Stage.QUALIFICATION and nomination.state == "submitted",
        "score": campaign.stage == Stage.JURY and juror is not None and nomination.state == "qualified",
        "withdraw": can_edit and nomination.state == "submitted", "evidence": can_edit,
    }.get(refused.get("op", ""), False)
    response = render(request, "honours/nomination_detail.html", {
        "n": nomination, "campaign": campaign, "m": nomination.masked(), "revealed": revealed, "items": items,
        "can_reveal": can_in_unit(request.user, Cap.MANAGE_WORK, nomination.unit),
        "can_edit": can_edit, "kept": _kept(refused, shown),
        "scores": nomination.scores.select_related("juror__user"), "evidence": nomination.evidence.all(),
        "my_score": nomination.scores.filter(juror=juror).first() if juror else None, "juror": juror,
        "objections": nomination.objections.all(), "in_qualification": campaign.stage == Stage.QUALIFICATION,
        "in_jury": campaign.stage == Stage.JURY, "refused": refused,
    }, status=400 if refused else 200)
    if revealed:
        response["Cache-Control"] = "no-store"
    return response


@cap_required(Cap.VIEW)
def evidence_download(request: HttpRequest, pk: int) -> HttpResponseBase:
    ev = get_scoped(Evidence.objects.select_related("nomination"), request.user, pk=pk)
    return FileResponse(ev.file.open("rb"), as_attachment=True, filename=ev.name, content_type=ev.content_type)


@require_http_methods(["GET", "POST"])
@cap_required(Cap.VIEW)
def signoff_queue(request: HttpRequest) -> HttpResponseBase:
    """Items waiting for this user's sector (or the organiser) to sign; signed from here. A refused opinion comes back
    on this page (400) in its row, with what was typed and the problem beside it."""
    refused: dict[str, Any] = {}
    if request.method == "POST":
        try:
            nomination = Nomination.objects.select_related("campaign", "campaign__unit").filter(
                pk=parse_id(request.POST.get("nomination", ""), name="被推荐人")).first()
            item = QualificationItem.objects.select_related("campaign__unit", "sector_unit").filter(
                pk=parse_id(request.POST.get("item", ""), name="审查项")).first()
            if nomination is None or item is None:
                raise InvalidInput("被推荐人或审查项无效。")
            actions.sign_off(acting_user=request.user, nomination=nomination, item=item,
                             positive=request.POST.get("positive") == "1", opinion=request.POST.get("opinion", ""))
            messages.success(request, "审查意见已记录。")
        except ERRORS as exc:
            key = f"{str(request.POST.get('nomination', ''))[:20]}:{str(request.POST.get('item', ''))[:20]}"
            refused = _refusal(request, exc, "sign", key=key, positive=request.POST.get("positive") == "1",
                               opinion=request.POST.get("opinion", "")[:300])
        else:
            return redirect("honours:signoff_queue")
    rows = actions.signoffs_waiting(request.user)
    for n, item in rows[:200]:
        item.refused = refused if refused.get("key") == f"{n.pk}:{item.pk}" else None  # type: ignore[attr-defined]
    shown = any(getattr(i, "refused", None) for _n, i in rows[:200])
    return render(request, "honours/signoff_queue.html", {
        "rows": rows[:200], "count": len(rows), "kept": _kept(refused, shown)}, status=400 if refused else 200)


@require_http_methods(["GET", "POST"])
@cap_required(Cap.VIEW)
def jury_queue(request: HttpRequest) -> HttpResponseBase:
    """The juror's own list: every candidate of the campaigns in their jury stage, scored from here. A refused score
    comes back on this page (400) in its row, with what was typed and the problem beside it."""
    refused: dict[str, Any] = {}
    if request.method == "POST":
        try:
            nomination = Nomination.objects.select_related("campaign").filter(
                pk=parse_id(request.POST.get("nomination", ""), name="候选人")).first()
            if nomination is None:
                raise InvalidInput("候选人无效。")
            actions.score(acting_user=request.user, nomination=nomination, value=request.POST.get("score", ""),
                          comment=request.POST.get("comment", ""))
            messages.success(request, f"已为{nomination.shown_name}评分。")
        except ERRORS as exc:
            refused = _refusal(request, exc, "score", key=str(request.POST.get("nomination", ""))[:20],
                               score=request.POST.get("score", "")[:20],
                               comment=request.POST.get("comment", "")[:300])
        else:
            return redirect("honours:jury_queue")
    rows = actions.jury_waiting(request.user)
    for _c, n, _s in rows:
        n.refused = refused if refused.get("key") == str(n.pk) else None  # type: ignore[attr-defined]
    return render(request, "honours/jury_queue.html", {
        "rows": rows, "unscored": sum(1 for _c, _n, s in rows if s is None),
        "kept": _kept(refused, any(getattr(n, "refused", None) for _c, n, _s in rows))}, status=400 if refused else 200)


@cap_required(Cap.MANAGE_WORK)
def objection_list(request: HttpRequest) -> HttpResponse:
    qs = (Objection.objects.restrict(request.user, Cap.MANAGE_WORK)
          .select_related("nomination", "nomination__campaign", "nomination__category").defer("contact_phone"))
    state = request.GET.get("state", "")
    if state in Objection.State.values:
        qs = qs.filter(state=state)
    page = Paginator(qs, 50).get_page(request.GET.get("page"))
    return render(request, "honours/objection_list.html", {"page": page, "state": state,
                                                           "states": Objection.State.choices})


@require_http_methods(["GET", "POST"])
@cap_required(Cap.MANAGE_WORK)
def objection_detail(request: HttpRequest, pk: int) -> HttpResponseBase:
    objection = get_scoped(Objection.objects.select_related("nomination", "nomination__campaign",
                                                            "nomination__campaign__unit"),
                           request.user, Cap.MANAGE_WORK, pk=pk)
    refused: dict[str, Any] = {}
    if request.method == "POST":
        op = request.POST.get("op", "")
        try:
            if op == "investigate":
                actions.investigate(acting_user=request.user, objection=objection,
                                    findings=request.POST.get("findings", ""))
                messages.success(request, "核查情况已记录。")
            elif op == "answer":
                actions.answer(acting_user=request.user, objection=objection,
                               upheld=request.POST.get("upheld") == "1", text=request.POST.get("answer", ""))
                messages.success(request, "已答复。")
            else:
                raise InvalidInput("未知操作。")
        except ERRORS as exc:
            if op in ("investigate", "answer"):  # what was typed comes back in its form, the problem beside it
                refused = _refusal(request, exc, op, findings=request.POST.get("findings", ""),
                                   upheld=request.POST.get("upheld") == "1", answer=request.POST.get("answer", ""))
            else:
                messages.error(request, exc.message)
        if not refused:
            return redirect("honours:objection_detail", objection.pk)
        objection.refresh_from_db()
    from .public_views import masked_text

    return render(request, "honours/objection_detail.html", {
        "o": objection, "n": objection.nomination, "text": masked_text(objection.text),
        "phone": mask(objection.contact_phone, "phone"), "refused": refused,
        "kept": _kept(refused, objection.state == Objection.State.INVESTIGATING or (
            refused.get("op") == "investigate" and objection.state == Objection.State.RECEIVED)),
    }, status=400 if refused else 200)
