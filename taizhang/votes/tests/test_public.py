"""The public vote pages (/public/votes/ on the staff host): verification by one-time code, voting within the
limits, published counts only (yesterday's snapshot, never live), no voter's phone or address in any response."""

from __future__ import annotations

import datetime
import re

import pytest
from django.core.cache import cache
from django.test import Client
from django.utils import timezone

from taizhang.core.portal import SECTIONS
from taizhang.volunteers import tokens
from taizhang.votes import actions
from taizhang.votes.identity import VOTER_COOKIE, voter_key
from taizhang.votes.models import Ballot, Poll, Vote

pytestmark = pytest.mark.django_db
P = "/public/votes"
PHONE = "13912345678"
ADDRESS = "198.51.100.23"


def last_code() -> str:
    return re.search(r"\d{6}", tokens.OUTBOX[-1][1]).group(0)  # type: ignore[union-attr]


def verified(poll: Poll, phone: str = PHONE) -> Client:
    cache.clear()
    c = Client(REMOTE_ADDR=ADDRESS)
    tokens.OUTBOX.clear()
    r = c.post(f"{P}/{poll.code}/verify/", {"phone": phone, "send": "1"})
    assert r.status_code == 200 and tokens.OUTBOX and tokens.OUTBOX[-1][0] == phone
    # the code box is where the cursor goes once the code is on its way
    assert re.search(r'<input[^>]*name="code"[^>]*autofocus', r.content.decode())
    r = c.post(f"{P}/{poll.code}/verify/", {"phone": phone, "code": last_code(), "verify": "1"})
    assert r.status_code == 302 and r["Location"].endswith(f"/votes/{poll.code}/")
    return c


def test_verify_then_vote_within_the_daily_limit(poll: Poll) -> None:
    a, b, c_ = poll.options.values_list("pk", flat=True)
    anon = Client()
    page = anon.get(f"{P}/{poll.code}/")
    assert page.status_code == 200 and "验证手机号码后投票" in page.content.decode()
    assert anon.post(f"{P}/{poll.code}/", {"options": [a]}).status_code == 302  # to the verification step
    r = anon.post(f"{P}/{poll.code}/verify/", {"phone": PHONE, "code": "000000", "verify": "1"})
    assert r.status_code == 400 and "验证码错误" in r.content.decode()
    assert anon.post(f"{P}/{poll.code}/verify/", {"phone": "123", "send": "1"}).status_code == 400

    c = verified(poll)
    assert "还可以投 <strong>2</strong> 次" in c.get(f"{P}/{poll.code}/").content.decode()
    r = c.post(f"{P}/{poll.code}/", {"options": [a, b, c_]})
    assert r.status_code == 400 and "最多选择2位" in r.content.decode()
    assert c.post(f"{P}/{poll.code}/", {"options": [a, b]}).status_code == 302
    assert c.post(f"{P}/{poll.code}/", {"options": [a]}).status_code == 302
    r = c.post(f"{P}/{poll.code}/", {"options": [b]})
    assert r.status_code == 400 and "投票次数已用完" in r.content.decode()
    key = voter_key(PHONE)
    assert Ballot.objects.filter(voter_key=key).count() == 2 and Vote.objects.filter(voter_key=key).count() == 3
    ballot = Ballot.objects.filter(voter_key=key).first()
    assert ballot is not None and ballot.address_hash and ballot.device_hash and ADDRESS not in ballot.address_hash
    # a forged voter cookie is no identity
    forged = Client()
    forged.cookies[VOTER_COOKIE] = "x" * 40
    assert forged.post(f"{P}/{poll.code}/", {"options": [a]}).status_code == 302


def test_public_pages_show_yesterdays_published_counts_not_live(poll: Poll) -> None:
    a = poll.options.get(order=1)
    today = timezone.localdate()
    yesterday = today - datetime.timedelta(days=1)
    for i in range(3):
        actions.cast_ballot(poll=poll, voter_key=voter_key(f"1380000000{i}"), option_ids=[a.pk],
                            now=timezone.make_aware(datetime.datetime.combine(yesterday, datetime.time(10 + i))))
    pub = actions.publish_counts(acting_user=None, poll=poll,
                                 now=timezone.make_aware(datetime.datetime.combine(today, datetime.time(0, 30))))
    assert pub is not None and pub.day == yesterday and pub.total == 3
    # once a day: a second publication the same day does nothing
    assert actions.publish_counts(acting_user=None, poll=poll) is None
    for i in range(4):  # today's votes are not public until tomorrow
        actions.cast_ballot(poll=poll, voter_key=voter_key(f"1370000000{i}"), option_ids=[a.pk])
    assert actions.final_counts(poll)[a.subject_id] == 7
    for path in (f"{P}/{poll.code}/", f"{P}/{poll.code}/results/"):
        body = Client().get(path).content.decode()
        text = re.sub(r"\s+", "", re.sub(r"<[^>]+>", "", body))
        assert "东城候选人3票" in text and "7票" not in text
        assert f"截至{today:%Y年}{today.month}月{today.day}日00:00" in text


