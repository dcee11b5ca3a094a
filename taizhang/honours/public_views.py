"""Public pages of role models (公众端): the public notices (公示) open now with the objection form, an objection's
answer by its code, and the library of role models.

Only name, unit and deeds are shown (a minor by initials); phone and ID number are never read here (deferred), and
deeds and answers go through mask_text so a number typed into them is masked. Public views never read request.user.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.core.paginator import Paginator
from django.db.models import F, Max, Prefetch
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods

from taizhang.citizen.masking import mask_text
from taizhang.core.errors import InvalidInput, InvalidTransition
from taizhang.core.forms import form_page_status

from . import actions, limits
from .models import Campaign, Honour, Nomination, Objection, Promotion, RoleModel, Stage

PERSONAL = ("phone", "id_number", "id_hash")
masked_text = mask_text


def _page(request: HttpRequest, template: str, context: dict[str, Any], status: int = 200) -> HttpResponse:
    return limits.remember_device(request, render(request, template, context, status=status))


def notice_rows(campaign: Campaign) -> list[dict[str, Any]]:
    """What anyone may see of the candidates on notice: name (a minor's initials), unit, category and deeds."""
    rows = []
    for n in (Nomination.objects.filter(campaign=campaign, state=Nomination.State.QUALIFIED)
              .select_related("category").defer(*PERSONAL).order_by("category__order", "id")):
        rows.append({"pk": n.pk, "name": n.shown_name, "workplace": mask_text(n.workplace),
                     "category": n.category.name, "deeds": mask_text(n.deeds), "minor": n.is_minor()})
    return rows


def index(request: HttpRequest) -> HttpResponse:
    notices = list(actions.notices_open().order_by("notice_ends"))
    return _page(request, "honours/public/index.html", {"notices": notices, "people": library_rows(limit=6)})


class ObjectionForm(forms.Form):
    nomination = forms.TypedChoiceField(label="对哪位候选人提出异议", coerce=int,
                                        error_messages={"required": "请选择候选人", "invalid_choice": "请选择候选人"})
    text = forms.CharField(label="异议内容（事实和理由）", max_length=2000, widget=forms.Textarea(attrs={"rows": 5}),
                           error_messages={"required": "请填写异议内容"})
    contact_phone = forms.CharField(label="联系电话（选填，仅工作人员可见，便于核实）", max_length=20, required=False)

    def __init__(self, *args: Any, rows: list[dict[str, Any]], captcha: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["nomination"].choices = [("", "— 请选择 —")] + [  # type: ignore[attr-defined]
            (r["pk"], f"{r['name']}（{r['category']}）") for r in rows]
        if captcha:
            from captcha.fields import CaptchaField

            self.fields["captcha"] = CaptchaField(label="验证码", error_messages={"invalid": "验证码不正确"})


@require_http_methods(["GET", "POST"])
def notice(request: HttpRequest, code: str) -> HttpResponse:
    campaign = get_object_or_404(Campaign, code=code)
    if not campaign.notice_open():
        raise Http404("该评选活动不在公示期。")
    rows = notice_rows(campaign)
    captcha = limits.needs_captcha(request)
    blocked = limits.over_limit(request)
    form = ObjectionForm(request.POST or None, rows=rows, captcha=captcha)
    errors: list[str] = []
    if request.method == "POST":
        if blocked:
            errors = [blocked]
        elif form.is_valid():
            d = form.cleaned_data
            nomination = Nomination.objects.filter(campaign=campaign, pk=d["nomination"]).first()
            try:
                if nomination is None:
                    raise InvalidInput("请选择候选人。")
                objection = actions.submit_objection(
                    nomination=nomination, text=d["text"], contact_phone=d["contact_phone"],
                    device_hash=limits.device_hash(request), address_hash=limits.address_hash(request))
            except (InvalidInput, InvalidTransition) as exc:
                errors = [exc.message]
            else:
                limits.note_objection(request)
                # POST/redirect/GET: refreshing the confirmation must not send the objection again
                return limits.remember_device(request, redirect(
                    f"{reverse('honours_public:objection', args=[objection.code])}?sent=1"))
        else:
            errors = [str(e) for es in form.errors.values() for e in es]
    return _page(request, "honours/public/notice.html", {
        "campaign": campaign, "rows": rows, "form": form, "errors": errors, "blocked": blocked, "captcha": captcha,
    }, status=form_page_status(request))


def objection(request: HttpRequest, code: str) -> HttpResponse:
    """An objection's state and the answer on record, by the code the submitter was given."""
    found = get_object_or_404(Objection.objects.select_related("nomination", "nomination__campaign")
                              .defer("contact_phone", "nomination__phone", "nomination__id_number"),
                              code=code.strip().upper())
    response = _page(request, "honours/public/objection.html", {
        "o": found, "name": found.nomination.shown_name, "campaign": found.nomination.campaign,
        "sent": request.GET.get("sent") == "1",
        "answer": mask_text(found.answer) if found.state in (Objection.State.UPHELD, Objection.State.DISMISSED)
        else ""})
    response["Cache-Control"] = "no-store"
    return response


def objection_lookup(request: HttpRequest) -> HttpResponse:
    code = (request.GET.get("code") or "").strip().upper()[:12]
    if code and Objection.objects.filter(code=code).exists():
        return redirect("honours_public:objection", code=code)
    return _page(request, "honours/public/lookup.html", {"code": code, "error": "未找到该查询码" if code else ""},
                 status=404 if code else 200)


def _people(qs: Any = None) -> Any:
    qs = qs if qs is not None else RoleModel.objects.all()
    return (qs.defer(*PERSONAL).annotate(latest=Max("honours__awarded_on"))
            .prefetch_related(Prefetch("honours", queryset=Honour.objects.order_by("-year", "-id")))
            .order_by(F("latest").desc(nulls_last=True), "-id"))


def _rows(people: Any) -> list[dict[str, Any]]:
    rows = []
    for p in people:
        honours = list(p.honours.all())
        rows.append({"pk": p.pk, "name": p.shown_name, "workplace": mask_text(p.workplace),
                     "honours": [f"{h.year}年{h.title}" + (f"（{h.category}）" if h.category else "") for h in honours],
                     "deeds": mask_text(p.deeds)})
    return rows


def library_rows(qs: Any = None, limit: int = 200) -> list[dict[str, Any]]:
    """Role models, latest honoured first: name (a minor's initials), workplace, honours, deeds (masked)."""
    if qs is None:  # the latest honoured from the (small, indexed) honours table, then just those people
        ids = list(Honour.objects.values("role_model_id").annotate(latest=Max("awarded_on"))
                   .order_by("-latest", "-role_model_id").values_list("role_model_id", flat=True)[:limit])
        people = {p.pk: p for p in _people().filter(pk__in=ids)}
        return _rows(people[i] for i in ids if i in people)
    return _rows(_people(qs)[:limit])


def library(request: HttpRequest) -> HttpResponse:
    page = Paginator(_people(), 20).get_page(request.GET.get("page"))
    return _page(request, "honours/public/library.html", {"page": page, "rows": _rows(page.object_list)})


def library_detail(request: HttpRequest, pk: int) -> HttpResponse:
    person = get_object_or_404(RoleModel.objects.defer(*PERSONAL), pk=pk)
    return _page(request, "honours/public/library_detail.html", {
        "name": person.shown_name, "workplace": mask_text(person.workplace), "deeds": mask_text(person.deeds),
        "honours": person.honours.order_by("-year"),
        "promotions": Promotion.objects.filter(role_model=person).order_by("-happened_on")[:20]})


__all__ = ["Stage", "index", "library", "library_detail", "notice", "objection", "objection_lookup"]
