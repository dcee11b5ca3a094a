"""Test data for the volunteers app, built through the actions."""

from __future__ import annotations

import datetime
import itertools
from typing import Any

from django.utils import timezone

from taizhang.volunteers import actions
from taizhang.volunteers.models import Activity, Team, Volunteer

_seq = itertools.count(1)


def resident_id(birth: datetime.date, n: int) -> str:
    body = f"110101{birth:%Y%m%d}{n % 1000:03d}"
    total = sum(int(c) * w for c, w in zip(body, actions.ID_WEIGHTS, strict=True))
    return body + actions.ID_CHECK[total % 11]


def make_volunteer(unit: Any, *, birth: datetime.date = datetime.date(1990, 3, 4), **extra: Any) -> Volunteer:
    n = next(_seq)
    data = {"real_name": f"张{'三四五六七八'[n % 6]}{n}", "id_type": "resident", "id_number": resident_id(birth, n),
            "phone": f"139{n:08d}"}
    data.update(extra)
    return actions.register_volunteer(acting_user=None, unit=unit, **data)


def make_team(unit: Any, name: str = "", kind: str = Team.Kind.TEAM) -> Team:
    return actions.create_team(acting_user=None, unit=unit, name=name or f"志愿服务队{next(_seq)}", kind=kind,
                               head="李队长", contact="0571-88886666")


def make_activity(team: Team, *, capacity: int = 2, start: datetime.datetime | None = None, hours: int = 3,
                  auto_approve: bool = True, **extra: Any) -> Activity:
    start = start or timezone.now() + datetime.timedelta(days=1)
    return actions.publish_activity(acting_user=None, team=team, title=extra.pop("title", "社区环境清洁"),
                                    place="东一社区广场", shifts=[(start, start + datetime.timedelta(hours=hours),
                                                                   capacity)], auto_approve=auto_approve, **extra)
