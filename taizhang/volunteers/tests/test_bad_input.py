"""Bad input on the organiser's and the volunteer's forms: the page comes back with what was typed and a plain
Chinese error beside its field (status 400), never a redirect that loses it, never Django's default messages, never
a 500 — NaN and Infinity as hours included (Decimal("nan") parses, and then no comparison can take it)."""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from taizhang.core.errors import InvalidInput
from taizhang.core.testing import make_user
from taizhang.volunteers import actions, exchange
from taizhang.volunteers.forms import ManualHoursForm
from taizhang.volunteers.models import Dispute, HourRecord
from taizhang.volunteers.public_views import DisputeForm, RegisterForm
from taizhang.volunteers.tests.factories import make_activity, make_team, make_volunteer
from taizhang.volunteers.tests.test_exchange import person, workbook
from taizhang.volunteers.tests.test_public import P, login

pytestmark = pytest.mark.django_db
DJANGO_DEFAULTS = ("确保该", "确认总共", "确认小数", "输入一个", "输入整数", "选择一个有效的选项", "这个字段是必填项",
                   "该字段是必填项")


def field_error(html: str, auto_id: str) -> str:
    """The text of a field's error container (id <auto_id>_error in the shared field templates)."""
    marker = f'<div id="{auto_id}_error">'
    assert marker in html, f"no error shown for {auto_id}"
    return html.split(marker, 1)[1].split("</div></div>", 1)[0]


def assert_plain(html: str) -> None:
    assert not any(default in html for default in DJANGO_DEFAULTS), [d for d in DJANGO_DEFAULTS if d in html]


@pytest.fixture
def world(tree: Any) -> dict[str, Any]:
    team = make_team(tree.street_a, "东城红马甲")
    organiser = Client()
    organiser.force_login(make_user("liaison", tree.street_a))
    return {"team": team, "activity": make_activity(team), "v": make_volunteer(tree.community_a1),
            "organiser": organiser}


# --- 手工补录时长 ---------------------------------------------------------------------------------------------------
def test_manual_hours_with_nothing_typed_names_each_field(world: dict[str, Any]) -> None:
    activity = world["activity"]
    r = world["organiser"].post(f"/volunteers/activities/{activity.pk}/manual/", {})
    html = r.content.decode()
    assert r.status_code == 400
    assert "请填写志愿者编号" in field_error(html, "id_number")
    assert "请填写服务日期" in field_error(html, "id_day")
    assert "请填写时长" in field_error(html, "id_hours")
    assert "请填写服务内容" in field_error(html, "id_content")
    assert f'action="/volunteers/activities/{activity.pk}/manual/#manual-hours"' in html and 'id="manual-hours"' in html
    assert_plain(html)


def test_manual_hours_with_too_long_content_keeps_what_was_typed(world: dict[str, Any]) -> None:
    activity, v = world["activity"], world["v"]
    day = (timezone.localdate() - datetime.timedelta(days=1)).isoformat()
    r = world["organiser"].post(f"/volunteers/activities/{activity.pk}/manual/",
                                {"number": v.number, "day": day, "hours": "2.5", "content": "扫" * 5000})
    html = r.content.decode()
    assert r.status_code == 400
    assert f'value="{v.number}"' in html and f'value="{day}"' in html and 'value="2.5"' in html
    assert "最多填写 200 个字（现有 5000 个）" in field_error(html, "id_content")
    assert_plain(html)
    assert not HourRecord.objects.filter(volunteer=v).exists()


@pytest.mark.parametrize(("hours", "message"), [
    ("nan", "应填写数字"), ("Infinity", "应填写数字"), ("-inf", "应填写数字"), ("abc", "应填写数字"),
    ("13", "时长应在0.1至12小时之间"), ("1.234", "最多保留 2 位小数"), ("1" * 40, "时长应在0.1至12小时之间")])
def test_manual_hours_that_are_no_hours(world: dict[str, Any], hours: str, message: str) -> None:
    activity, v = world["activity"], world["v"]
    r = world["organiser"].post(f"/volunteers/activities/{activity.pk}/manual/",
                                {"number": v.number, "day": timezone.localdate().isoformat(), "hours": hours,
                                 "content": "帮老人买菜"})
    html = r.content.decode()
    assert r.status_code == 400 and "帮老人买菜" in html
    assert message in field_error(html, "id_hours")
    assert_plain(html)


