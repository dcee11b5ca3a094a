"""Background work of press: accounts whose public feed monitoring follows get their last post date from it."""

from __future__ import annotations

from typing import Any

from taizhang.core.jobs import periodic
from taizhang.core.models import Job


def follow_feeds() -> int:
    """For each running account with a public feed address, the newest item that monitoring's source for the same
    address has collected moves the account's last post date forward (never back). Returns the accounts moved."""
    from django.db.models import Max
    from django.utils import timezone

    from taizhang.monitor.models import MonitorItem, Source
    from taizhang.press.actions import note_last_post
    from taizhang.press.models import NewMediaAccount

    accounts = list(NewMediaAccount.objects.filter(state=NewMediaAccount.State.ACTIVE).exclude(feed_url=""))
    if not accounts:
        return 0
    sources = {s.url.strip(): s.pk for s in Source.objects.filter(url__in=[a.feed_url.strip() for a in accounts])}
    newest = dict(MonitorItem.objects.filter(source_id__in=list(sources.values())).values("source_id")
                  .annotate(last=Max("at")).values_list("source_id", "last"))
    moved = 0
    for account in accounts:
        last = newest.get(sources.get(account.feed_url.strip(), -1))
        if last is None:
            continue
        day = timezone.localtime(last).date()
        if account.last_post_date is None or day > account.last_post_date:
            note_last_post(account.pk, day)
            moved += 1
    return moved


@periodic("press.follow_feeds", minutes=60)
def follow_feeds_job(job: Job) -> dict[str, Any]:
    return {"moved": follow_feeds()}
