"""The case panel on a subject's page offers "打开工单办理" only to a user with an action on the case now (the detail
page's own rule, `actions.available_actions`); anyone else gets "查看工单" and who acts now. A refused action comes
back with its form in view: the form posts to #case-action-<name>, its section is marked for case_detail.js and the
error is a role="alert" inside it, not only at the top of a long page."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.contrib.staticfiles import finders
from django.template.loader import render_to_string
from django.test import Client, RequestFactory

from taizhang.cases import actions
from taizhang.cases.models import Case
from taizhang.cases.tests.helpers import case_in
from taizhang.core.testing import PASSWORD, make_user

S = Case.State
WORK = "打开工单办理"
VIEW = "查看工单"


def login(user: Any) -> Client:
    client = Client()
    assert client.login(username=user.username, password=PASSWORD)
    return client


def panel(case: Case, user: Any) -> str:
    request = RequestFactory().get("/")
    request.user = user
    return render_to_string("cases/_case_panel.html", {"case": case}, request=request)


def day(d: Any) -> str:
    return f"{d.year}年{d.month}月{d.day}日"


# --- 1. the panel ------------------------------------------------------------------------------------------------

def test_the_handling_unit_is_offered_the_work_a_reviewer_is_told_who_acts(tree: Any, people: Any, clock: Any) -> None:
    case = actions.dispatch_case(acting_user=None, kind="general", unit=tree.community_a1, title="宣传栏破损")
    assert case.deadline is not None
    mine = panel(case, people.liaison_a1)
    assert WORK in mine and VIEW not in mine and "tz-case-waiting" not in mine
    other = panel(case, people.reviewer_a1)  # the unit's reviewer: may see the case, has nothing to do on it
    assert WORK not in other
    link = f'<a href="/cases/{case.pk}/">查看工单</a>'
    assert f'<p class="tz-case-waiting">待东一社区办理，截止{day(case.deadline)}。{link}</p>' in other


def test_who_acts_now_in_each_state(tree: Any, people: Any, clock: Any) -> None:
    unit = tree.community_a1
    expected = {
        S.NEW: "待宣传部派发",
        S.SENT_BACK: "东一社区已退单，待宣传部裁定",
        S.HANDLED: "东一社区已办理，待宣传部核查",
        S.VERIFIED: "已核查，待宣传部办结",
        S.CLOSED: "已于2026年9月21日办结",
        S.CANCELLED: "工单已撤销",
    }
    for state, text in expected.items():
        case = case_in(state, unit)
        page = panel(case, people.viewer)
        assert WORK not in page and f"{text}。<a" in page, (state, page)
    late = case_in(S.ACCEPTED, unit)
    Case.objects.filter(pk=late.pk).update(deadline="2026-09-01")
    late.refresh_from_db()
    assert "待东一社区办理，截止2026年9月1日，已逾期。" in panel(late, people.viewer)


@pytest.mark.parametrize("state", [S.NEW, S.DISPATCHED, S.ACCEPTED, S.SENT_BACK, S.HANDLED, S.VERIFIED, S.CLOSED,
                                   S.REOPENED, S.CANCELLED])
def test_the_panel_and_the_detail_page_agree(tree: Any, people: Any, clock: Any, state: str) -> None:
    """Whoever the panel sends to "打开工单办理" finds a form there, and whoever finds none is not sent."""
    case = case_in(state, tree.community_a1)
    for user in (people.staff, people.liaison_a1, people.liaison_sa, people.reviewer_a1, people.viewer):
        client = Client()
        client.force_login(user)
        detail = client.get(f"/cases/{case.pk}/").content.decode()
        can_act = 'class="tz-card tz-case-actions"' in detail
        assert can_act == bool(actions.available_actions(user, case))
        assert (WORK in panel(case, user)) == can_act, (state, user.username)
    # the unit works a running case; reviewers and viewers never act; a cancelled case is nobody's work
    if state in Case.RUNNING_STATES:
        assert WORK in panel(case, people.liaison_a1)
    assert WORK not in panel(case, people.reviewer_a1) and WORK not in panel(case, people.viewer)
    assert (WORK in panel(case, people.staff)) == (state != S.CANCELLED)


def test_the_unit_workbench_lists_only_cases_it_can_work_on(tree: Any, people: Any, clock: Any) -> None:
    """The workbench card's links lead to work, like the panel's button: every case it lists has an action."""
    from taizhang.cases import workbench

    for state in (S.NEW, S.DISPATCHED, S.ACCEPTED, S.SENT_BACK, S.HANDLED, S.REOPENED, S.CLOSED):
        case_in(state, tree.community_a1, title=f"工单{state}")
    for user in (people.liaison_a1, people.liaison_sa):
        ctx = workbench.unit_cases(user)
        assert ctx is not None and {c.state for c in ctx["cases"]} == {S.DISPATCHED, S.ACCEPTED, S.REOPENED}
        assert all("handle" in actions.available_actions(user, c) for c in ctx["cases"])
    assert workbench.unit_cases(people.reviewer_a1) is None


def test_on_a_civility_problem_the_inspector_sees_who_acts(tree: Any, clock: Any) -> None:
    from taizhang.civility import actions as civility
    from taizhang.civility.models import Problem
    from taizhang.civility.tests.factories import framework, inspect, jpeg, site

    fw = framework(tree.district)
    market = site(tree.community_a1, "M1", "market", "东一农贸市场")
    staff = make_user("staff", tree.district, username="wmb_staff")
    liaison = make_user("liaison", tree.community_a1, username="liaison_a1")
    inspector = make_user("reviewer", tree.district, username="inspector")
    problem = Problem.objects.get(inspection=inspect(market, fw, {"S1": True, "S2": False},
                                                     clock().date(), user=staff))
    case = Case.objects.get(pk=problem.case_id)
    assert case.state == S.DISPATCHED and case.deadline is not None
    url = f"/civility/problems/{problem.pk}/"
    unit_page = login(liaison).get(url).content.decode()
    assert WORK in unit_page and "tz-case-waiting" not in unit_page
    # the unit may also report the rectification right here, and is told so
    guide = "在本页下方“报送整改”提交即可，工单随之更新"
    assert guide in unit_page and unit_page.index(guide) < unit_page.index(WORK) and "报送整改</h2>" in unit_page
    page = login(inspector).get(url).content.decode()
    assert WORK not in page and guide not in page
    assert f"待东一社区办理，截止{day(case.deadline)}。<a href=\"/cases/{case.pk}/\">查看工单</a>" in page
    # rectified: the case waits for the re-check, which the inspector does on this page, not on the case
    civility.rectify_problem(acting_user=liaison, problem=problem, reply="已清理", after=[jpeg()])
    page = login(inspector).get(url).content.decode()
    assert WORK not in page and "东一社区已办理，待区文明办测评人员复查。" in page and "复查销号" in page
    assert WORK in login(staff).get(url).content.decode()  # staff may verify or close it on the case page
    unit_page = login(liaison).get(url).content.decode()
    assert WORK not in unit_page and "东一社区已办理，待区文明办测评人员复查。" in unit_page
    assert guide not in unit_page  # reported: nothing more to submit


def test_the_case_page_tells_a_user_without_an_action_who_acts_now(tree: Any, people: Any, clock: Any) -> None:
    case = case_in(S.HANDLED, tree.community_a1, kind="general")
    page = login(people.reviewer_a1).get(f"/cases/{case.pk}/").content.decode()
    assert '<p class="tz-case-waiting">东一社区已办理，待宣传部核查。</p>' in page
    assert 'class="tz-card tz-case-actions"' not in page  # no forms
    staff = login(people.staff).get(f"/cases/{case.pk}/").content.decode()
    assert "tz-case-waiting" not in staff and 'id="case-action-verify"' in staff  # who acts gets the forms


def test_the_case_page_of_a_rectified_problem_says_where_it_is_checked(tree: Any, clock: Any) -> None:
    from taizhang.civility import actions as civility
    from taizhang.civility.models import Problem
    from taizhang.civility.tests.factories import framework, inspect, jpeg, site

    fw = framework(tree.district)
    market = site(tree.community_a1, "M1", "market", "东一农贸市场")
    staff = make_user("staff", tree.district, username="wmb_staff")
    liaison = make_user("liaison", tree.community_a1, username="liaison_a1")
    inspector = make_user("reviewer", tree.district, username="inspector")
    problem = Problem.objects.get(inspection=inspect(market, fw, {"S1": True, "S2": False},
                                                     clock().date(), user=staff))
    case = Case.objects.get(pk=problem.case_id)
    detail = f"/cases/{case.pk}/"
    assert "在测评问题页" not in login(inspector).get(detail).content.decode()  # not handled yet
    civility.rectify_problem(acting_user=liaison, problem=problem, reply="已清理", after=[jpeg()])
    line = ('<p class="tz-case-waiting">东一社区已办理，待区文明办测评人员复查。'
            f'复查在<a href="/civility/problems/{problem.pk}/">测评问题页</a>提交。</p>')
    for user in (inspector, liaison):
        assert line in login(user).get(detail).content.decode(), user.username
    assert "tz-case-waiting" not in login(staff).get(detail).content.decode()  # staff may verify here


# --- 2. a refused action is in view ------------------------------------------------------------------------------

def section(page: str, action: str) -> str:
    match = re.search(rf'<details id="case-action-{action}"[^>]*>.*?</details>', page, re.S)
    assert match, f"no section for {action}"
    return match.group(0)


def test_a_refused_form_is_the_target_of_its_url_with_the_error_as_an_alert(tree: Any, people: Any,
                                                                            clock: Any) -> None:
    case = actions.dispatch_case(acting_user=None, kind="general", unit=tree.community_a1, title="井盖缺失")
    client = login(people.liaison_a1)
    page = client.get(f"/cases/{case.pk}/").content.decode()
    # every action form posts to its own error summary, so a refusal opens at the form (also without JavaScript)
    assert f'action="/cases/{case.pk}/act/send_back/#case-action-send_back-errors"' in section(page, "send_back")
    assert "data-case-refused" not in page and "tz-case-errors" not in page
    assert 'src="/static/cases/case_detail.js"' in page and finders.find("cases/case_detail.js")

    response = client.post(f"/cases/{case.pk}/act/send_back/", {"reason": "  "})
    assert response.status_code == 400
    page = response.content.decode()
    refused = section(page, "send_back")
    assert refused.startswith('<details id="case-action-send_back" open data-case-refused>')
    summary = re.search(r'<div class="tz-alert tz-alert--error tz-case-errors" id="case-action-send_back-errors" '
                        r'role="alert" tabindex="-1">(.*?)</div>', refused, re.S)
    assert summary, refused
    assert "未能退单" in summary.group(1) and '<a href="#id_reason">理由：请说明理由</a>' in summary.group(1)
    assert '<div class="tz-field__error" role="alert">请说明理由</div>' in refused  # and by the field
    assert re.search(r'<textarea[^>]*name="reason"[^>]*aria-invalid="true"', refused)
    assert page.count("data-case-refused") == 1 and page.count("tz-case-errors") == 1
    assert 'src="/static/cases/case_detail.js"' in page
    # the error is at the form, not (also) in a banner at the top of the page
    assert page.count("请说明理由") == 2 and page.index("请说明理由") > page.index('id="case-action-send_back"')


def test_an_error_of_the_action_itself_is_in_the_summary(tree: Any, people: Any, clock: Any) -> None:
    case = case_in(S.HANDLED, tree.community_a1, kind="general")
    response = login(people.staff).post(f"/cases/{case.pk}/act/verify/", {"passed": "0", "reason": ""})
    assert response.status_code == 400
    refused = section(response.content.decode(), "verify")
    assert 'id="case-action-verify-errors" role="alert"' in refused
    summary = re.search(r'id="case-action-verify-errors"[^>]*>(.*?)</div>', refused, re.S)
    assert summary, refused
    # the problem once, linked to its field, in the action's own words; the label says the field is needed
    assert "未能核查，未保存任何内容" in summary.group(1)
    assert re.findall(r"<li>(.*?)</li>", summary.group(1)) == [
        '<a href="#id_reason">意见（未通过时必填）：核查未通过必须填写意见</a>']
    assert '<div class="tz-field__error" role="alert">核查未通过必须填写意见</div>' in refused
    assert '<label for="id_reason">意见（未通过时必填）</label>' in refused
    assert "请说明理由" not in refused and "请填写意见" not in refused
    assert Case.objects.get(pk=case.pk).state == S.HANDLED


def test_posting_a_refused_action_again_is_refused_again(tree: Any, people: Any, clock: Any) -> None:
    """After a refusal the address is …/act/verify/, so a refresh posts the same form again: refused again, the
    case unchanged, no event recorded."""
    case = case_in(S.HANDLED, tree.community_a1, kind="general")
    events = case.events.count()
    client = login(people.staff)
    for _ in range(2):
        response = client.post(f"/cases/{case.pk}/act/verify/", {"passed": "0", "reason": ""})
        assert response.status_code == 400 and "未保存任何内容" in response.content.decode()
    stored = Case.objects.get(pk=case.pk)
    assert stored.state == S.HANDLED and stored.events.count() == events


def test_a_single_field_refusal_of_another_action_is_shown_once(tree: Any, people: Any, clock: Any) -> None:
    case = case_in(S.SENT_BACK, tree.community_a1, kind="general")
    response = login(people.staff).post(f"/cases/{case.pk}/act/arbitrate/", {"uphold": "0", "reason": ""})
    assert response.status_code == 400
    refused = section(response.content.decode(), "arbitrate")
    assert refused.count("驳回退单必须说明理由") == 2  # in the summary and by the field, nothing else
    assert '<a href="#id_reason">理由（驳回退单时必填）：驳回退单必须说明理由</a>' in refused
    assert "请说明理由" not in refused.replace("必须说明理由", "")


def test_an_action_no_longer_offered_is_refused_at_the_top(tree: Any, people: Any, clock: Any) -> None:
    case = case_in(S.CLOSED, tree.community_a1, kind="general")
    response = login(people.staff).post(f"/cases/{case.pk}/act/verify/", {"passed": "1"})
    assert response.status_code == 409
    page = response.content.decode()
    assert 'id="case-action-verify"' not in page and "data-case-refused" not in page
    assert re.search(r'<div class="tz-alert tz-alert--error">[^<]*不能核查', page)
