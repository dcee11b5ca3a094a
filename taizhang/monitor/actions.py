"""Every state change of monitoring: sources, watch lists, ingestion, incidents (assignment, response, closure,
escalation), alerts and channels, placement proposals, briefs and retention.

Functions take a keyword-only ``acting_user`` (None: the system — runner, demo, cron), validate first, run in one
transaction, write the audit log and raise ``core.errors`` exceptions with Chinese messages. Monitoring is managed
with ``manage_work``; a unit's users with ``edit_records`` in the assigned unit record its response.
"""

from __future__ import annotations

import datetime
import hashlib
import re
import secrets
from collections.abc import Sequence
from typing import Any
from urllib.parse import urlsplit

from django.conf import settings
from django.core.files.base import ContentFile
from django.core.validators import validate_email
from django.db import transaction
from django.utils import timezone

from taizhang.cases.models import Case
from taizhang.core import audit
from taizhang.core.concurrency import save_versioned
from taizhang.core.errors import InvalidInput, InvalidTransition, NotPermitted, StaleObjectError
from taizhang.monitor.incident_cases import assign_incident as assign_incident  # assignment is a case (工单)
from taizhang.monitor.models import (
    GRADE_NAMES,
    Alert,
    AlertChannel,
    Brief,
    Incident,
    IncidentEvent,
    IngestBatch,
    PlacementProposal,
    Response,
    Source,
    WatchList,
)
from taizhang.monitor.pipeline.watchlist import WatchList as PipelineWatchList
from taizhang.monitor.pipeline.watchlist import WatchListSyntaxError
from taizhang.monitor.readers import ReadError, canonical, import_name_error, read_file
from taizhang.org.models import Unit
from taizhang.org.roles import Cap
from taizhang.org.scoping import can_in_unit, has_cap

MAX_API_BATCH = 1000
S = Incident.Status


def _user(user: Any) -> Any:
    return user if getattr(user, "is_authenticated", False) else None


def manages_monitoring(user: Any) -> bool:
    """Monitoring (sources, watch lists, channels, alerts, unassigned incidents) belongs to the department: it
    takes ``manage_work`` over a top-level unit, not merely somewhere below it (a unit's staff act on the
    incidents assigned to their subtree only)."""
    if user is None:
        return True
    if not getattr(user, "is_authenticated", False):
        return False
    cached = getattr(user, "_tz_monitor_manager", None)
    if cached is None:
        cached = any(can_in_unit(user, Cap.MANAGE_WORK, unit)
                     for unit in Unit.objects.filter(parent__isnull=True, is_active=True))
        user._tz_monitor_manager = cached
    return bool(cached)


def require_manage(user: Any, message: str = "您没有管理舆情监测的权限。") -> None:
    if user is not None and not manages_monitoring(user):
        raise NotPermitted(message)


def dispatch_batch(batch_id: int, *, inline: bool = False) -> Any:
    """Analyse a batch: a Celery task when a broker is configured, else now (``inline``) or as an in-process job."""
    if settings.CELERY_BROKER_URL and not settings.TAIZHANG_JOBS_EAGER:
        from taizhang.monitor.tasks import process_batch

        transaction.on_commit(lambda: process_batch.delay(batch_id))
        return None
    if inline:
        from taizhang.monitor.store import process_batch as run

        return run(batch_id)
    from taizhang.core.jobs import enqueue

    return enqueue("monitor.process_batch", {"batch": batch_id})


# --- sources ------------------------------------------------------------------------------------------------------
# ``is_internal`` (private addresses allowed) is not among them: only a security administrator sets it
# (set_internal_address below), and a changed address clears it.
SOURCE_FIELDS = ["name", "kind", "url", "outlet", "level", "enabled", "schedule_minutes", "adaptive",
                 "timeout_seconds", "max_bytes", "link_pattern", "max_articles"]


