"""Background work of public votes (thin: ids in, actions do the work).

* `votes.sweep` (every 30 minutes): a detection run for every open poll; after midnight, the day's publication
  for polls that have none for yesterday yet (detection first, so bought votes are never published); polls past
  their closing time are closed (a last detection, the final counts).
* `votes.detect` / `votes.publish` / `votes.close`: one poll (params {"poll": id}), also queued by staff pages.
"""

from __future__ import annotations

import datetime
from typing import Any

from django.utils import timezone

from taizhang.core.jobs import enqueue, handler, periodic
from taizhang.votes import actions
from taizhang.votes.models import Poll, Publication


def _poll(job: Any) -> Poll | None:
    return Poll.objects.filter(pk=int(job.params.get("poll", 0) or 0)).first()


def due_for_publication(now: datetime.datetime | None = None) -> list[int]:
    """Open polls (or closed without their final counts) that have no publication for yesterday yet."""
    now = now or timezone.now()
    yesterday = timezone.localdate(now) - datetime.timedelta(days=1)
    midnight = timezone.make_aware(datetime.datetime.combine(yesterday + datetime.timedelta(days=1), datetime.time()))
    done = Publication.objects.filter(day=yesterday).values("poll")
    return list(Poll.objects.filter(state=Poll.State.OPEN, opens_at__lt=midnight).exclude(pk__in=done)
                .values_list("pk", flat=True))


def sweep(now: datetime.datetime | None = None) -> dict[str, int]:
    now = now or timezone.now()
    ending = list(Poll.objects.filter(state=Poll.State.OPEN, closes_at__lte=now).values_list("pk", flat=True))
    for pk in ending:
        enqueue("votes.close", {"poll": pk})
    publish = [pk for pk in due_for_publication(now) if pk not in ending]
    for pk in publish:
        enqueue("votes.publish", {"poll": pk})
    detect = list(actions.open_polls(now).exclude(pk__in=publish).values_list("pk", flat=True))
    for pk in detect:
        enqueue("votes.detect", {"poll": pk})
    return {"close": len(ending), "publish": len(publish), "detect": len(detect)}


@periodic("votes.sweep", minutes=30)
def run_sweep(job: Any) -> dict[str, Any]:
    return sweep()


@handler("votes.detect")
def run_detect(job: Any) -> dict[str, Any] | None:
    poll = _poll(job)
    if poll is None:
        return None
    run = actions.detect(acting_user=None, poll=poll, trigger="job" if job.created_by is None else "manual")
    return {"run": run.pk, "wiped": run.wiped}


@handler("votes.publish")
def run_publish(job: Any) -> dict[str, Any] | None:
    poll = _poll(job)
    if poll is None:
        return None
    actions.detect(acting_user=None, poll=poll, trigger="job")
    pub = actions.publish_counts(acting_user=None, poll=poll)
    return {"publication": pub.pk if pub else None}


@handler("votes.close")
def run_close(job: Any) -> dict[str, Any] | None:
    poll = _poll(job)
    if poll is None or poll.state == Poll.State.CLOSED:
        return None
    actions.close_poll(acting_user=None, poll=poll)
    return {"closed": poll.pk}
