"""Actions on a unit's robot webhooks (UnitChannel): add, change, remove — by whoever manages the unit (manage_org).

The address must be a public http(s) URL; a robot on the government intranet (a private address) is not added here:
monitoring's rule applies — private addresses are the security administrator's audited decision.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from django.db import transaction

from taizhang.core import audit
from taizhang.core.concurrency import save_versioned
from taizhang.core.errors import InvalidInput, NotPermitted
from taizhang.org.models import Unit, UnitChannel
from taizhang.org.roles import Cap
from taizhang.org.scoping import can_in_unit

FIELDS = ("name", "target", "format", "secret", "mode", "enabled")


def _validate(values: dict[str, Any]) -> dict[str, Any]:
    errors: dict[str, list[str]] = {}
    clean = dict(values)
    clean["name"] = str(values.get("name") or "").strip()
    clean["target"] = str(values.get("target") or "").strip()
    clean["secret"] = str(values.get("secret") or "").strip()
    if not clean["name"]:
        errors["name"] = ["请填写名称"]
    elif len(clean["name"]) > 60:
        errors["name"] = ["名称不能超过60个字"]
    parts = urlsplit(clean["target"]) if clean["target"] else None
    if parts is None or parts.scheme not in ("http", "https") or not parts.hostname or len(clean["target"]) > 1000:
        errors["target"] = ["请填写以 https:// 开头的机器人 Webhook 网址"]
    if values.get("format") not in UnitChannel.Format.values:
        errors["format"] = ["请选择消息格式"]
    if values.get("mode") not in UnitChannel.Mode.values:
        errors["mode"] = ["请选择发送方式"]
    clean["enabled"] = bool(values.get("enabled", True))
    if errors:
        raise InvalidInput("请修改标出的内容。", errors)
    return clean


def _require(user: Any, unit: Unit) -> None:
    if user is not None and not can_in_unit(user, Cap.MANAGE_ORG, unit):
        raise NotPermitted("您不能管理该单位的通知渠道。")


@transaction.atomic
def create_channel(*, acting_user: Any, unit: Unit, **values: Any) -> UnitChannel:
    _require(acting_user, unit)
    clean = _validate(values)
    channel = UnitChannel.objects.create(unit=unit, **{f: clean[f] for f in FIELDS})
    audit.record("create", channel, user=acting_user, after=_snapshot(channel))
    return channel


@transaction.atomic
def update_channel(*, acting_user: Any, channel: UnitChannel, expected_version: int, **values: Any) -> UnitChannel:
    _require(acting_user, channel.unit)
    clean = _validate(values)
    before = _snapshot(channel)
    for f in FIELDS:
        setattr(channel, f, clean[f])
    save_versioned(channel, expected_version, list(FIELDS))
    audit.record("update", channel, user=acting_user, before=before, after=_snapshot(channel))
    return channel


@transaction.atomic
def delete_channel(*, acting_user: Any, channel: UnitChannel) -> None:
    _require(acting_user, channel.unit)
    audit.record("delete", channel, user=acting_user, before=_snapshot(channel))
    channel.delete()


def _snapshot(channel: UnitChannel) -> dict[str, Any]:
    # the webhook address and secret carry the robot's key: the audit log keeps the host only
    return {"unit": channel.unit_id, "name": channel.name, "host": urlsplit(channel.target).hostname or "",
            "format": channel.format, "mode": channel.mode, "enabled": channel.enabled,
            "signed": bool(channel.secret)}
