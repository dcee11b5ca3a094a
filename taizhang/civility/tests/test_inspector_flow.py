"""The inspector's (测评员, the reviewer role of the 文明办) work from a phone: re-checking rectified problems,
complete and explained inspections, readable problem titles, the workbench to-dos and the site list marks."""

from __future__ import annotations

import datetime
import importlib
import json
import uuid
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from taizhang.civility import actions
from taizhang.civility.models import Inspection, Problem
from taizhang.civility.tests.factories import inspect, jpeg, std
from taizhang.core.errors import InvalidInput, NotPermitted
from taizhang.core.testing import PASSWORD, make_user

MAY6 = datetime.date(2024, 5, 6)


@pytest.fixture
def inspector(world: dict[str, Any]) -> Any:
    return make_user("reviewer", world["tree"].district, username="inspector")


def client_for(username: str) -> Client:
    c = Client()
    assert c.login(username=username, password=PASSWORD)
    return c


def rectified(w: dict[str, Any]) -> Problem:
    inspection = inspect(w["market"], w["fw"], {"S1": True, "S2": False}, MAY6, user=w["staff"])
    problem = Problem.objects.get(inspection=inspection)
    actions.rectify_problem(acting_user=w["liaison_a1"], problem=problem, reply="已清理", after=[jpeg()])
    problem.refresh_from_db()
    return problem


def current_round(w: dict[str, Any]) -> Any:
    return actions.create_round(acting_user=None, framework=w["fw"], owner=w["tree"].district, name="第4轮实地测评",
                                week_start=timezone.localdate(), site_types=["market", "back_street"])


# 1. The inspection team that found the problem re-checks it ------------------------------------------------------
def test_inspector_rechecks_a_rectified_problem_on_its_page(world: dict[str, Any], inspector: Any) -> None:
    problem = rectified(world)
    c = client_for("inspector")
    page = c.get(f"/civility/problems/{problem.pk}/").content.decode()
    assert "复查销号" in page and "待您复查" in page
    r = c.post(f"/civility/problems/{problem.pk}/", {"action": "reinspect", "v-passed": "0", "v-note": "仍有摊点"})
    assert r.status_code == 302
    problem.refresh_from_db()
    assert problem.status == Problem.Status.OPEN and problem.reopen_count == 1
    if problem.case_id:
        from taizhang.cases.models import Case

        case = Case.objects.get(pk=problem.case_id)
        assert case.state == "accepted"
        assert any("复查人" in e.text for e in case.events.all())


def test_the_responsible_unit_never_rechecks_its_own_problem(world: dict[str, Any], inspector: Any) -> None:
    problem = rectified(world)
    own_reviewer = make_user("reviewer", world["tree"].community_a1, username="a1_reviewer")
    for user in (own_reviewer, world["liaison_a1"]):
        with pytest.raises(NotPermitted):
            actions.reinspect_problem(acting_user=user, problem=problem, passed=True)
    page = client_for("a1_reviewer").get(f"/civility/problems/{problem.pk}/").content.decode()
    assert "复查由区文明办测评人员进行" in page and "提交复查结果" not in page
    # a reviewer of the street above the community inspects its sites, so re-checks too
    street_reviewer = make_user("reviewer", world["tree"].street_a, username="a_reviewer")
    actions.reinspect_problem(acting_user=street_reviewer, problem=problem, passed=True)
    problem.refresh_from_db()
    assert problem.status == Problem.Status.CLOSED