def test_no_phone_or_address_in_any_public_response(poll: Poll) -> None:
    c = verified(poll)
    a = poll.options.values_list("pk", flat=True)[0]
    c.post(f"{P}/{poll.code}/", {"options": [a]})
    actions.publish_counts(acting_user=None, poll=poll)
    bodies = [c.get(p).content.decode() for p in (f"{P}/", f"{P}/{poll.code}/", f"{P}/{poll.code}/results/",
                                                  f"{P}/{poll.code}/verify/", "/public/")]
    key = voter_key(PHONE)
    ballot = Ballot.objects.get(voter_key=key)
    for body in bodies:
        for secret in (PHONE, PHONE[-4:] + "<", ADDRESS, key[:12], ballot.address_hash[:12],
                       ballot.device_hash[:12]):
            assert secret not in body


def test_portal_lists_open_polls_and_unknown_codes_are_404(poll: Poll) -> None:
    assert any(s.key == "votes_open" for s in SECTIONS)
    body = Client().get("/public/").content.decode()
    assert poll.title in body
    assert Client().get(f"{P}/NOPE/").status_code == 404
    assert Client().get(f"{P}/").status_code == 200
    actions.close_poll(acting_user=None, poll=poll)
    assert poll.title not in Client().get("/public/").content.decode()
    r = Client().post(f"{P}/{poll.code}/", {"options": ["1"]})
    assert r.status_code == 302  # not verified: to the verification step, never a 500
    c = verified(poll)
    r = c.post(f"{P}/{poll.code}/", {"options": [str(poll.options.first().pk)]})  # type: ignore[union-attr]
    assert r.status_code == 400 and "投票已结束" in r.content.decode()


def test_flood_guard_refuses_in_chinese(poll: Poll, monkeypatch: pytest.MonkeyPatch) -> None:
    from taizhang.votes import identity

    monkeypatch.setattr(identity, "current_minute", lambda: 30_000_000)  # a minute boundary must not split the burst
    c = verified(poll)
    cache.clear()
    codes = [c.post(f"{P}/{poll.code}/", {"options": ["abc"]}).status_code for _ in range(32)]
    assert codes[-1] == 429 and 400 in codes
    assert "操作过于频繁" in c.post(f"{P}/{poll.code}/", {"options": ["abc"]}).content.decode()


def test_single_choice_poll_takes_one_radio_value(poll: Poll) -> None:
    Poll.objects.filter(pk=poll.pk).update(max_choices=1)
    poll.refresh_from_db()
    a = poll.options.values_list("pk", flat=True)[0]
    c = verified(poll)
    assert 'type="radio"' in c.get(f"{P}/{poll.code}/").content.decode()
    r = c.post(f"{P}/{poll.code}/", {"options": "999999"})
    assert r.status_code == 400 and "选项无效" in r.content.decode()
    assert c.post(f"{P}/{poll.code}/", {"options": str(a)}).status_code == 302
    assert Vote.objects.filter(poll=poll, option_id=a).count() == 1


def test_results_are_ranked_by_votes_and_bars_scaled_to_the_leader(poll: Poll) -> None:
    first, second, third = poll.options.order_by("order")
    yesterday = timezone.localdate() - datetime.timedelta(days=1)
    at = timezone.make_aware(datetime.datetime.combine(yesterday, datetime.time(10)))
    for i, chosen in enumerate([[third], [third], [third], [third], [second, third], [second]]):
        actions.cast_ballot(poll=poll, voter_key=voter_key(f"1360000000{i}"), option_ids=[o.pk for o in chosen],
                            now=at)
    actions.publish_counts(acting_user=None, poll=poll,
                           now=timezone.make_aware(datetime.datetime.combine(timezone.localdate(), datetime.time(1))))
    body = Client().get(f"{P}/{poll.code}/results/").content.decode()
    text = re.sub(r"\s+", "", re.sub(r"<[^>]+>", "", body))
    labels = [o.label for o in (third, second, first)]
    assert [text.find(f"{label}") for label in labels] == sorted(text.find(label) for label in labels)
    assert f"{third.label}5票71.4%" in text and f"{second.label}2票28.6%" in text and f"{first.label}0票0" in text
    widths = re.findall(r'class="vt-w(\d+)"', body)
    assert widths == ["100", "40", "0"]  # the leader's bar is full, the others in proportion to it
