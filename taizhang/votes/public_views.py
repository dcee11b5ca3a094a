"""The public vote on the public site (公众端), phone first: the polls open now, a poll's vote page, the phone
verification step and the published counts. Counts shown here are always the last published snapshot (once a
day), never live; nothing about another voter is ever shown."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from taizhang.core.errors import InvalidInput, InvalidTransition, TaizhangError
from taizhang.votes import actions, identity
from taizhang.votes.models import Poll

CODE_ATTRS = {"inputmode": "numeric", "autocomplete": "one-time-code"}


def _poll(code: str) -> Poll:
    poll = Poll.objects.filter(code=code, opens_at__lte=timezone.now()).first()
    if poll is None:
        raise Http404("没有这项投票。")
    return poll


def _done(request: HttpRequest, response: HttpResponse) -> HttpResponse:
    return identity.remember_device(request, response)


@require_GET
def poll_list(request: HttpRequest) -> HttpResponse:
    now = timezone.now()
    ended = Poll.objects.filter(opens_at__lte=now).exclude(pk__in=actions.open_polls(now).values("pk"))
    return render(request, "votes/public/list.html", {
        "polls": list(actions.open_polls(now)[:50]), "ended": list(ended.order_by("-closes_at")[:10])})


class BallotForm(forms.Form):
    """Radio buttons when one choice is allowed, check boxes otherwise; `chosen()` is the list of option ids."""

    def __init__(self, *args: Any, poll: Poll, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        choices = [(str(o.pk), o.label) for o in poll.options.all()]
        messages_ = {"required": "请至少选择一位候选对象。", "invalid_choice": "选项无效，请重新选择。",
                     "invalid_list": "选项无效，请重新选择。"}
        field: forms.Field
        if poll.max_choices == 1:
            field = forms.ChoiceField(label="请选择一位", choices=choices, widget=forms.RadioSelect,
                                      error_messages=messages_)
        else:
            field = forms.MultipleChoiceField(label=f"请选择（最多{poll.max_choices}位）", choices=choices,
                                              widget=forms.CheckboxSelectMultiple, error_messages=messages_)
        self.fields["options"] = field

    def chosen(self) -> list[int]:
        value = self.cleaned_data["options"]
        return [int(v) for v in (value if isinstance(value, list) else [value])]


@require_http_methods(["GET", "POST"])
def poll_page(request: HttpRequest, code: str) -> HttpResponse:
    poll = _poll(code)
    voter = identity.current_voter(request)
    form = BallotForm(request.POST or None, poll=poll)
    status = 200
    if request.method == "POST":
        if not voter:
            return redirect("votes_public:verify", code=poll.code)
        refused = identity.over_rate(request)
        if refused:
            form.add_error(None, refused)
            status = 429
        elif form.is_valid():
            address, device = identity.request_digests(request)
            try:
                actions.cast_ballot(poll=poll, voter_key=voter, option_ids=form.chosen(), address_hash=address,
                                    device_hash=device)
            except (InvalidInput, InvalidTransition) as exc:
                form.add_error(None, exc.message)
            else:
                messages.success(request, "投票成功，感谢参与！计数每天公布一次。")
                return _done(request, redirect("votes_public:poll", code=poll.code))
        if form.errors and status == 200:
            status = 400
    pub, rows = actions.published_rows(poll)
    return _done(request, render(request, "votes/public/poll.html", {
        "poll": poll, "form": form, "voter": bool(voter), "open": poll.is_open(), "publication": pub,
        "rows": rows, "left": actions.ballots_left(poll, voter) if voter else poll.votes_per_day}, status=status))


class VerifyForm(forms.Form):
    phone = forms.CharField(label="手机号码", max_length=13, widget=forms.TextInput(attrs={"inputmode": "tel"}))
    code = forms.CharField(label="短信验证码", max_length=6, required=False, widget=forms.TextInput(attrs=CODE_ATTRS))


@require_http_methods(["GET", "POST"])
def verify(request: HttpRequest, code: str) -> HttpResponse:
    poll = _poll(code)
    form = VerifyForm(request.POST or None)
    status = 200
    if request.method == "POST" and form.is_valid():
        phone = form.cleaned_data["phone"]
        refused = identity.over_rate(request)
        try:
            if refused:
                status = 429
                raise InvalidInput(refused)
            if request.POST.get("send"):
                actions.request_vote_code(phone=phone)
                messages.success(request, "验证码已发送，10分钟内有效。")
            else:
                if not form.cleaned_data["code"]:
                    raise InvalidInput("请填写短信验证码。", {"code": ["请填写短信验证码。"]})
                key = actions.verify_vote_code(phone=phone, code=form.cleaned_data["code"])
                messages.success(request, "手机号码已验证，可以投票了。")
                return _done(request, identity.remember_voter(redirect("votes_public:poll", code=poll.code), key))
        except TaizhangError as exc:
            errors = getattr(exc, "errors", {}) or {}
            for field, msgs in errors.items():
                for m in msgs:
                    form.add_error(field if field in form.fields else None, m)
            if not errors:
                form.add_error(None, exc.message)
            status = status if status != 200 else 400
    elif request.method == "POST":
        status = 400
    return _done(request, render(request, "votes/public/verify.html", {"poll": poll, "form": form}, status=status))


@require_GET
def results(request: HttpRequest, code: str) -> HttpResponse:
    poll = _poll(code)
    pub, rows = actions.published_rows(poll)
    total = sum(n for _o, n in rows) or 0
    top = max((n for _o, n in rows), default=0)
    ranked = sorted(rows, key=lambda row: -row[1])  # most votes first; ties keep the options' order
    return render(request, "votes/public/results.html", {
        "poll": poll, "publication": pub, "total": total,
        # (option, votes, bar width as a share of the leader's votes, share of all valid votes in %)
        "rows": [(o, n, round(100 * n / top) if top else 0, round(100 * n / total, 1) if total else 0)
                 for o, n in ranked],
        "history": list(poll.publications.order_by("-cutoff")[:14])})


@require_POST
def leave(request: HttpRequest, code: str) -> HttpResponse:
    poll = _poll(code)
    return identity.forget_voter(redirect(reverse("votes_public:poll", kwargs={"code": poll.code})))