def web_address_error(url: str) -> str | None:
    """Why ``url`` is not an http(s) address with a host (a malformed one, e.g. "http://[::1", included)."""
    if len(url) > 1000 or any(ord(c) < 33 or c == "\x7f" for c in url):
        return "网址过长或含有空白、控制字符"
    try:
        parts = urlsplit(url)
        host = parts.hostname
        _ = parts.port
    except ValueError:
        return "网址格式有误（如主机名、IPv6 地址或端口写法不对）"
    if parts.scheme not in ("http", "https") or not host:
        return "请填写以 http:// 或 https:// 开头的网址"
    return None


def _validate_source(values: dict[str, Any], exclude_pk: int | None = None) -> None:
    errors: dict[str, list[str]] = {}
    name = str(values.get("name") or "").strip()
    if not name:
        errors["name"] = ["请填写名称"]
    elif Source.objects.filter(name=name).exclude(pk=exclude_pk or 0).exists():
        errors["name"] = ["该名称已被使用"]
    kind = values.get("kind")
    if kind not in Source.Kind.values:
        errors["kind"] = ["请选择类型"]
    url = str(values.get("url") or "").strip()
    if kind in (Source.Kind.FEED, Source.Kind.PAGE):
        problem = web_address_error(url)
        if problem:
            errors["url"] = [problem]
    elif kind == Source.Kind.FILE:
        problem = import_name_error(url)
        if problem:
            errors["url"] = [problem]
    for key, low, high, message in (
        ("schedule_minutes", 1, 525_600, "采集间隔应在 1–525600 分钟之间"),
        ("timeout_seconds", 1, 300, "超时应在 1–300 秒之间"),
        ("max_bytes", 1000, 100_000_000, "单次最大字节数应在 1,000–100,000,000 之间"),
        ("max_articles", 0, 1000, "每次最多抓取文章数应在 0–1000 之间"),
    ):
        try:
            raw = values.get(key)
            number = int(raw) if raw is not None else low
        except (TypeError, ValueError, OverflowError):
            number = low - 1
        if not low <= number <= high:
            errors[key] = [message]
    pattern = values.get("link_pattern") or ""
    if pattern:
        try:
            re.compile(pattern)
        except (re.error, RecursionError, OverflowError, ValueError) as exc:
            errors["link_pattern"] = [f"正则表达式有误：{exc}"]
    if errors:
        raise InvalidInput("信息源填写有误，请按提示修改。", errors)


def new_token() -> tuple[str, str]:
    token = "tzm_" + secrets.token_urlsafe(32)
    return token, hashlib.sha256(token.encode()).hexdigest()


def source_for_token(token: str) -> Source | None:
    if not token:
        return None
    digest = hashlib.sha256(token.strip().encode()).hexdigest()
    return Source.objects.filter(token_hash=digest, kind=Source.Kind.API, enabled=True).first()


@transaction.atomic
def create_source(*, acting_user: Any, **values: Any) -> tuple[Source, str | None]:
    """Create a source; for an API source also its token, returned once (only its hash is stored)."""
    require_manage(acting_user)
    unknown = set(values) - set(SOURCE_FIELDS)
    if unknown:
        raise InvalidInput(f"不能设置的字段：{', '.join(sorted(unknown))}")
    defaults = {"schedule_minutes": 30, "timeout_seconds": 20, "max_bytes": 5_000_000}
    values = {**defaults, **values}
    _validate_source(values)
    values["name"] = values["name"].strip()
    values["url"] = str(values.get("url") or "").strip()
    values.pop("is_internal", None)
    source = Source(**values, created_by=_user(acting_user), interval_minutes=values["schedule_minutes"])
    token = None
    if source.kind == Source.Kind.API:
        token, source.token_hash = new_token()
        source.token_hint = token[-6:]
    source.save()
    audit.record("create", source, user=acting_user, after=audit.snapshot(source))
    return source, token


