"""A civility bulletin's week or month is chosen with a date, not typed as a code."""

from __future__ import annotations

import datetime
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from taizhang.civility.forms import BulletinForm
from taizhang.civility.models import CivilityBulletin
from taizhang.core.testing import make_user

pytestmark = pytest.mark.django_db


def test_week_and_month_from_a_day() -> None:
    weekly = BulletinForm({"kind": "weekly", "day": "2024-05-08"})
    assert weekly.is_valid() and weekly.cleaned_data["period"] == "2024-W19"
    monthly = BulletinForm({"kind": "monthly", "day": "2024-05-08"})
    assert monthly.is_valid() and monthly.cleaned_data["period"] == "2024-05"
    bad = BulletinForm({"kind": "weekly", "day": "2024-02-30"})
    assert not bad.is_valid() and "day" in bad.errors


def test_staff_create_a_weekly_bulletin_by_date(tree: Any, monkeypatch: Any) -> None:
    from taizhang.civility import actions

    asked: dict[str, Any] = {}

    def create_bulletin(**kwargs: Any) -> Any:
        asked.update(kwargs)
        return CivilityBulletin.objects.create(owner=kwargs["owner"], kind=kwargs["kind"],
                                               period_spec=kwargs["period_spec"], title="测试通报",
                                               issued_on=datetime.date(2024, 5, 13))

    monkeypatch.setattr(actions, "create_bulletin", create_bulletin)
    client = Client()
    client.force_login(make_user("staff", tree.street_a))
    page = client.get(reverse("civility:bulletin_list")).content.decode()
    assert 'type="date"' in page and "2024-W19" not in page
    response = client.post(reverse("civility:bulletin_list"), {"kind": "weekly", "day": "2024-05-08"})
    assert response.status_code == 302, response.content.decode()[-3000:]
    assert asked["period_spec"] == "2024-W19" and asked["kind"] == "weekly"


def test_score_and_rounds_use_the_period_picker(tree: Any) -> None:
    client = Client()
    client.force_login(make_user("staff", tree.street_a))
    for name in ("civility:score", "civility:round_list"):
        page = client.get(reverse(name), {"period_kind": "month", "period_year": "2024", "period_month": "5"})
        text = page.content.decode()
        assert page.status_code == 200 and 'placeholder="2024-05' not in text and "period_kind" in text
    week = client.get(reverse("civility:score"), {"period": "2024-W19"})  # links with a week still work
    assert week.status_code == 200