# 2. No half-done inspection by accident --------------------------------------------------------------------------
def test_a_failed_item_needs_a_note_or_a_photo(world: dict[str, Any], inspector: Any) -> None:
    fw, market = world["fw"], world["market"]
    s1, s2 = std(fw, "S1"), std(fw, "S2")
    answers = [{"standard": s1.pk, "met": True, "note": ""}, {"standard": s2.pk, "met": False, "note": "  "}]
    with pytest.raises(InvalidInput) as err:
        actions.submit_inspection(acting_user=inspector, uuid=uuid.uuid4(), site=market, answers=answers)
    assert err.value.errors[f"standard_{s2.pk}"] == ["第2项“S2 无占道经营”评为不达标，请写明问题或拍照"]
    assert Inspection.objects.count() == 0 and Problem.objects.count() == 0
    inspection, _ = actions.submit_inspection(acting_user=inspector, uuid=uuid.uuid4(), site=market,
                                              answers=answers, photos=[{"file": jpeg(), "standard": s2.pk}])
    assert inspection.failed_count == 1


def test_unrated_items_need_an_explicit_confirmation(world: dict[str, Any], inspector: Any) -> None:
    fw, market = world["fw"], world["market"]
    answers = [{"standard": std(fw, "S1").pk, "met": True, "note": ""}]
    with pytest.raises(InvalidInput) as err:
        actions.submit_inspection(acting_user=inspector, uuid=uuid.uuid4(), site=market, answers=answers)
    assert err.value.errors == {"confirm_unrated": ["还有 1 项未评，确认提交"]}
    assert Inspection.objects.count() == 0
    actions.submit_inspection(acting_user=inspector, uuid=uuid.uuid4(), site=market, answers=answers,
                              confirm_unrated=True)
    assert Inspection.objects.count() == 1


def test_api_asks_for_confirmation_then_leads_to_the_saved_inspection(world: dict[str, Any], inspector: Any) -> None:
    fw, market = world["fw"], world["market"]
    rnd = current_round(world)
    c = client_for("inspector")
    payload: dict[str, Any] = {"uuid": str(uuid.uuid4()), "site": market.pk, "round": rnd.pk,
                               "answers": [{"standard": std(fw, "S1").pk, "met": True, "note": ""}]}
    r = c.post("/api/civility/inspections/", json.dumps(payload), content_type="application/json")
    assert r.status_code == 400 and r.json()["errors"]["confirm_unrated"] == ["还有 1 项未评，确认提交"]
    payload["confirm_unrated"] = True
    r = c.post("/api/civility/inspections/", json.dumps(payload), content_type="application/json")
    assert r.status_code == 201, r.content
    url = r.json()["url"]
    assert url == f"/civility/inspections/{r.json()['id']}/"
    page = c.get(url + "?submitted=1").content.decode()
    assert "测评已提交" in page and "1 项未评" in page and "返回点位列表" in page
    # the checklist page offers the confirmation box (hidden until the server asks for it) and no inline script
    checklist = c.get(f"/civility/inspect/{market.pk}/?round={rnd.pk}").content.decode()
    assert 'id="cv-confirm"' in checklist and "<script>" not in checklist


def test_after_submitting_the_next_site_of_the_round_is_offered(world: dict[str, Any], inspector: Any) -> None:
    fw = world["fw"]
    rnd = current_round(world)
    c = client_for("inspector")
    payload = {"uuid": str(uuid.uuid4()), "site": world["market"].pk, "round": rnd.pk,
               "answers": [{"standard": std(fw, "S1").pk, "met": True, "note": ""},
                           {"standard": std(fw, "S2").pk, "met": True, "note": ""}]}
    r = c.post("/api/civility/inspections/", json.dumps(payload), content_type="application/json")
    assert r.status_code == 201
    page = c.get(r.json()["url"] + "?submitted=1").content.decode()
    assert "下一个点位：西一背街" in page


# 3. A problem without a note says plainly that the standard is not met -------------------------------------------
def test_problem_without_a_note_says_not_met(world: dict[str, Any], inspector: Any) -> None:
    fw, market = world["fw"], world["market"]
    s2 = std(fw, "S2")
    inspection, _ = actions.submit_inspection(
        acting_user=inspector, uuid=uuid.uuid4(), site=market, confirm_unrated=True,
        answers=[{"standard": s2.pk, "met": False, "note": ""}], photos=[{"file": jpeg(), "standard": s2.pk}])
    assert Problem.objects.get(inspection=inspection).description == "未达标：无占道经营"