@transaction.atomic
def update_source(*, acting_user: Any, source: Source, expected_version: int, **values: Any) -> Source:
    require_manage(acting_user)
    unknown = set(values) - set(SOURCE_FIELDS) - {"kind"}
    if unknown:
        raise InvalidInput(f"不能修改的字段：{', '.join(sorted(unknown))}")
    merged = {f: getattr(source, f) for f in SOURCE_FIELDS} | values
    _validate_source(merged, exclude_pk=source.pk)
    before = audit.snapshot(source)
    for key, value in values.items():
        setattr(source, key, value.strip() if isinstance(value, str) and key in ("name", "url") else value)
    fields = list(values)
    if "schedule_minutes" in values:
        source.interval_minutes = float(source.schedule_minutes)
        fields.append("interval_minutes")
    if "url" in values:  # a new address starts without cached validators
        source.etag = source.last_modified = ""
        fields += ["etag", "last_modified"]
        if source.is_internal and source.url != before.get("url"):
            source.is_internal = False  # the security administrator approved the old address, not this one
            fields.append("is_internal")
    save_versioned(source, expected_version, [f if f != "outlet" else "outlet_id" for f in fields])
    audit.record("update", source, user=acting_user, before=before, after=audit.snapshot(source))
    return source


@transaction.atomic
def set_internal_address(*, acting_user: Any, target: Source | AlertChannel, internal: bool, reason: str) -> Any:
    """Allow (or stop allowing) a source or webhook to reach private, loopback and intranet addresses. A security
    administrator's decision (``manage_security``), with a reason, audited; changing the address clears it."""
    if acting_user is not None and not has_cap(acting_user, Cap.MANAGE_SECURITY):
        raise NotPermitted("只有安全管理员可以允许访问内网地址。")
    reason = (reason or "").strip()
    if internal and not reason:
        raise InvalidInput("请说明允许访问内网地址的理由。", {"reason": ["请填写理由"]})
    if len(reason) > 500:
        raise InvalidInput("理由过长（最多 500 字）。", {"reason": ["最多 500 字"]})
    address = target.url if isinstance(target, Source) else target.target
    before = {"is_internal": target.is_internal, "address": address}
    type(target).objects.filter(pk=target.pk).update(is_internal=bool(internal))
    target.is_internal = bool(internal)
    audit.record("permission", target, user=acting_user, before=before,
                 after={"is_internal": bool(internal), "address": address},
                 message=("允许访问内网地址：" if internal else "取消内网地址许可：") + reason)
    return target


@transaction.atomic
def rotate_source_token(*, acting_user: Any, source: Source) -> str:
    require_manage(acting_user)
    if source.kind != Source.Kind.API:
        raise InvalidInput("只有接口推送来源有令牌")
    token, digest = new_token()
    Source.objects.filter(pk=source.pk).update(token_hash=digest, token_hint=token[-6:])
    audit.record("config", source, user=acting_user, message="更换接口令牌")
    return token


@transaction.atomic
def delete_source(*, acting_user: Any, source: Source) -> None:
    require_manage(acting_user)
    audit.record("delete", source, user=acting_user, before=audit.snapshot(source))
    source.delete()


@transaction.atomic
def schedule_poll_now(*, acting_user: Any, source: Source) -> Source:
    require_manage(acting_user)
    if not source.polled:
        raise InvalidInput("接口推送来源不需要采集")
    Source.objects.filter(pk=source.pk).update(next_poll_at=timezone.now(), enabled=True)
    audit.record("run", source, user=acting_user, message="立即采集")
    return source


# --- watch lists --------------------------------------------------------------------------------------------------
def check_expression(expression: str) -> PipelineWatchList:
    """The parsed expression, or InvalidInput with the position of the error (in Chinese)."""
    try:
        return PipelineWatchList(key="x", name="x", expression=expression)
    except WatchListSyntaxError as exc:
        raise InvalidInput(f"表达式有误：{exc}", {"expression": [str(exc)]}) from exc


WATCH_FIELDS = ["key", "name", "purpose", "expression", "description", "enabled"]


