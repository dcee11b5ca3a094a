"""Dates and titles refused with sense (issue 17): no record dated after today, no title cut silently at 200
characters, and an impossible date ("2025-02-30") named as such — through the actions, the web form, the Excel
import and the API."""

from __future__ import annotations

import datetime
import uuid
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from taizhang.core.errors import InvalidInput
from taizhang.core.testing import make_record, make_user
from taizhang.ledger import actions
from taizhang.ledger.excel.importer import import_file
from taizhang.ledger.excel.testing import fill_template
from taizhang.ledger.models import ActivityType, Record

pytestmark = pytest.mark.django_db

LONG = "长" * 610


def _create(tree: Any, **kw: Any) -> Record:
    args: dict[str, Any] = {
        "acting_user": None, "unit": tree.community_a1, "activity_type": ActivityType.objects.get(key="lecture_event"),
        "title": "百姓宣讲进社区", "start_date": datetime.date(2024, 5, 12), "figures": {"lecture_audience": 120},
    }
    args.update(kw)
    return actions.create_record(**args)


# actions -------------------------------------------------------------------------------------------------------
def test_record_dated_after_today_is_refused(taxonomy: Any, tree: Any) -> None:
    today = timezone.localdate()
    with pytest.raises(InvalidInput) as err:
        _create(tree, start_date=today + datetime.timedelta(days=1))
    assert "晚于今天" in err.value.errors["start_date"][0]
    assert not Record.objects.exists()
    assert _create(tree, start_date=today).start_date == today


def test_long_title_is_refused_not_cut(taxonomy: Any, tree: Any) -> None:
    with pytest.raises(InvalidInput) as err:
        _create(tree, title=LONG)
    assert err.value.errors["title"] == ["标题过长：最多 200 字（现为 610 字）"]
    assert _create(tree, title="长" * 200).title == "长" * 200


def test_edit_to_a_long_title_or_future_date_is_refused(taxonomy: Any, tree: Any) -> None:
    record = make_record(tree.community_a1, "lecture_event", {"lecture_audience": 10}, status="draft")
    with pytest.raises(InvalidInput) as err:
        actions.update_record(acting_user=None, record=record, expected_version=record.version,
                              title="长" * 201)
    assert err.value.errors["title"] == ["标题过长：最多 200 字（现为 201 字）"]
    record.refresh_from_db()
    with pytest.raises(InvalidInput) as err:
        actions.update_record(acting_user=None, record=record, expected_version=record.version,
                              start_date=timezone.localdate() + datetime.timedelta(days=30))
    assert "晚于今天" in err.value.errors["start_date"][0]
    record.refresh_from_db()
    assert record.start_date == datetime.date(2024, 5, 12)


# web form ------------------------------------------------------------------------------------------------------
def _form(tree: Any, **overrides: Any) -> dict[str, Any]:
    data = {
        "unit": tree.street_a.pk, "activity_type": ActivityType.objects.get(key="lecture_event").pk,
        "title": "理论宣讲进社区", "start_date": "2024-05-12", "end_date": "", "location": "文化站",
        "description": "", "fig_lecture_events": "1", "fig_lecture_audience": "120",
        "idempotency_key": uuid.uuid4().hex,
    }
    data.update(overrides)
    return data


def test_web_form_names_the_problem(taxonomy: Any, tree: Any) -> None:
    client = Client()
    client.force_login(make_user("liaison", tree.street_a))
    url = reverse("ledger:record_create")
    page = client.get(url).content.decode()
    assert 'maxlength="200"' not in page.split('name="title"')[1].split(">")[0]  # the browser must not cut it
    body = client.post(url, _form(tree, title=LONG)).content.decode()
    assert "标题过长：最多 200 字（现为 610 字）" in body
    body = client.post(url, _form(tree, start_date="2025-02-30")).content.decode()
    assert "日期不存在：2025-02-30" in body
    future = (timezone.localdate() + datetime.timedelta(days=3)).isoformat()
    body = client.post(url, _form(tree, start_date=future)).content.decode()
    assert "晚于今天" in body
    assert not Record.objects.exists()


# Excel import --------------------------------------------------------------------------------------------------
def test_excel_import_names_impossible_dates_long_titles_and_future_dates(taxonomy: Any, tree: Any) -> None:
    atype = ActivityType.objects.select_related("line").get(key="theory_group_study")
    liaison = make_user("liaison", tree.street_a, username="liaison_sa")
    future = timezone.localdate() + datetime.timedelta(days=10)
    rows = [
        {"单位代码": "SA", "日期": "2025-02-30", "标题": "学习一", "参学人数": 10},
        {"单位代码": "SA", "日期": "2024-05-12", "标题": "长" * 201, "参学人数": 10},
        {"单位代码": "SA", "日期": future, "标题": "学习三", "参学人数": 10},
    ]
    outcome = import_file(fill_template(atype, rows, user=liaison), filename="填报.xlsx", acting_user=liaison)
    assert not outcome.ok
    messages = {e["row"]: e["message"] for e in outcome.errors}
    assert "日期不存在：2025-02-30" in messages[4]
    assert messages[5] == "标题过长：最多 200 字（现为 201 字）"
    assert "晚于今天" in messages[6]
    assert not Record.objects.exists()


# API -----------------------------------------------------------------------------------------------------------
def test_api_names_impossible_dates_and_long_titles(taxonomy: Any, tree: Any) -> None:
    from taizhang.accounts.tokens import key_for

    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {key_for(make_user('liaison', tree.street_a))}")
    payload = {"unit": "SA1", "activity_type": "lecture_event", "title": "API宣讲", "start_date": "2025-02-30",
               "figures": {"lecture_audience": "120"}}
    response = client.post("/api/records/", payload, format="json")
    assert response.status_code == 400
    assert "日期不存在：2025-02-30" in response.content.decode()
    response = client.post("/api/records/", {**payload, "start_date": "2024-05-12", "title": LONG}, format="json")
    assert response.status_code == 400
    assert "标题过长：最多 200 字（现为 610 字）" in response.content.decode()
    assert not Record.objects.exists()
