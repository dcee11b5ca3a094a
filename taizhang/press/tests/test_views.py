"""Press pages as each role sees them: every page renders, a unit sees only its own accounts, actions through
the forms, the CLI's JSON."""

from __future__ import annotations

import datetime
import json
from io import StringIO
from typing import Any

import pytest
from django.core.management import call_command
from django.test import Client
from django.urls import reverse

from taizhang.press import actions
from taizhang.press.models import AccountCheck, AccountFiling, Conference, NewMediaAccount, Submission
from taizhang.press.tests.conftest import World, open_account

D = datetime.date
PAGES = ["account_list", "filing_list", "stat_list", "stat_import", "check_list", "review_list",
         "conference_list", "plan_list", "spokesperson_list", "submission_list", "correspondent_list",
         "account_new", "conference_new"]


def _client(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def data(world: World) -> dict[str, Any]:
    a = open_account(world, world.tree.street_a, last_post=D(2026, 9, 1))
    b = open_account(world, world.tree.street_b, "weibo", "西城微博", last_post=D(2026, 9, 29))
    check = actions.check_account(acting_user=world.staff, account=b, on=D(2026, 9, 30))
    person = actions.add_correspondent(acting_user=world.liaison_b, unit=world.tree.street_b, name="吴通讯")
    piece = actions.submit_piece(acting_user=world.liaison_b, correspondent=person, title="西城新闻",
                                 submitted_on=D(2026, 9, 1))
    conf = actions.file_conference(acting_user=world.liaison_b, unit=world.tree.street_b, topic="西城发布",
                                   date=D(2030, 1, 10))
    return {"a": a, "b": b, "check": check, "piece": piece, "conf": conf}


@pytest.mark.parametrize("name", PAGES)
def test_every_page_renders_for_staff_and_a_liaison(world: World, data: dict[str, Any], name: str) -> None:
    for user in (world.staff, world.liaison_a, world.viewer_b):
        response = _client(user).get(reverse(f"press:{name}"))
        assert response.status_code == 200, (user.username, name)
        assert "Traceback" not in response.content.decode()


def test_bulletins_page_is_for_staff(world: World, data: dict[str, Any]) -> None:
    assert _client(world.staff).get(reverse("press:bulletins")).status_code == 200
    assert _client(world.liaison_a).get(reverse("press:bulletins")).status_code == 403


def test_a_unit_sees_only_its_own_accounts_and_objects(world: World, data: dict[str, Any]) -> None:
    client = _client(world.liaison_a)
    page = client.get(reverse("press:account_list")).content.decode()
    assert "东城发布" in page and "西城微博" not in page
    for name, obj in (("account_detail", data["b"]), ("check_detail", data["check"]),
                      ("submission_detail", data["piece"]), ("conference_detail", data["conf"])):
        assert client.get(reverse(f"press:{name}", args=[obj.pk])).status_code == 404, name
        assert _client(world.viewer_b).get(reverse(f"press:{name}", args=[obj.pk])).status_code == 200, name
    assert client.get(reverse("press:submission_list")).content.decode().count("西城新闻") == 0


def test_filing_and_decision_through_the_pages(world: World, data: dict[str, Any]) -> None:
    response = _client(world.liaison_a).post(reverse("press:account_new"), {
        "unit": world.tree.street_a.pk, "platform": "douyin", "name": "东城抖音"})
    assert response.status_code == 302
    filing = AccountFiling.objects.get(account__name="东城抖音")
    assert _client(world.liaison_a).post(reverse("press:filing_decide", args=[filing.pk]),
                                         {"approve": "1"}).status_code == 403
    _client(world.staff).post(reverse("press:filing_decide", args=[filing.pk]), {"approve": "1", "note": ""})
    assert NewMediaAccount.objects.get(name="东城抖音").state == "active"


def test_checking_an_account_through_the_page_opens_a_case(world: World, data: dict[str, Any]) -> None:
    from taizhang.cases.models import Case

    client = _client(world.staff)
    response = client.post(reverse("press:check_detail", args=[data["check"].pk]),
                           {"fail_commercial_content": "on", "fail_late_update": "on", "fail_wording_error": "on"})
    assert response.status_code == 302
    check = AccountCheck.objects.get(pk=data["check"].pk)
    assert check.result == "failed"
    assert Case.objects.for_subject(check).exists()
    page = _client(world.liaison_b).get(reverse("press:check_detail", args=[check.pk])).content.decode()
    assert "工单" in page and "发布商业广告" in page


def test_bad_input_gets_a_chinese_message_not_a_server_error(world: World, data: dict[str, Any]) -> None:
    client = _client(world.staff)
    assert client.get(reverse("press:account_list") + "?ids=abc,99999999999999999999").status_code == 200
    response = client.post(reverse("press:submission_detail", args=[data["piece"].pk]),
                           {"adopted": "1", "version": data["piece"].version}, follow=True)
    assert "请选择采用的媒体" in response.content.decode()
    response = client.post(reverse("press:stat_import"), {"file": StringIO("x")}, follow=True)
    assert response.status_code == 200
    response = client.post(reverse("press:newmedia_bulletin"), {"period": "abc"}, follow=True)
    assert response.status_code == 200


def test_the_bulletin_downloads_as_word(world: World, data: dict[str, Any]) -> None:
    response = _client(world.staff).post(reverse("press:newmedia_bulletin"),
                                         {"period": "2026Q3"})
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    assert response.content[:2] == b"PK"


def test_newmedia_check_command_prints_json(world: World, data: dict[str, Any]) -> None:
    out = StringIO()
    call_command("newmedia", "check", "--date", "2026-10-10", "--json", stdout=out)
    payload = json.loads(out.getvalue())
    flags = {row["name"]: (row["days"], row["flag"], row["unit"]) for row in payload["accounts"]}
    assert payload["date"] == "2026-10-10"
    assert flags["东城发布"] == (39, "dormant", "SA") and flags["西城微博"] == (11, "warning", "SB")
    out = StringIO()
    call_command("newmedia", "check", "--date", "2026-10-10", stdout=out)
    assert len(out.getvalue().strip().splitlines()) == 2


def test_newmedia_import_command_is_all_or_nothing(world: World, data: dict[str, Any], tmp_path: Any) -> None:
    from django.core.management.base import CommandError

    from taizhang.press.imports import HEADERS

    good = tmp_path / "s.csv"
    good.write_text(",".join(HEADERS) + "\n微信公众号,东城发布,2026-11-01,2026-11-30,9,1,1,1,1,1,10,2026-11-20,,\n",
                    encoding="utf-8")
    out = StringIO()
    call_command("newmedia", "import", str(good), stdout=out)
    assert "新增 1 条" in out.getvalue()
    bad = tmp_path / "b.csv"
    bad.write_text(",".join(HEADERS) + "\n微信公众号,东城发布,2026-12-01,2026-12-31,多,1,1,1,1,1,10,,,\n",
                   encoding="utf-8")
    with pytest.raises(CommandError, match="第 2 行“发文数”"):
        call_command("newmedia", "import", str(bad))
    assert Submission.objects.count() == 1 and Conference.objects.count() == 1


def test_a_refused_filing_keeps_what_was_typed_and_names_the_field(world: World, data: dict[str, Any]) -> None:
    """Used to redirect with "备案信息有误，请检查后重新提交。": no field named, the typed names gone."""
    account = data["a"]
    response = _client(world.liaison_a).post(reverse("press:account_file", args=[account.pk]),
                                             {"kind": "suspend", "operator": "王运维", "reason": ""})
    body = response.content.decode()
    assert response.status_code == 400
    assert 'value="王运维"' in body and "请说明理由" in body and 'id="id_reason_error"' in body
    assert not AccountFiling.objects.filter(account=account, kind="suspend").exists()
    bad_url = _client(world.liaison_a).post(reverse("press:account_file", args=[account.pk]),
                                            {"kind": "change", "operator": "王运维", "url": "http://"})
    assert bad_url.status_code == 400 and 'id="id_url_error"' in bad_url.content.decode()
    ok = _client(world.liaison_a).post(reverse("press:account_file", args=[account.pk]),
                                       {"kind": "change", "operator": "王运维"})
    assert ok.status_code == 302 and AccountFiling.objects.filter(account=account, kind="change").exists()