def _validate_watchlist(values: dict[str, Any], exclude_pk: int | None = None) -> None:
    errors: dict[str, list[str]] = {}
    key = str(values.get("key") or "")
    if not re.fullmatch(r"[a-z0-9][a-z0-9_-]{0,39}", key):
        errors["key"] = ["标识只能用小写字母、数字、下划线和连字符"]
    elif WatchList.objects.filter(key=key).exclude(pk=exclude_pk or 0).exists():
        errors["key"] = ["该标识已被使用"]
    if not str(values.get("name") or "").strip():
        errors["name"] = ["请填写名称"]
    if values.get("purpose") not in WatchList.Purpose.values:
        errors["purpose"] = ["请选择用途"]
    try:
        check_expression(str(values.get("expression") or ""))
    except InvalidInput as exc:
        errors.update(exc.errors)
    if errors:
        raise InvalidInput("关注词填写有误，请按提示修改。", errors)


@transaction.atomic
def create_watchlist(*, acting_user: Any, **values: Any) -> WatchList:
    require_manage(acting_user)
    values = {"purpose": WatchList.Purpose.TOPIC, **values}
    unknown = set(values) - set(WATCH_FIELDS)
    if unknown:
        raise InvalidInput(f"不能设置的字段：{', '.join(sorted(unknown))}")
    _validate_watchlist(values)
    wl = WatchList.objects.create(**values)
    audit.record("create", wl, user=acting_user, after=audit.snapshot(wl))
    return wl


@transaction.atomic
def update_watchlist(*, acting_user: Any, watchlist: WatchList, expected_version: int, **values: Any) -> WatchList:
    require_manage(acting_user)
    unknown = set(values) - set(WATCH_FIELDS)
    if unknown:
        raise InvalidInput(f"不能修改的字段：{', '.join(sorted(unknown))}")
    _validate_watchlist({f: getattr(watchlist, f) for f in WATCH_FIELDS} | values, exclude_pk=watchlist.pk)
    before = audit.snapshot(watchlist)
    for key, value in values.items():
        setattr(watchlist, key, value)
    save_versioned(watchlist, expected_version, list(values))
    audit.record("update", watchlist, user=acting_user, before=before, after=audit.snapshot(watchlist))
    return watchlist


@transaction.atomic
def delete_watchlist(*, acting_user: Any, watchlist: WatchList) -> None:
    require_manage(acting_user)
    audit.record("delete", watchlist, user=acting_user, before=audit.snapshot(watchlist))
    watchlist.delete()


# --- ingestion ------------------------------------------------------------------------------------------------------
@transaction.atomic
def ingest_items(
    *, acting_user: Any, items: Sequence[Any], source: Source | None = None, origin: str = IngestBatch.Origin.API,
    client_key: str = "", limit: int | None = MAX_API_BATCH,
) -> tuple[IngestBatch, bool]:
    """Store a validated batch of raw items for analysis; returns (batch, created). All items are checked first;
    a repeated ``client_key`` of the same source returns the first batch (idempotent retries)."""
    if origin != IngestBatch.Origin.API:
        require_manage(acting_user)
    if not isinstance(items, list | tuple):
        raise InvalidInput("items 应为数组", {"items": ["应为数组"]})
    if limit is not None and len(items) > limit:
        raise InvalidInput(f"每批最多 {limit} 条，本批 {len(items)} 条", {"items": [f"每批最多 {limit} 条"]})
    if not items:
        raise InvalidInput("没有数据", {"items": ["不能为空"]})
    client_key = (client_key or "").strip()[:64]
    if client_key and source is not None:
        existing = IngestBatch.objects.filter(source=source, client_key=client_key).first()
        if existing is not None:
            return existing, False
    rows: list[dict[str, Any]] = []
    errors: dict[str, list[str]] = {}
    for n, raw in enumerate(items):
        try:
            rows.append(canonical(raw if isinstance(raw, dict) else {}, f"#{n}"))
        except ValueError as exc:
            errors[f"items[{n}]"] = [str(exc) if isinstance(raw, dict) else "应为 JSON 对象"]
    if errors:
        raise InvalidInput(f"有 {len(errors)} 条数据有误，本批未接收", errors)
    for row in rows:
        if not row["source"] and source is not None:
            row["source"] = source.name
    batch = IngestBatch.objects.create(
        source=source, origin=origin, payload=rows, received=len(rows), client_key=client_key,
        created_by=_user(acting_user),
    )
    audit.record("import", batch, user=acting_user, message=f"{batch.get_origin_display()}：{len(rows)}条",
                 object_repr=f"采集批次{batch.pk}（{source.name if source else '无来源'}）")
    return batch, True


