"""Case handling on a phone, as a unit's liaison: a refused action keeps what was typed (its section open, the error
by the field, nothing saved); required reasons are required in the browser; a missing 申请延期 says why; /cases/ is
a to-do list (open cases, overdue first, by deadline) whose size the workbench link states; rows are compact cards."""

from __future__ import annotations

import datetime
import re
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from taizhang.cases import actions
from taizhang.cases import workbench as panels
from taizhang.cases.models import Case, CaseAttachment, CaseEvent, ExtensionRequest
from taizhang.core.testing import PASSWORD, make_user

S = Case.State


def login(user: Any) -> Client:
    client = Client()
    assert client.login(username=user.username, password=PASSWORD)
    return client


def form_html(page: str, action: str) -> str:
    """The <details> of one action on the case page (from its opening tag to its form's end)."""
    match = re.search(rf'<details id="case-action-{action}"[^>]*>.*?</form>', page, re.S)
    assert match, f"no form for {action}"
    return match.group(0)


def snapshot(case: Case) -> tuple[Any, ...]:
    case = Case.objects.get(pk=case.pk)
    return (case.state, case.version, case.deadline, case.reply, CaseEvent.objects.filter(case=case).count(),
            CaseAttachment.objects.filter(case=case).count(), ExtensionRequest.objects.filter(case=case).count())


# --- 1. a refused action: the page again with the form as typed --------------------------------------------------

def test_refused_extension_keeps_the_form_open_with_the_text(tree: Any, people: Any, clock: Any) -> None:
    case = actions.dispatch_case(acting_user=None, kind="general", unit=tree.community_a1, title="宣传栏破损")
    assert case.deadline is not None
    before = snapshot(case)
    reason = "需等待物业配合更换宣传栏底座"
    response = login(people.liaison_a1).post(f"/cases/{case.pk}/act/extension/", {
        "until": case.deadline.isoformat(), "reason": reason})  # not later than the deadline: refused
    assert response.status_code == 400
    page = response.content.decode()
    section = form_html(page, "extension")
    assert section.startswith('<details id="case-action-extension" open data-case-refused>')
    assert reason in section and case.deadline.isoformat() in section
    assert "应晚于当前办理期限" in section  # the error next to the field
    assert snapshot(case) == before


def test_refused_handling_keeps_the_reply(tree: Any, people: Any, clock: Any, settings: Any, tmp_path: Any) -> None:
    settings.MEDIA_ROOT = str(tmp_path)
    case = actions.dispatch_case(acting_user=None, kind="general", unit=tree.community_a1, title="路灯不亮")
    before = snapshot(case)
    reply = "已联系供电所更换灯泡，附整改后照片"
    bad = SimpleUploadedFile("after.exe", b"MZ\x90\x00not a photo", content_type="application/octet-stream")
    response = login(people.liaison_a1).post(f"/cases/{case.pk}/act/handle/", {
        "reply": reply, "public_reply": "路灯已修复", "evidence": bad})
    assert response.status_code == 400
    section = form_html(response.content.decode(), "handle")
    assert " open data-case-refused>" in section.split("\n", 1)[0]
    assert reply in section and "路灯已修复" in section
    assert "不支持的文件类型" in section and "请重新选择文件" in section
    assert snapshot(case) == before  # not signed for, not handled, nothing stored
    assert Case.objects.get(pk=case.pk).accepted_at is None


def test_invalid_form_opens_its_section(tree: Any, people: Any, clock: Any) -> None:
    case = actions.dispatch_case(acting_user=None, kind="general", unit=tree.community_a1, title="井盖缺失")
    before = snapshot(case)
    response = login(people.liaison_a1).post(f"/cases/{case.pk}/act/send_back/", {"reason": "   "})
    assert response.status_code == 400
    section = form_html(response.content.decode(), "send_back")
    assert section.startswith('<details id="case-action-send_back" open data-case-refused>') and "请说明理由" in section
    assert snapshot(case) == before