def test_manual_hours_for_an_unknown_number_or_a_future_day(world: dict[str, Any]) -> None:
    activity, v = world["activity"], world["v"]
    url = f"/volunteers/activities/{activity.pk}/manual/"
    unknown = world["organiser"].post(url, {"number": "ZY000000", "day": timezone.localdate().isoformat(),
                                            "hours": "2", "content": "环境清洁"})
    assert unknown.status_code == 400 and "环境清洁" in unknown.content.decode()
    assert "未找到该志愿者编号" in field_error(unknown.content.decode(), "id_number")
    tomorrow = (timezone.localdate() + datetime.timedelta(days=1)).isoformat()
    future = world["organiser"].post(url, {"number": v.number.lower(), "day": tomorrow, "hours": "2",
                                           "content": "环境清洁"})
    assert future.status_code == 400
    assert "服务日期不能晚于今天" in field_error(future.content.decode(), "id_day")
    done = world["organiser"].post(url, {"number": f" {v.number.lower()} ", "day": timezone.localdate().isoformat(),
                                         "hours": "2", "content": "环境清洁"})
    assert done.status_code == 302
    assert HourRecord.objects.get(volunteer=v).hours == Decimal(2)


# --- 时长申诉 -------------------------------------------------------------------------------------------------------
def _dispute(world: dict[str, Any]) -> Dispute:
    record = actions.add_manual_hours(acting_user=None, volunteer=world["v"], team=world["team"],
                                      day=timezone.localdate(), hours=Decimal(2), content="文明劝导")
    return actions.open_dispute(volunteer=world["v"], record=record, reason="少记了一小时", claimed_hours=Decimal(3))


@pytest.mark.parametrize(("hours", "message"), [
    ("nan", "应填写数字"), ("sNaN", "应填写数字"), ("Infinity", "应填写数字"), ("12.5", "时长应在0至12小时之间"),
    ("0.125", "最多保留 2 位小数"), ("9" * 30, "时长应在0至12小时之间")])
def test_dispute_resolution_with_bad_hours_keeps_the_text(world: dict[str, Any], hours: str, message: str) -> None:
    dispute = _dispute(world)
    r = world["organiser"].post(f"/volunteers/disputes/{dispute.pk}/resolve/",
                                {"uphold": "1", "resolution": "核实签到记录后采纳", "hours": hours})
    html = r.content.decode()
    assert r.status_code == 400
    assert "核实签到记录后采纳" in html and f'value="{hours}"' in html
    assert message in field_error(html, f"id_dispute{dispute.pk}_hours")
    assert f'id="dispute-{dispute.pk}"' in html
    assert f'action="/volunteers/disputes/{dispute.pk}/resolve/#dispute-{dispute.pk}"' in html
    assert_plain(html)
    dispute.refresh_from_db()
    assert dispute.state == Dispute.State.OPEN and dispute.hour_record.hours == Decimal(2)


def test_dispute_resolution_without_an_opinion_keeps_the_hours(world: dict[str, Any]) -> None:
    dispute = _dispute(world)
    r = world["organiser"].post(f"/volunteers/disputes/{dispute.pk}/resolve/",
                                {"uphold": "1", "resolution": "  ", "hours": "2.75"})
    html = r.content.decode()
    assert r.status_code == 400 and 'value="2.75"' in html
    assert "请填写处理意见" in field_error(html, f"id_dispute{dispute.pk}_resolution")
    done = world["organiser"].post(f"/volunteers/disputes/{dispute.pk}/resolve/",
                                   {"uphold": "1", "resolution": "核实", "hours": "2.75"})
    assert done.status_code == 302
    dispute.refresh_from_db()
    assert dispute.state == Dispute.State.UPHELD and dispute.hour_record.hours == Decimal("2.75")
    # handled meanwhile: the form comes back with the opinion typed and why it was refused
    late = world["organiser"].post(f"/volunteers/disputes/{dispute.pk}/resolve/",
                                   {"uphold": "0", "resolution": "重复处理的意见"})
    assert late.status_code == 400
    assert "重复处理的意见" in late.content.decode() and "该申诉已处理" in late.content.decode()