def ingest_file(*, acting_user: Any, data: bytes, filename: str, source: Source | None = None,
                origin: str = IngestBatch.Origin.UPLOAD) -> IngestBatch:
    """A CSV / JSON / JSONL / xlsx export as one batch: every row checked first, errors by row."""
    require_manage(acting_user)
    try:
        rows = read_file(data, filename)
    except ReadError as exc:
        raise InvalidInput(str(exc), {"file": exc.errors or [exc.message]}) from exc
    batch, _ = ingest_items(acting_user=acting_user, items=rows, source=source, origin=origin, limit=None)
    return batch


# --- incidents ------------------------------------------------------------------------------------------------------
def _save(incident: Incident, expected_version: int, fields: list[str]) -> None:
    """save_versioned, leaving the object as stored when someone else changed it meanwhile."""
    try:
        save_versioned(incident, expected_version, fields)
    except StaleObjectError:
        incident.refresh_from_db()
        raise


def _event(incident: Incident, kind: str, text: str, user: Any) -> None:
    IncidentEvent.objects.create(incident=incident, kind=kind, text=text[:500], user=_user(user))


def can_respond(user: Any, incident: Incident) -> bool:
    from taizhang.monitor.incident_cases import can_respond as respond_allowed

    return respond_allowed(user, incident)


@transaction.atomic
def record_response(
    *, acting_user: Any, incident: Incident, published_text: str, where: str, published_at: datetime.datetime,
    url: str = "", unit: Unit | None = None,
) -> Response:
    """The responsible unit records what it published, where and when (a public response)."""
    from taizhang.monitor.incident_cases import current_case, handle_with_response

    case = current_case(incident)
    if case is None or case.state == Case.State.NEW:
        raise InvalidTransition("事件尚未交办，不能登记回应。")
    if not can_respond(acting_user, incident):
        raise NotPermitted("只有责任单位（或宣传部工作人员）可以登记回应。")
    if incident.status == S.CLOSED:
        raise InvalidTransition("事件已办结。")
    errors: dict[str, list[str]] = {}
    if not published_text.strip():
        errors["published_text"] = ["请填写回应内容"]
    if not where.strip():
        errors["where"] = ["请填写发布平台"]
    if published_at > timezone.now() + datetime.timedelta(minutes=5):
        errors["published_at"] = ["发布时间不能晚于现在"]
    if url and urlsplit(url).scheme not in ("http", "https"):
        errors["url"] = ["链接应以 http:// 或 https:// 开头"]
    if errors:
        raise InvalidInput("回应填写有误，请按提示修改。", errors)
    response = Response.objects.create(
        incident=incident, unit=unit or case.unit, published_text=published_text.strip(),
        where=where.strip()[:200], url=url.strip(), published_at=published_at, recorded_by=_user(acting_user),
    )
    _event(incident, "respond", f"{response.unit.name}在{response.where}发布回应", acting_user)
    handle_with_response(acting_user=acting_user, incident=incident, text=response.published_text,
                         where=response.where)
    incident.refresh_from_db()
    audit.record("respond", response, user=acting_user, after=audit.snapshot(response),
                 object_repr=f"{incident.label}：{response.where}")
    return response