# --- 2. required reasons are required in the browser (before the confirmation) -----------------------------------

def _required(section: str, name: str) -> bool:
    match = re.search(rf'<textarea[^>]*name="{name}"[^>]*>', section)
    assert match, section
    return " required" in match.group(0)


def test_required_reasons_are_required_in_the_form(tree: Any, people: Any, clock: Any) -> None:
    case = actions.dispatch_case(acting_user=None, kind="general", unit=tree.community_a1, title="横幅褪色")
    page = login(people.liaison_a1).get(f"/cases/{case.pk}/").content.decode()
    assert _required(form_html(page, "send_back"), "reason")
    assert _required(form_html(page, "extension"), "reason")
    assert _required(form_html(page, "handle"), "reply")
    actions.handle_case(acting_user=None, case=case, reply="已更换")
    page = login(people.staff).get(f"/cases/{case.pk}/").content.decode()
    assert _required(form_html(page, "reopen"), "reason") and _required(form_html(page, "cancel"), "reason")
    assert not _required(form_html(page, "close"), "reason")  # closing needs no reason
    # the server still refuses an empty reason
    before = snapshot(case)
    assert login(people.staff).post(f"/cases/{case.pk}/act/cancel/", {"reason": ""}).status_code == 400
    assert snapshot(case) == before


# --- 3. why 申请延期 is missing --------------------------------------------------------------------------------------

def test_missing_extension_says_why(tree: Any, people: Any, clock: Any) -> None:
    late = actions.dispatch_case(acting_user=None, kind="general", unit=tree.community_a1, title="逾期工单")
    Case.objects.filter(pk=late.pk).update(deadline=datetime.date(2026, 9, 1))
    client = login(people.liaison_a1)
    page = client.get(f"/cases/{late.pk}/").content.decode()
    assert 'id="case-action-extension"' not in page
    assert "办理期限（2026年9月1日）已过，不能再申请延期" in page

    waiting = actions.dispatch_case(acting_user=None, kind="general", unit=tree.community_a1, title="待审批工单")
    assert waiting.deadline is not None
    actions.request_extension(acting_user=people.liaison_a1, case=waiting,
                              until=waiting.deadline + datetime.timedelta(days=10), reason="材料未到")
    until = waiting.deadline + datetime.timedelta(days=10)
    page = client.get(f"/cases/{waiting.pk}/").content.decode()
    assert 'id="case-action-extension"' not in page
    assert f"已有延期申请待审批（申请延至{until.year}年{until.month}月{until.day}日）" in page
    # where it can be asked for, the form is there and no explanation
    fresh = actions.dispatch_case(acting_user=None, kind="general", unit=tree.community_a1, title="新工单")
    page = client.get(f"/cases/{fresh.pk}/").content.decode()
    assert 'id="case-action-extension"' in page and "不能再申请延期" not in page


# --- 4. /cases/ is a to-do list ----------------------------------------------------------------------------------

def _cases(tree: Any) -> dict[str, Case]:
    unit = tree.community_a1
    made = {title: actions.dispatch_case(acting_user=None, kind="general", unit=unit, title=title)
            for title in ("以后再办", "马上要办", "早已逾期", "已经办结", "已经撤销", "等待核查")}
    Case.objects.filter(pk=made["以后再办"].pk).update(deadline=datetime.date(2099, 3, 1))
    Case.objects.filter(pk=made["马上要办"].pk).update(deadline=datetime.date(2099, 1, 1))
    Case.objects.filter(pk=made["早已逾期"].pk).update(deadline=datetime.date(2020, 1, 1))
    actions.handle_case(acting_user=None, case=made["已经办结"], reply="已办")
    actions.close_case(acting_user=None, case=made["已经办结"])
    actions.cancel_case(acting_user=None, case=made["已经撤销"], reason="重复")
    actions.handle_case(acting_user=None, case=made["等待核查"], reply="已办")
    Case.objects.filter(pk=made["等待核查"].pk).update(deadline=datetime.date(2099, 2, 1))
    return made