def test_the_actions_refuse_hours_that_are_no_number(world: dict[str, Any]) -> None:
    """An action is called from the API and scripts too: NaN is refused by the field, not a decimal.InvalidOperation."""
    with pytest.raises(InvalidInput) as exc:
        actions.add_manual_hours(acting_user=None, volunteer=world["v"], team=world["team"],
                                 day=timezone.localdate(), hours=Decimal("NaN"), content="x")
    assert exc.value.errors["hours"] == ["时长应填写数字。"]
    record = actions.add_manual_hours(acting_user=None, volunteer=world["v"], team=world["team"],
                                      day=timezone.localdate(), hours=Decimal(1), content="x")
    with pytest.raises(InvalidInput) as exc:
        actions.open_dispute(volunteer=world["v"], record=record, reason="少记", claimed_hours=Decimal("Infinity"))
    assert exc.value.errors["claimed_hours"] == ["申诉时长应填写数字。"]
    dispute = actions.open_dispute(volunteer=world["v"], record=record, reason="少记")
    for bad in (Decimal("nan"), Decimal("-Infinity"), Decimal("1.001")):
        with pytest.raises(InvalidInput) as exc:
            actions.resolve_dispute(acting_user=None, dispute=dispute, uphold=True, resolution="核实", hours=bad)
        assert "hours" in exc.value.errors


def test_import_with_nan_hours_says_which_row(tree: Any) -> None:
    team = make_team(tree.street_a, "东城红马甲")
    p1 = person(1)
    with pytest.raises(InvalidInput) as exc:
        exchange.import_xlsx(workbook([p1], [(p1[2], team.name, "2024-05-01", "nan", "植树"),
                                             (p1[2], team.name, "2024-05-01", "Infinity", "植树")]))
    errors = exc.value.errors["file"]
    assert "服务时长第2行“时长”：应为0.1至12之间的数字" in errors
    assert "服务时长第3行“时长”：应为0.1至12之间的数字" in errors


# --- the volunteer's forms on the public site ---------------------------------------------------------------------
def test_public_dispute_with_nan_hours_keeps_the_reason(world: dict[str, Any]) -> None:
    record = actions.add_manual_hours(acting_user=None, volunteer=world["v"], team=world["team"],
                                      day=timezone.localdate(), hours=Decimal(2), content="文明劝导")
    c = Client()
    login(c, world["v"])
    r = c.post(f"{P}/hours/{record.pk}/dispute/", {"reason": "实际服务了三个小时", "claimed_hours": "nan"})
    html = r.content.decode()
    assert r.status_code == 400 and "实际服务了三个小时" in html  # the page again (400), with the error by the field
    assert "应填写数字" in field_error(html, "id_claimed_hours")
    assert_plain(html)
    assert not Dispute.objects.exists()


def test_public_forms_say_plainly_what_to_do(tree: Any) -> None:
    form = RegisterForm({"real_name": "陈" * 50, "id_type": "driving_licence", "phone": "1" * 5000,
                         "unit": "999999"})
    assert not form.is_valid()
    assert form.errors["real_name"] == ["最多填写 30 个字（现有 50 个）"]
    assert form.errors["id_type"] == ["请从列表中选择"]
    assert form.errors["unit"] == ["请从列表中选择"]
    assert form.errors["phone"] == ["最多填写 11 个字（现有 5000 个）"]
    assert form.errors["id_number"] == ["请填写证件号码"]
    assert form.errors["agree"] == ["请勾选“我已阅读并同意个人信息保护说明”"]
    dispute = DisputeForm({"reason": "", "claimed_hours": "Infinity"})
    assert not dispute.is_valid()
    assert dispute.errors == {"reason": ["请填写申诉理由"], "claimed_hours": ["应填写数字"]}
    own = ManualHoursForm({"number": "ZY1", "day": "2025-13-40", "hours": "0", "content": "x"})
    assert not own.is_valid()
    assert own.errors == {"day": ["应填写日期，如 2025-05-01"], "hours": ["时长应在0.1至12小时之间"]}
