"""Background work: reminders the day before a shift (by SMS; volunteers have no staff account)."""

from __future__ import annotations

import datetime
from typing import Any

from django.utils import timezone

from taizhang.core.jobs import periodic
from taizhang.core.text import quoted
from taizhang.volunteers import tokens
from taizhang.volunteers.models import SignUp


def send_reminders(now: datetime.datetime | None = None) -> int:
    """Remind approved volunteers of shifts starting in the next 24 hours (once per sign-up)."""
    now = now or timezone.now()
    due = (SignUp.objects.filter(state=SignUp.State.APPROVED, reminded=False, shift__starts_at__gt=now,
                                 shift__starts_at__lte=now + datetime.timedelta(hours=24))
           .select_related("volunteer", "shift__activity"))
    sent = 0
    for signup in due:
        start = timezone.localtime(signup.shift.starts_at)
        activity = signup.shift.activity
        tokens.send_sms(signup.volunteer.phone, f"提醒：您报名的志愿服务活动{quoted(activity.title)}将于"
                                                f"{start:%m月%d日 %H:%M}在{activity.place}开始，请准时到场扫码签到。")
        SignUp.objects.filter(pk=signup.pk).update(reminded=True)
        sent += 1
    return sent


@periodic("volunteers.remind", minutes=30)
def remind(job: Any) -> None:
    send_reminders()
