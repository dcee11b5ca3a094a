"""Telling a unit: `notify_unit` finds the unit's own people holding a capability and notifies them, and sends the
notice to the unit's robot webhooks (UnitChannel), each at once or in the daily digest.

"The unit's own people" are members of the unit itself: a role held in an ancestor unit reaches the subtree for
scoping, but a county reviewer is not a town's liaison. For ``cap="manage_work"`` the department staff above are
meant (the unit itself and its ancestors), since that capability is held at the department.
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model

from taizhang.core.models import Notification, NotificationDelivery
from taizhang.core.notifications import notify, queue_channel_delivery
from taizhang.org.models import Membership, Unit, UnitChannel
from taizhang.org.roles import ROLE_CAPS, Cap


def unit_people(unit: Unit, cap: str = Cap.EDIT_RECORDS) -> list[Any]:
    """Active users holding ``cap`` through a role in ``unit`` (for manage_work: in the unit or an ancestor)."""
    roles = [role for role, caps in ROLE_CAPS.items() if cap in caps]
    if cap == Cap.MANAGE_WORK:
        prefixes = [unit.path[:i] for i in range(1, len(unit.path) + 1) if unit.path[i - 1] == "/"]
        unit_filter: dict[str, Any] = {"unit__path__in": prefixes or [unit.path]}
    else:
        unit_filter = {"unit": unit}
    user_ids = (
        Membership.objects.filter(role__in=roles, unit__is_active=True, **unit_filter)
        .values_list("user_id", flat=True)
        .distinct()
    )
    return list(get_user_model().objects.filter(pk__in=list(user_ids), is_active=True).order_by("pk"))


def notify_unit(
    unit: Unit, event: str, obj: Any = None, *, cap: str = Cap.EDIT_RECORDS, title: str, body: str = "", url: str = ""
) -> list[Notification]:
    """Notify the unit's people holding ``cap`` and send the notice to the unit's enabled robot webhooks."""
    notices = notify(unit_people(unit, cap), event, obj, title=title, body=body, url=url)
    if cap != Cap.MANAGE_WORK:  # the department's own robots are the monitor/alert channels, not a unit's
        for channel in UnitChannel.objects.filter(unit=unit, enabled=True):
            queue_channel_delivery(
                channel=NotificationDelivery.Channel.WEBHOOK, target=channel.target, event=event, title=title,
                body=body, url=url, fmt=channel.format, secret=channel.secret, allow_private=channel.is_internal,
                label=f"{unit.label}·{channel.name}", digest=channel.mode == UnitChannel.Mode.DIGEST,
            )
    return notices
