"""Findings of a voter's walk at 390 px: a published count broke away from its 票 onto the next line, the message
after a vote touched the poll's title, the 退出 button touched the next heading, a poll's title link was 17 px tall,
a finished poll left the voter with nothing to do next, and the portal's 全部投票 link was a 17 px line of text."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from django.test import Client
from django.utils import timezone
from lxml import html as lxml_html

from taizhang.votes import actions
from taizhang.votes.models import Poll

from .test_public import verified

pytestmark = pytest.mark.django_db
P = "/public/votes"
CSS = (Path(__file__).resolve().parents[1] / "static" / "votes" / "votes.css").read_text(encoding="utf-8")


def rule(selector: str) -> str:
    found = re.search(re.escape(selector) + r"\s*\{([^}]*)\}", CSS)
    assert found is not None, selector
    return found.group(1)


def test_published_counts_keep_the_number_with_its_unit(poll: Poll) -> None:
    actions.publish_counts(acting_user=None, poll=poll)
    page = lxml_html.fromstring(Client().get(f"{P}/{poll.code}/").content.decode())
    rows = page.xpath("//li[contains(@class, 'vt-count')]")
    assert len(rows) == 3
    assert rows[0].xpath("./span[@class='vt-count__n']")[0].text_content().strip().endswith("票")
    assert "white-space: nowrap" in rule(".vt-count__n") and "display: flex" in rule(".vt-count ")
    assert page.xpath(f"//a[@href='{P}/{poll.code}/results/'][contains(., '查看排名')]")


def test_spacing_and_tap_targets_of_the_vote_pages(poll: Poll) -> None:
    assert "margin" in rule(".vt-main .tz-alert") and "margin" in rule(".vt-leave")
    assert "min-height: 44px" in rule(".vt-item__link") and "min-height: 44px" in rule(".vt-more")
    listing = Client().get(f"{P}/").content.decode()
    assert f'class="vt-item__link" href="{P}/{poll.code}/"' in listing
    voter = verified(poll)
    html = voter.get(f"{P}/{poll.code}/").content.decode()
    assert 'class="vt-leave"' in html


def test_a_finished_poll_points_to_the_other_polls(poll: Poll) -> None:
    Poll.objects.filter(pk=poll.pk).update(closes_at=timezone.now())
    page = lxml_html.fromstring(Client().get(f"{P}/{poll.code}/").content.decode())
    note = page.xpath("//p[@class='vt-note'][contains(., '投票已结束')]")[0]
    assert note.xpath(".//a/@href") == [f"{P}/"]


def test_the_portal_links_to_all_polls_with_a_finger_sized_link(poll: Poll) -> None:
    html = Client().get("/public/").content.decode()
    assert f'<a class="pub-more" href="{P}/">全部投票 ›</a>' in html