@transaction.atomic
def close_incident(*, acting_user: Any, incident: Incident, expected_version: int, note: str = "") -> Incident:
    require_manage(acting_user, "您没有办结舆情事件的权限。")
    if incident.status == S.CLOSED:
        raise InvalidTransition("事件已办结。")
    incident.status = S.CLOSED
    incident.closed_at = timezone.now()
    _save(incident, expected_version, ["status", "closed_at"])
    _event(incident, "close", "办结" + (f"：{note.strip()}" if note.strip() else ""), acting_user)
    audit.record("close", incident, user=acting_user, message=note)
    from taizhang.monitor.incident_cases import on_incident_closed

    on_incident_closed(acting_user=acting_user, incident=incident, note=note.strip())
    return incident


@transaction.atomic
def reopen_incident(*, acting_user: Any, incident: Incident, expected_version: int) -> Incident:
    require_manage(acting_user)
    if incident.status != S.CLOSED:
        raise InvalidTransition("只有已办结的事件可以重新打开。")
    incident.status = S.NEW
    incident.assigned_unit = None
    incident.closed_at = None
    _save(incident, expected_version, ["status", "assigned_unit_id", "closed_at"])
    _event(incident, "reopen", "重新打开", acting_user)
    audit.record("update", incident, user=acting_user, message="重新打开")
    from taizhang.monitor.incident_cases import on_incident_reopened

    on_incident_reopened(acting_user=acting_user, incident=incident)  # its closed case reopens: assigned again
    incident.refresh_from_db()
    return incident


# --- alerts and channels --------------------------------------------------------------------------------------------
@transaction.atomic
def acknowledge_alert(*, acting_user: Any, alert: Alert) -> Alert:
    require_manage(acting_user)
    if alert.acknowledged_at is None:
        Alert.objects.filter(pk=alert.pk).update(acknowledged_at=timezone.now(), acknowledged_by=_user(acting_user))
        alert.refresh_from_db()
        audit.record("update", alert, user=acting_user, message="确认预警")
    return alert


CHANNEL_FIELDS = ["name", "kind", "target", "format", "secret", "min_grade", "quiet_start", "quiet_end",
                  "enabled"]  # is_internal: set_internal_address (security administrator)


def _validate_channel(values: dict[str, Any], exclude_pk: int | None = None) -> None:
    errors: dict[str, list[str]] = {}
    if not str(values.get("name") or "").strip():
        errors["name"] = ["请填写名称"]
    elif AlertChannel.objects.filter(name=values["name"].strip()).exclude(pk=exclude_pk or 0).exists():
        errors["name"] = ["该名称已被使用"]
    target = str(values.get("target") or "").strip()
    if values.get("kind") == AlertChannel.Kind.EMAIL:
        addresses = [a.strip() for a in target.replace("；", ",").replace(";", ",").split(",") if a.strip()]
        try:
            if not addresses:
                raise ValueError
            for a in addresses:
                validate_email(a)
        except Exception:
            errors["target"] = ["请填写有效的邮箱地址，多个用逗号分隔"]
    elif values.get("kind") == AlertChannel.Kind.WEBHOOK:
        problem = web_address_error(target)
        if problem:
            errors["target"] = [problem.replace("网址", "Webhook 网址", 1)]
    else:
        errors["kind"] = ["请选择类型"]
    if values.get("format") not in AlertChannel.Format.values:
        errors["format"] = ["请选择消息格式"]
    if (values.get("quiet_start") is None) != (values.get("quiet_end") is None):
        errors["quiet_end"] = ["免打扰的开始和结束时间要同时填写"]
    if errors:
        raise InvalidInput("预警渠道填写有误，请按提示修改。", errors)


