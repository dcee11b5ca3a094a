"""The public vote on the public site (公众端), phone first: the polls open now, a poll's vote page, the phone
verification step and the published counts. Counts shown here are always the last published snapshot (once a
day), never live; nothing about another voter is ever shown."""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from taizhang.core.errors import InvalidInput, InvalidTransition, TaizhangError
from taizhang.core.forms import place_action_errors
from taizhang.votes import actions, identity
from taizhang.votes.forms import BallotForm, VerifyForm
from taizhang.votes.models import Poll


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
                form.fields["code"].widget.attrs["autofocus"] = True  # the next thing to type is the code
            else:
                if not form.cleaned_data["code"]:
                    raise InvalidInput("请填写短信验证码。", {"code": ["请填写短信验证码。"]})
                key = actions.verify_vote_code(phone=phone, code=form.cleaned_data["code"])
                messages.success(request, "手机号码已验证，可以投票了。")
                return _done(request, identity.remember_voter(redirect("votes_public:poll", code=poll.code), key))
        except InvalidInput as exc:
            place_action_errors(form, exc)
            status = status if status != 200 else 400
        except TaizhangError as exc:
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