def _titles(response: Any) -> list[str]:
    return [c.title for c in response.context["page"].object_list]


def test_list_defaults_to_open_cases_overdue_first(tree: Any, people: Any) -> None:
    _cases(tree)
    client = login(people.liaison_a1)
    response = client.get("/cases/")
    assert _titles(response) == ["早已逾期", "马上要办", "等待核查", "以后再办"]
    page = response.content.decode()
    assert "在办工单" in page and "?show=all" in page
    # all cases, on request, and the old filters' URLs
    assert set(_titles(client.get("/cases/?show=all"))) == {"以后再办", "马上要办", "早已逾期", "已经办结",
                                                           "已经撤销", "等待核查"}
    assert _titles(client.get("/cases/?state=closed")) == ["已经办结"]
    assert _titles(client.get("/cases/?overdue=on")) == ["早已逾期"]
    closed = Case.objects.get(title="已经办结")
    assert _titles(client.get(f"/cases/?ids={closed.pk}")) == ["已经办结"]  # a figure's rows: whatever their state
    assert _titles(client.get("/cases/?q=办结")) == []
    assert _titles(client.get("/cases/?q=办结&show=all")) == ["已经办结"]


def test_workbench_count_matches_the_list(tree: Any, people: Any, client: Any) -> None:
    _cases(tree)
    ctx = panels.unit_cases(people.liaison_a1)
    assert ctx is not None
    listed = login(people.liaison_a1).get("/cases/").context["page"].paginator.count
    assert ctx["total"] == listed == 4
    client.force_login(people.liaison_a1)
    assert "全部在办工单（4 件）" in client.get("/").content.decode()


# --- 5. compact cards on a phone ---------------------------------------------------------------------------------

def test_list_rows_mark_what_a_phone_card_shows(tree: Any, people: Any) -> None:
    _cases(tree)
    page = login(people.liaison_a1).get("/cases/").content.decode()
    row = re.search(r'<tr class="tz-case-row tz-case-overdue">.*?</tr>', page, re.S)
    assert row, page
    cells = re.findall(r'<td class="([^"]+)" data-label="([^"]*)">', row.group(0))
    assert [c for c, _label in cells] == ["tz-case-extra", "tz-case-title", "tz-case-extra", "tz-case-meta",
                                          "tz-case-meta", "tz-case-meta tz-case-deadline", "tz-case-extra"]
    assert "已逾期" in row.group(0)



@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_phone_cards_are_compact(live_server: Any, browser: Any) -> None:
    from taizhang.core.testing import make_tree

    tree = make_tree()
    make_user("liaison", tree.community_a1, username="liaison")
    for title in ("宣传栏内容陈旧", "公益广告破损"):
        actions.dispatch_case(acting_user=None, kind="general", unit=tree.community_a1, title=title)
    late = Case.objects.get(title="公益广告破损")
    Case.objects.filter(pk=late.pk).update(deadline=datetime.date(2020, 3, 2))
    page = browser.new_context(locale="zh-CN", viewport={"width": 390, "height": 844}).new_page()
    page.goto(f"{live_server.url}/accounts/login/")
    page.fill("#id_username", "liaison")
    page.fill("#id_password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_load_state("networkidle")
    page.goto(f"{live_server.url}/cases/")
    rows = page.locator("table.tz-case-table tbody tr")
    assert rows.count() == 2
    first = rows.first
    assert "公益广告破损" in first.inner_text() and "已逾期" in first.inner_text()  # overdue first
    height = first.evaluate("tr => tr.getBoundingClientRect().height")
    assert height <= 90, height  # title + one line, not seven labelled rows
    assert not first.locator("td.tz-case-extra").first.is_visible()
    assert first.locator("td.tz-case-deadline").evaluate("td => getComputedStyle(td).color") == "rgb(207, 19, 34)"
    assert page.evaluate("document.documentElement.scrollWidth") <= 400