@transaction.atomic
def save_channel(*, acting_user: Any, channel: AlertChannel | None = None, expected_version: int | None = None,
                 **values: Any) -> AlertChannel:
    require_manage(acting_user)
    unknown = set(values) - set(CHANNEL_FIELDS)
    if unknown:
        raise InvalidInput(f"不能设置的字段：{', '.join(sorted(unknown))}")
    if channel is None:
        values = {"format": AlertChannel.Format.GENERIC, **values}
        _validate_channel(values)
        channel = AlertChannel.objects.create(**values)
        audit.record("create", channel, user=acting_user, after=audit.snapshot(channel, CHANNEL_FIELDS[:-3]))
        return channel
    _validate_channel({f: getattr(channel, f) for f in CHANNEL_FIELDS} | values, exclude_pk=channel.pk)
    if channel.is_internal and "target" in values and values["target"] != channel.target:
        values["is_internal"] = False  # the security administrator approved the old address, not this one
    for key, value in values.items():
        setattr(channel, key, value)
    save_versioned(channel, expected_version if expected_version is not None else channel.version, list(values))
    audit.record("update", channel, user=acting_user, after=audit.snapshot(channel, ["name", "kind", "enabled"]))
    return channel


@transaction.atomic
def delete_channel(*, acting_user: Any, channel: AlertChannel) -> None:
    require_manage(acting_user)
    audit.record("delete", channel, user=acting_user, before=audit.snapshot(channel, ["name", "kind", "target"]))
    channel.delete()


# --- placement proposals --------------------------------------------------------------------------------------------
@transaction.atomic
def accept_proposal(*, acting_user: Any, proposal: PlacementProposal, unit: Unit | None = None) -> PlacementProposal:
    """Create the placement record in the ledger (source 舆情监测, submitted for review) from a proposal."""
    from taizhang.ledger import actions as ledger_actions
    from taizhang.ledger.models import ActivityType, Record

    require_manage(acting_user, "您没有确认用稿线索的权限。")
    if proposal.status != PlacementProposal.Status.PROPOSED:
        raise InvalidTransition("该线索已处理。")
    atype = ActivityType.objects.filter(kind=ActivityType.Kind.PLACEMENT, is_active=True).order_by("sort_order").first()
    if atype is None:
        raise InvalidInput("指标体系中没有“用稿”类活动类型，请先加载默认指标体系。")
    unit = unit or proposal.unit
    metric = atype.type_metrics.select_related("metric").first()
    figures = {metric.metric.key: 1} if metric is not None else {}
    # The department confirms a placement for any unit; the record is created by the system on its behalf
    # (acting_user None) and goes through the usual review like every other record.
    record = ledger_actions.create_record(
        acting_user=None, unit=unit, activity_type=atype, title=proposal.title[:200], start_date=proposal.published_on,
        figures=figures, source=Record.Source.MONITORING, description=f"舆情监测发现：{proposal.url}"[:1000],
        placement=ledger_actions.PlacementInput(
            outlet=proposal.outlet, article_title=proposal.title, url=proposal.url[:500] if proposal.url else "",
            word_count=proposal.word_count, story_key=proposal.story_key[:64],
        ),
        idempotency_key=f"monitor-{proposal.item_key}"[:64], submit=True,
    )
    PlacementProposal.objects.filter(pk=proposal.pk).update(
        status=PlacementProposal.Status.ACCEPTED, record=record, unit=unit, decided_by=_user(acting_user),
        decided_at=timezone.now(),
    )
    proposal.refresh_from_db()
    audit.record("approve", proposal, user=acting_user, message=f"生成台账记录 {record.pk}")
    return proposal


@transaction.atomic
def reject_proposal(*, acting_user: Any, proposal: PlacementProposal) -> PlacementProposal:
    require_manage(acting_user, "您没有处理用稿线索的权限。")
    if proposal.status != PlacementProposal.Status.PROPOSED:
        raise InvalidTransition("该线索已处理。")
    PlacementProposal.objects.filter(pk=proposal.pk).update(
        status=PlacementProposal.Status.REJECTED, decided_by=_user(acting_user), decided_at=timezone.now()
    )
    proposal.refresh_from_db()
    audit.record("return", proposal, user=acting_user, message="忽略用稿线索")
    return proposal


