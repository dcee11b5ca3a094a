"""`taizhang votes audit CAMPAIGN [--json]` against numbers computed by hand."""

from __future__ import annotations

import datetime
import json
from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.utils import timezone

from taizhang.votes import actions
from taizhang.votes.demo import cast_burst
from taizhang.votes.identity import voter_key
from taizhang.votes.models import Poll
from taizhang.votes.tests.conftest import at

pytestmark = pytest.mark.django_db


def test_votes_audit_json_matches_hand_counts(poll: Poll) -> None:
    day = timezone.localdate(poll.opens_at) + datetime.timedelta(days=1)
    east, west, bureau = poll.options.order_by("order")
    # east: 5 ordinary ballots, each from its own address and device, an hour apart -> 5 valid
    for i in range(5):
        actions.cast_ballot(poll=poll, voter_key=voter_key(f"1350000000{i}"), option_ids=[east.pk],
                            address_hash=f"home{i}", device_hash=f"phone{i}", now=at(day, 8 + i))
    # west: 3 ordinary ballots, then 60 from one address in a minute (under the burst rule's 100): the address
    # rule (30 in 10 minutes) takes all 60 before the timing rule sees them -> 3 valid, 60 wiped by "address"
    for i in range(3):
        actions.cast_ballot(poll=poll, voter_key=voter_key(f"1360000000{i}"), option_ids=[west.pk],
                            address_hash=f"flat{i}", device_hash=f"mobile{i}", now=at(day, 9 + i))
    cast_burst(poll, west, at(day, 15), count=60, addresses=1, seconds=60)
    # bureau: one device voting for 10 people, each from another address, 40 minutes apart -> 10 wiped by "device"
    for i in range(10):
        actions.cast_ballot(poll=poll, voter_key=voter_key(f"1370000001{i}"), option_ids=[bureau.pk],
                            address_hash=f"cafe{i}", device_hash="shared-tablet",
                            now=at(day, 12) + datetime.timedelta(minutes=40 * i))
    actions.detect(acting_user=None, poll=poll, now=at(day, 23))

    out = StringIO()
    call_command("votes", "audit", poll.code, "--json", stdout=out)
    data = json.loads(out.getvalue())
    assert (data["poll"], data["received"], data["valid"], data["wiped"]) == (poll.code, 78, 8, 70)
    rows = {o["label"]: (o["subject_id"], o["received"], o["valid"], o["wiped"], o["wiped_by_rule"])
            for o in data["options"]}
    assert rows == {
        "东城候选人": (east.subject_id, 5, 5, 0, {}),
        "西城候选人": (west.subject_id, 63, 3, 60, {"address": 60}),
        "教育局候选人": (bureau.subject_id, 10, 0, 10, {"device": 10}),
    }
    assert {r["rule"]: r["wiped"] for r in data["rules"]} == {"burst": 0, "address": 60, "device": 10, "timing": 0}

    text = StringIO()
    call_command("votes", "audit", poll.code, stdout=text)
    lines = text.getvalue().splitlines()
    assert lines[0] == f"{poll.code}\t测试投票\t得票 78\t有效 8\t作废 70"
    assert "西城候选人\t得票 63\t有效 3\t作废 60\taddress 60" in lines


def test_votes_audit_unknown_code_is_a_chinese_error(tree: object) -> None:
    with pytest.raises(CommandError, match="没有编号为“NOPE”的投票"):
        call_command("votes", "audit", "NOPE")
