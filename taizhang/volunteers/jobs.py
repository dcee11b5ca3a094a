"""Background work: reminders the day before a shift (by SMS; volunteers have no staff account)."""

from __future__ import annotations

import datetime
from typing import Any

from django.utils import timezone

from taizhang.core import sms
from taizhang.core.jobs import periodic
from taizhang.volunteers.models import SignUp


def send_reminders(now: datetime.datetime | None = None) -> int:
    """Remind approved volunteers of shifts starting in the next 24 hours (once per sign-up); the number sent.
    A reminder the gateway does not take stays due and the others still go; then SmsError (the job fails with the
    count, visible to administrators) and the next run, 30 minutes later, tries the failed ones again."""
    now = now or timezone.now()
    due = (SignUp.objects.filter(state=SignUp.State.APPROVED, reminded=False, shift__starts_at__gt=now,
                                 shift__starts_at__lte=now + datetime.timedelta(hours=24))
           .select_related("volunteer", "shift__activity"))
    sent = failed = 0
    for signup in due:
        start = timezone.localtime(signup.shift.starts_at)
        activity = signup.shift.activity
        try:
            sms.send(signup.volunteer.phone, "activity_reminder",
                     {"title": activity.title, "time": f"{start:%m月%d日 %H:%M}", "place": activity.place})
        except sms.SmsError:  # logged by core.sms (number masked)
            failed += 1
            continue
        SignUp.objects.filter(pk=signup.pk).update(reminded=True)
        sent += 1
    if failed:
        raise sms.SmsError(f"{failed} 条活动提醒短信未发出（已发出 {sent} 条），下次运行时重试。")
    return sent


@periodic("volunteers.remind", minutes=30)
def remind(job: Any) -> None:
    send_reminders()