# --- briefs ---------------------------------------------------------------------------------------------------------
@transaction.atomic
def generate_daily_brief(*, acting_user: Any, day: datetime.date, now: datetime.datetime | None = None) -> Brief:
    """Write (or rewrite) the 每日舆情 of ``day`` at ``now`` (default: now): the .docx in official format and its
    HTML. Of a day still running, the title says up to when ("截至00:38")."""
    from taizhang.monitor import brief

    require_manage(acting_user)
    doc = brief.build_daily(day, now=now)
    data, html = brief.render(doc)
    Brief.objects.filter(kind=Brief.Kind.DAILY, date=day).delete()
    until = doc.meta.get("until") or ""
    row = Brief(kind=Brief.Kind.DAILY, date=day, html=html,
                title=f"每日舆情（{day:%Y-%m-%d}{f'，截至{until}' if until else ''}）",
                document=doc.to_dict(), created_by=_user(acting_user))
    row.docx.save(f"daily-{day:%Y%m%d}-{secrets.token_hex(4)}.docx", ContentFile(data), save=False)
    row.save()
    audit.record("create", row, user=acting_user, message="生成每日舆情")
    return row


@transaction.atomic
def generate_special_report(*, acting_user: Any, incident: Incident) -> Brief:
    from taizhang.monitor import brief

    require_manage(acting_user)
    doc = brief.build_special(incident)
    data, html = brief.render(doc)
    row = Brief(kind=Brief.Kind.SPECIAL, date=timezone.localdate(), incident=incident,
                title=f"舆情专报：{incident.label}"[:200], html=html, document=doc.to_dict(),
                created_by=_user(acting_user))
    row.docx.save(f"special-{incident.pk}-{secrets.token_hex(4)}.docx", ContentFile(data), save=False)
    row.save()
    audit.record("create", row, user=acting_user, message=f"生成舆情专报（{GRADE_NAMES.get(incident.grade, '')}）")
    return row


# --- retention ------------------------------------------------------------------------------------------------------
def prune_items(
    *, acting_user: Any, days: int, archive: Any = None, now: datetime.datetime | None = None, chunk: int = 5000
) -> dict[str, int]:
    """Delete items (text and all) published more than ``days`` days ago, in chunks; incidents, their hourly
    curves, representative snapshots and the district's hourly counts stay. ``archive``: a path; the rows go
    there first as gzipped JSON lines."""
    import gzip
    import json

    from taizhang.monitor.models import MonitorItem

    require_manage(acting_user)
    if days < 1:
        raise InvalidInput("保留天数至少为 1 天", {"days": ["至少 1 天"]})
    cutoff = (now or timezone.now()) - datetime.timedelta(days=days)
    old = MonitorItem.objects.filter(at__lt=cutoff)
    fields = ["key", "url", "title", "text", "source_name", "published_at", "at", "label", "sentiment",
              "duplicate_of_id", "incident_id", "level", "matches"]
    archived = 0
    if archive:
        with gzip.open(archive, "wt", encoding="utf-8") as fh:
            for row in old.order_by("id").values(*fields).iterator(chunk_size=chunk):
                fh.write(json.dumps(row, ensure_ascii=False, default=str) + "\n")
                archived += 1
    deleted = 0
    while True:
        ids = list(old.order_by("id").values_list("pk", flat=True)[:chunk])
        if not ids:
            break
        with transaction.atomic():
            MonitorItem.objects.filter(pk__in=ids).delete()
        deleted += len(ids)
    batches, _ = IngestBatch.objects.filter(created_at__lt=cutoff, status=IngestBatch.Status.DONE).delete()
    audit.record("delete", None, user=acting_user, object_type="monitor.monitoritem",
                 object_repr=f"{cutoff:%Y-%m-%d}以前的监测信息", message=f"清理监测信息{deleted}条（归档{archived}条）")
    return {"deleted": deleted, "archived": archived, "batches": batches}
