"""What a 390 px phone review of the liaison's case pages found: required fields of an action are marked; the
deadline's working days read as the time allowed, not as days left; the workbench's 本单位工单 keeps each
deadline whole on its own line with 44 px links; a page opened before someone else acted says what to do."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from django.test import Client

from taizhang.cases import actions
from taizhang.cases.models import Case
from taizhang.core.testing import PASSWORD

STATIC = Path(__file__).resolve().parents[1] / "static" / "cases"


def login(user: Any) -> Client:
    client = Client()
    assert client.login(username=user.username, password=PASSWORD)
    return client


def test_required_fields_of_an_action_are_marked(tree: Any, people: Any, clock: Any) -> None:
    case = actions.dispatch_case(acting_user=None, kind="general", unit=tree.community_a1, title="宣传栏破损")
    actions.accept_case(acting_user=people.liaison_a1, case=case)
    page = login(people.liaison_a1).get(f"/cases/{case.pk}/").content.decode()
    handle = re.search(r'<details id="case-action-handle".*?</form>', page, re.S)
    assert handle
    assert re.search(r'<div class="tz-field tz-field--required"><label for="id_reply">办理情况', handle.group(0))
    assert re.search(r'<div class="tz-field"><label for="id_public_reply">公开答复', handle.group(0))
    assert f"（办理时限 {case.sla_days} 个工作日）" in page


def test_a_refused_handle_marks_the_field_in_error(tree: Any, people: Any, clock: Any) -> None:
    case = actions.dispatch_case(acting_user=None, kind="general", unit=tree.community_a1, title="宣传栏破损")
    actions.accept_case(acting_user=people.liaison_a1, case=case)
    r = login(people.liaison_a1).post(f"/cases/{case.pk}/act/handle/", {"reply": "", "public_reply": "已处理"})
    assert r.status_code == 400
    assert 'class="tz-field tz-field--required tz-field--error"><label for="id_reply">' in r.content.decode()


def test_a_stale_accept_says_the_page_shows_the_case_as_it_stands(tree: Any, people: Any, clock: Any) -> None:
    case = actions.dispatch_case(acting_user=None, kind="general", unit=tree.community_a1, title="宣传栏破损")
    client = login(people.liaison_a1)
    assert client.post(f"/cases/{case.pk}/act/accept/").status_code == 302
    r = client.post(f"/cases/{case.pk}/act/accept/")  # the same button, from a page opened before
    assert r.status_code == 409
    assert "本页已更新为工单的最新情况，请查看后再办理。" in r.content.decode()
    assert Case.objects.get(pk=case.pk).state == Case.State.ACCEPTED


def test_workbench_case_rows_keep_the_deadline_whole(tree: Any, people: Any, clock: Any) -> None:
    actions.dispatch_case(acting_user=None, kind="general", unit=tree.community_a1, title="宣传栏破损")
    page = login(people.liaison_a1).get("/").content.decode()
    assert '<ul class="tz-wb-list tz-case-wb">' in page and "cases/cases.css" in page
    assert re.search(r'<span class="tz-muted tz-case-wb__meta">[^<]*<span class="tz-case-nowrap">期限 ', page)
    assert 'class="tz-case-wb__all" href="/cases/">全部在办工单' in page
    css = (STATIC / "cases.css").read_text()
    assert ".tz-case-wb a { display: inline-flex; align-items: center; min-height: 44px; }" in css
    assert ".tz-case-wb__meta { display: block; }" in css
