"""Telling a unit: `notify_unit` finds the unit's own people holding a capability and notifies them, and sends the
notice to the unit's robot webhooks (UnitChannel), each at once or in the daily digest.

"The unit's own people" are members of the unit itself: a role held in an ancestor unit reaches the subtree for
scoping, but a county reviewer is not a town's liaison. For ``cap="manage_work"`` the department staff above are
meant (the unit itself and its ancestors), since that capability is held at the department.
"""

from __future__ import annotations

from dataclasses import dataclass, field
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
    return list(get_user_model().objects.filter(pk__in=user_ids, is_active=True).order_by("pk"))


def cap_holders(cap: str) -> list[Any]:
    """Active users holding ``cap`` anywhere (for department-wide notices such as an opinion alert)."""
    roles = [role for role, caps in ROLE_CAPS.items() if cap in caps]
    ids = Membership.objects.filter(role__in=roles, unit__is_active=True).values_list("user_id", flat=True)
    return list(get_user_model().objects.filter(pk__in=list(ids), is_active=True).order_by("pk"))


def nearest_people(unit: Unit, cap: str) -> list[Any]:
    """Active users holding ``cap`` in the unit or, if none there, the nearest ancestor that has some (the reviewers
    a submission waits for)."""
    roles = [role for role, caps in ROLE_CAPS.items() if cap in caps]
    prefixes = [unit.path[:i] for i in range(1, len(unit.path) + 1) if unit.path[i - 1] == "/"]
    rows = list(
        Membership.objects.filter(role__in=roles, unit__is_active=True, unit__path__in=prefixes,
                                  user__is_active=True)
        .values_list("unit__path", "user_id")
    )
    if not rows:
        return []
    nearest = max(path for path, _ in rows)
    ids = sorted({uid for path, uid in rows if path == nearest})
    return list(get_user_model().objects.filter(pk__in=ids).order_by("pk"))


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


@dataclass
class TestReport:
    notice_id: int
    deliveries: list[str] = field(default_factory=list)
    failed: int = 0


def send_test_notice(user: Any) -> TestReport:
    """A test notice through every channel of ``user`` (the app, their e-mail if enabled, the robots of the units
    they belong to), sent now, not in a digest; returns one line per channel with its result."""
    from django.core.mail import send_mail

    from taizhang.core import webhooks
    from taizhang.core.models import NotificationPreference

    title = "测试通知"
    body = "这是一条测试通知。收到即说明该渠道配置正确。"
    notices = notify([user], "test", None, title=title, body=body)
    # notify() may have queued an e-mail: the test sends it here, now, and reports the result instead
    NotificationDelivery.objects.filter(notification__in=notices).delete()
    report = TestReport(notice_id=notices[0].pk if notices else 0)
    pref = NotificationPreference.objects.filter(user=user).first()
    if pref and pref.email_mode != NotificationPreference.Mode.OFF:
        if not user.email:
            report.deliveries.append("邮件：未发送（账户没有登记电子邮箱）")
            report.failed += 1
        else:
            try:
                send_mail(f"【测试通知】{title}", body, None, [user.email], fail_silently=False)
                report.deliveries.append(f"邮件（{user.email}）：已发送")
            except Exception as exc:
                report.deliveries.append(f"邮件（{user.email}）：失败，{exc.__class__.__name__}: {exc}")
                report.failed += 1
    unit_ids = Membership.objects.filter(user=user).values_list("unit_id", flat=True)
    for channel in UnitChannel.objects.filter(unit_id__in=unit_ids, enabled=True).select_related("unit"):
        name = f"{channel.unit.label}·{channel.name}"
        try:
            webhooks.send(channel.target, channel.format, f"【测试通知】{title}", [body], secret=channel.secret,
                          allow_private=channel.is_internal, extra={"event": "test"})
            report.deliveries.append(f"机器人（{name}）：已发送")
        except Exception as exc:
            message = getattr(exc, "message", None) or f"{exc.__class__.__name__}: {exc}"
            report.deliveries.append(f"机器人（{name}）：失败，{message}")
            report.failed += 1
    return report
