"""The demo's volunteer data and the login address its notes print."""

from __future__ import annotations

import datetime
import random
import re

import pytest
from django.test import Client

from taizhang.core.demo import DemoContext
from taizhang.volunteers.models import Volunteer

pytestmark = pytest.mark.django_db


def test_demo_notes_name_a_volunteer_login_page_that_opens() -> None:
    from taizhang.org import demo as org_demo
    from taizhang.volunteers import demo

    ctx = DemoContext(seed=7, today=datetime.date(2024, 6, 20), rng=random.Random(7))
    ctx.scale = 0.3  # type: ignore[attr-defined]
    org_demo.build(ctx)
    demo.build(ctx)
    assert Volunteer.objects.exists()
    note = next(n for n in ctx.notes if n.startswith("志愿者登录"))
    paths = re.findall(r"/[a-z/]+/", note)
    assert paths == ["/public/volunteers/login/"], note
    response = Client().get(paths[0])  # anonymous, on the default install (public site under /public/)
    assert response.status_code == 200
    assert "手机号" in response.content.decode()
    # the demo volunteer can try the check-in: already signed up for today's demo shift
    from taizhang.volunteers import actions
    from taizhang.volunteers.models import Activity, SignUp

    phone = re.search(r"手机号 (\d{11})", note).group(1)  # type: ignore[union-attr]
    demo_v = Volunteer.objects.get(phone_hash=actions.phone_hash(phone))
    activity = Activity.objects.get(title="文明实践周末集中服务（演示）")
    first = activity.shifts.order_by("starts_at").first()
    assert SignUp.objects.get(shift=first, volunteer=demo_v).state == SignUp.State.APPROVED