def test_existing_problems_with_the_standard_as_description_are_rewritten(world: dict[str, Any]) -> None:
    from django.apps import apps

    inspection = inspect(world["market"], world["fw"], {"S1": False, "S2": False}, MAY6)
    p1, p2 = Problem.objects.filter(inspection=inspection).order_by("standard__code")
    Problem.objects.filter(pk=p1.pk).update(description="地面干净无垃圾")  # stored before: the standard's text
    migration = importlib.import_module("taizhang.civility.migrations.0003_problem_unmet_description")
    migration.unmet(apps, None)
    p1.refresh_from_db()
    p2.refresh_from_db()
    assert p1.description == "未达标：地面干净无垃圾" and p2.description == "S2不达标"


# 4. Titles are cut only at their end ------------------------------------------------------------------------------
def test_titles_never_cut_a_phrase_before_the_suffix(world: dict[str, Any]) -> None:
    from taizhang.civility.actions.problems import clip, problem_title
    from taizhang.civility.demo import _note
    from taizhang.civility.models import Standard

    text = ("经营场所有诚信经营承诺、红黑榜公示栏设置规范，内容及时更新，消费者投诉渠道公开且有专人受理和记录，"
            "市场管理方每周检查公示内容并留存检查记录，发现问题及时整改")
    standard = Standard(code="3.2.1", text=text)
    note = _note(standard, __import__("random").Random(1))
    assert note == f"未达标：{text}"
    title = problem_title("西城农贸市场", standard, note)
    assert title.startswith("西城农贸市场：3.2.1 未达标：经营场所有诚信经营承诺、红黑榜公示栏")
    assert title.endswith("…") and len(title) == 80 and "公未达标" not in title
    assert clip("短标题", 80) == "短标题"
    inspection = inspect(world["market"], world["fw"], {"S1": True, "S2": False}, MAY6)
    problem = Problem.objects.get(inspection=inspection)
    if problem.case_id:
        from taizhang.cases.models import Case

        assert Case.objects.get(pk=problem.case_id).title == "东一农贸市场：S2 S2不达标"


# 5. The workbench shows the inspector's to-dos -------------------------------------------------------------------
def test_workbench_lists_round_sites_and_rechecks(world: dict[str, Any], inspector: Any) -> None:
    rnd = current_round(world)
    problem = rectified(world)
    c = client_for("inspector")
    assert "测评待办" not in c.get("/").content.decode()  # not an inspector yet: no inspection, no team
    inspect(world["market"], world["fw"], {"S1": True, "S2": True}, timezone.localdate(), user=inspector)
    Inspection.objects.filter(inspector=inspector).update(round=rnd)
    home = c.get("/").content.decode()
    assert "测评待办" in home
    assert "/civility/inspect/?todo=1" in home and "第4轮实地测评待测评点位" in home
    assert '<span class="tz-wb-figure">1</span> 个' in home  # 西一背街 left of 2 sites
    assert f"/civility/problems/{problem.pk}/" in home and "待复查问题" in home
    listing = c.get("/civility/problems/?flag=recheck").content.decode()
    assert problem.code in listing


# 6. The site list says what is done in the current round ----------------------------------------------------------
def test_site_list_marks_sites_inspected_in_the_round(world: dict[str, Any], inspector: Any) -> None:
    rnd = current_round(world)
    inspect(world["market"], world["fw"], {"S1": True, "S2": True}, timezone.localdate(), user=inspector)
    Inspection.objects.filter(inspector=inspector).update(round=rnd)
    c = client_for("inspector")
    page = c.get("/civility/inspect/").content.decode()
    assert page.count(">本轮已测评</span>") == 1 and page.count(">本轮未测</span>") == 1
    assert "您还有 <strong>1</strong> 个未测评" in page
    todo = c.get("/civility/inspect/?todo=1").content.decode()
    assert "西一背街" in todo and "东一农贸市场" not in todo
