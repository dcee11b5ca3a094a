"""点单 → 派单 → 接单 → 评单: the practice centres' service orders.

A resident or a community orders a service at a centre, post or station (点单); the station dispatches it to a team
(派单); the team accepts it (接单), delivers and records it (an activity and its hours can be linked); the orderer
rates it (评单), on a staff page on their behalf or through the signed link given to them.
"""

from __future__ import annotations

import datetime
from typing import Any

from django.core import signing
from django.db import transaction
from django.utils import timezone

from taizhang.core import audit
from taizhang.core.errors import InvalidInput, InvalidTransition
from taizhang.org.roles import Cap
from taizhang.volunteers.actions import PHONE_RE, require
from taizhang.volunteers.models import Activity, ServiceOrder, Team

OS = ServiceOrder.State
STATIONS = (Team.Kind.CENTRE, Team.Kind.POST, Team.Kind.STATION)
RATE_SALT = "taizhang.volunteers.order-rating"


def _locked(order: ServiceOrder) -> ServiceOrder:
    return (ServiceOrder.objects.select_for_update(of=("self",))
            .select_related("station__unit", "team__unit", "unit").get(pk=order.pk))


@transaction.atomic
def place_order(*, acting_user: Any, station: Team, orderer_kind: str, orderer_name: str, category: str,
                title: str, description: str = "", orderer_phone: str = "",
                wanted_on: datetime.date | None = None) -> ServiceOrder:
    """点单: recorded by the station's or community's staff for a resident or a community."""
    if acting_user is not None:
        require(acting_user, Cap.EDIT_RECORDS, station.unit)
    errors: dict[str, list[str]] = {}
    if station.kind not in STATIONS:
        errors["station"] = ["请选择文明实践中心、所或站。"]
    if orderer_kind not in ServiceOrder.OrdererKind.values:
        errors["orderer_kind"] = ["请选择点单方。"]
    if len(orderer_name.strip()) < 2:
        errors["orderer_name"] = ["请填写点单人或社区名称。"]
    if orderer_phone and not PHONE_RE.match(orderer_phone.strip()):
        errors["orderer_phone"] = ["请填写11位手机号码。"]
    if category not in ServiceOrder.Category.values:
        errors["category"] = ["请选择服务类别。"]
    if not title.strip():
        errors["title"] = ["请填写服务需求。"]
    if errors:
        raise InvalidInput("点单信息有误。", errors)
    order = ServiceOrder.objects.create(
        station=station, unit_id=station.unit_id, orderer_kind=orderer_kind, orderer_name=orderer_name.strip(),
        orderer_phone=orderer_phone.strip(), category=category, title=title.strip()[:120], description=description,
        wanted_on=wanted_on,
    )
    audit.record("create", order, user=acting_user, after=audit.snapshot(order), message="点单")
    return order


@transaction.atomic
def dispatch_order(*, acting_user: Any, order: ServiceOrder, team: Team) -> ServiceOrder:
    order = _locked(order)
    require(acting_user, Cap.EDIT_RECORDS, order.station.unit)
    if order.state != OS.ORDERED:
        raise InvalidTransition("只有已点单的需求可以派单。")
    if not team.is_active:
        raise InvalidInput("该队伍已停用。", {"team": ["该队伍已停用。"]})
    order.state, order.team, order.dispatched_at = OS.DISPATCHED, team, timezone.now()
    order.save(update_fields=["state", "team", "dispatched_at", "updated_at"])
    audit.record("assign", order, user=acting_user, message=f"派单给{team.name}")
    return order


@transaction.atomic
def accept_order(*, acting_user: Any, order: ServiceOrder) -> ServiceOrder:
    order = _locked(order)
    if order.state != OS.DISPATCHED or order.team is None:
        raise InvalidTransition("只有已派单的需求可以接单。")
    require(acting_user, Cap.EDIT_RECORDS, order.team.unit)
    order.state, order.accepted_at = OS.ACCEPTED, timezone.now()
    order.save(update_fields=["state", "accepted_at", "updated_at"])
    audit.record("update", order, user=acting_user, message="接单")
    return order


@transaction.atomic
def deliver_order(*, acting_user: Any, order: ServiceOrder, note: str,
                  activity: Activity | None = None) -> ServiceOrder:
    order = _locked(order)
    if order.state != OS.ACCEPTED or order.team is None:
        raise InvalidTransition("接单后才能登记服务情况。")
    require(acting_user, Cap.EDIT_RECORDS, order.team.unit)
    if not note.strip():
        raise InvalidInput("请填写服务记录。", {"note": ["请填写服务记录。"]})
    if activity is not None and activity.team_id != order.team_id:
        raise InvalidInput("所选活动不属于承接队伍。", {"activity": ["所选活动不属于承接队伍。"]})
    order.state, order.delivered_at, order.delivery_note = OS.DELIVERED, timezone.now(), note.strip()
    order.activity = activity
    order.save(update_fields=["state", "delivered_at", "delivery_note", "activity", "updated_at"])
    audit.record("respond", order, user=acting_user, message="服务完成并记录")
    return order


@transaction.atomic
def rate_order(*, acting_user: Any, order: ServiceOrder, rating: int, comment: str = "") -> ServiceOrder:
    """评单: by the orderer through their link (acting_user None) or by staff on their behalf."""
    order = _locked(order)
    if acting_user is not None:
        require(acting_user, Cap.EDIT_RECORDS, order.station.unit)
    if order.state != OS.DELIVERED:
        raise InvalidTransition("服务完成后才能评价，且只能评价一次。")
    if rating not in (1, 2, 3, 4, 5):
        raise InvalidInput("评价应为1至5星。", {"rating": ["评价应为1至5星。"]})
    order.state, order.rating, order.rating_comment, order.rated_at = OS.RATED, rating, comment[:200], timezone.now()
    order.save(update_fields=["state", "rating", "rating_comment", "rated_at", "updated_at"])
    audit.record("update", order, user=acting_user, message=f"评单：{rating}星")
    return order


@transaction.atomic
def cancel_order(*, acting_user: Any, order: ServiceOrder, reason: str) -> ServiceOrder:
    order = _locked(order)
    require(acting_user, Cap.EDIT_RECORDS, order.station.unit)
    if order.state in (OS.RATED, OS.CANCELLED, OS.DELIVERED):
        raise InvalidTransition("该点单已完成或已取消。")
    if not reason.strip():
        raise InvalidInput("请填写取消原因。", {"reason": ["请填写取消原因。"]})
    order.state = OS.CANCELLED
    order.save(update_fields=["state", "updated_at"])
    audit.record("withdraw", order, user=acting_user, message=f"取消点单：{reason.strip()}")
    return order


def rating_token(order: ServiceOrder) -> str:
    return signing.dumps(order.pk, salt=RATE_SALT)


def order_from_token(token: str) -> ServiceOrder | None:
    try:
        pk = signing.loads(token, salt=RATE_SALT, max_age=90 * 24 * 3600)
    except signing.BadSignature:
        return None
    return ServiceOrder.objects.filter(pk=pk).first() if isinstance(pk, int) else None
