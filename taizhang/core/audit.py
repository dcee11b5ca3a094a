"""Writing the audit log. Actions call `record` (one object) or `record_many` (bulk paths: one row per changed row).

Every row is written by `append`, the one place rows are inserted: under a lock (PostgreSQL: a transaction-level
advisory lock; SQLite: the write lock its IMMEDIATE transactions take), it gives each row the next id, a time not
before the last row's, the last row's digest as `prev_hash`, and `row_hash` = HMAC(key, prev_hash + content)
with SHA-256 or SM3 (`TAIZHANG_AUDIT_HASH`, key `TAIZHANG_AUDIT_KEY`). The database refuses rows that do not
extend the chain (core.db); `verify_chain` (`taizhang audit_verify`) finds the first broken link.
"""

from __future__ import annotations

import datetime
import decimal
import hashlib
import hmac
import json
import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db import connection, models, transaction
from django.db.models.fields.files import FieldFile
from django.utils import timezone

from taizhang.core import context
from taizhang.core.crypto import audit_safe_value
from taizhang.core.models import AuditEntry

# The named actions (a registry, as Wagtail's log_actions): what the audit viewer shows for each.
ACTIONS: dict[str, str] = {
    "create": "新增",
    "update": "修改",
    "delete": "删除",
    "submit": "报送",
    "approve": "审核通过",
    "return": "退回",
    "revise": "更正",
    "withdraw": "撤回",
    "import": "导入",
    "export": "导出",
    "download": "下载",
    "login": "登录",
    "login_failed": "登录失败",
    "logout": "退出",
    "lockout": "账户锁定",
    "unlock": "解除锁定",
    "password_change": "修改密码",
    "password_reset": "重置密码",
    "permission": "权限变更",
    "publish": "发布",
    "run": "运行",
    "assign": "交办",
    "respond": "回应",
    "close": "办结",
    "config": "配置变更",
    "backup": "备份",
    "restore": "恢复",
    "access_denied": "拒绝访问",
    "token_issue": "签发接口令牌",
    "token_revoke": "作废接口令牌",
    "totp_code": "签发动态口令绑定码",
}


def _json_safe(value: Any) -> Any:
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    if isinstance(value, decimal.Decimal):
        return str(value)
    if isinstance(value, (datetime.datetime, datetime.date, datetime.time)):
        return value.isoformat()
    if isinstance(value, uuid.UUID):
        return str(value)
    if isinstance(value, FieldFile):
        return value.name or ""
    if isinstance(value, dict):
        return {str(k): _json_safe(v) for k, v in value.items()}
    if isinstance(value, (list, tuple, set)):
        return [_json_safe(v) for v in value]
    return str(value)


SECRET_FIELDS = {"password", "totp_secret", "key"}


def snapshot(obj: models.Model, fields: Sequence[str] | None = None) -> dict[str, Any]:
    """A JSON-safe dict of the object's concrete fields (secrets left out)."""
    data: dict[str, Any] = {}
    for field in obj._meta.concrete_fields:
        if fields is not None and field.name not in fields:
            continue
        if field.name in SECRET_FIELDS:
            continue
        # Personal data in encrypted fields reaches the log masked (138****5678), never in clear.
        data[field.attname] = _json_safe(audit_safe_value(field, getattr(obj, field.attname)))
    return data


def _user_fields(user: Any) -> dict[str, Any]:
    if user is None or not getattr(user, "is_authenticated", False):
        return {"user_id": None, "username": getattr(user, "username", "") or "", "roles": ""}
    roles = getattr(user, "role_names", None)
    role_text = ",".join(roles()) if callable(roles) else ""
    return {"user_id": user.pk, "username": user.get_username(), "roles": role_text[:200]}


def record(
    action: str,
    obj: models.Model | None = None,
    *,
    user: Any,
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
    success: bool = True,
    message: str = "",
    object_type: str = "",
    object_id: str = "",
    object_repr: str = "",
) -> AuditEntry:
    ctx = context.current()
    entry = AuditEntry(
        action=action,
        object_type=object_type or (obj._meta.label_lower if obj is not None else ""),
        object_id=object_id or (str(obj.pk) if obj is not None and obj.pk is not None else ""),
        object_repr=(object_repr or (str(obj) if obj is not None else ""))[:300],
        success=success,
        before=_json_safe(before) if before is not None else None,
        after=_json_safe(after) if after is not None else None,
        message=message,
        address=ctx.address,
        channel=ctx.channel,
        request_id=ctx.request_id,
        **_user_fields(user),
    )
    append([entry])
    return entry


def record_many(
    action: str,
    objects: Iterable[models.Model],
    *,
    user: Any,
    before: dict[Any, dict[str, Any]] | None = None,
    message: str = "",
    fields: Sequence[str] | None = None,
) -> int:
    """One audit row per object of a bulk change, written with bulk_create. Returns the count."""
    ctx = context.current()
    who = _user_fields(user)
    rows = [
        AuditEntry(
            action=action,
            object_type=obj._meta.label_lower,
            object_id=str(obj.pk),
            object_repr=str(obj)[:300],
            before=(before or {}).get(obj.pk),
            after=snapshot(obj, fields),
            message=message,
            address=ctx.address,
            channel=ctx.channel,
            request_id=ctx.request_id,
            **who,
        )
        for obj in objects
    ]
    append(rows)
    return len(rows)


def diff(before: dict[str, Any], after: dict[str, Any]) -> dict[str, tuple[Any, Any]]:
    return {k: (before.get(k), v) for k, v in after.items() if before.get(k) != v}


# --- The hash chain -------------------------------------------------------------------------------------------
CHAIN_FIELDS = ("id", "timestamp", "user_id", "username", "roles", "address", "channel", "request_id", "action",
                "object_type", "object_id", "object_repr", "success", "before", "after", "message", "prev_hash")
ADVISORY_LOCK = 0x7A617564697421  # "zaudit!": serialises audit writers on PostgreSQL until their commit


def _key() -> bytes:
    return bytes.fromhex(str(settings.TAIZHANG_AUDIT_KEY))


def _timestamp_text(value: Any) -> str:
    if isinstance(value, datetime.datetime):
        if timezone.is_naive(value):
            value = timezone.make_aware(value, datetime.UTC)
        return value.astimezone(datetime.UTC).isoformat(timespec="microseconds")
    return str(value)


def _numbers(value: Any) -> Any:
    """Numbers in a normal form: PostgreSQL's jsonb gives 1e16 back as 10000000000000000, SQLite as 1e+16."""
    if isinstance(value, bool) or value is None or isinstance(value, str):
        return value
    if isinstance(value, (int, float)):
        try:
            number = decimal.Decimal(repr(value))
            return "#0" if number.is_zero() else "#" + str(number.normalize())  # -0.0 comes back as 0.0
        except decimal.InvalidOperation:  # NaN and infinities (no database stores them in JSON)
            return "#" + repr(value)
    if isinstance(value, dict):
        return {str(k): _numbers(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_numbers(v) for v in value]
    return value


def canonical(values: dict[str, Any]) -> bytes:
    """The content a row's digest covers, as the database gives it back (JSON round trip, UTC time)."""
    data = {name: values.get(name) for name in CHAIN_FIELDS}
    data["timestamp"] = _timestamp_text(data["timestamp"])
    for name in ("before", "after"):
        if data[name] is not None:
            data[name] = _numbers(json.loads(json.dumps(data[name])))
    data["success"] = bool(data["success"])
    return json.dumps(data, ensure_ascii=False, sort_keys=True, separators=(",", ":")).encode("utf-8")


def row_digest(values: dict[str, Any], algorithm: str | None = None) -> str:
    """`<algorithm>:<hex>`: HMAC over the row's content, which includes the previous row's digest."""
    algorithm = algorithm or str(settings.TAIZHANG_AUDIT_HASH)
    digestmod: Any = (lambda: hashlib.new("sm3")) if algorithm == "sm3" else hashlib.sha256
    return f"{algorithm}:{hmac.new(_key(), canonical(values), digestmod).hexdigest()}"


def _values(entry: AuditEntry) -> dict[str, Any]:
    return {name: getattr(entry, name) for name in CHAIN_FIELDS}


def _lock_and_last() -> tuple[int, datetime.datetime | None, str]:
    """Take the writers' lock; the last row's id, time and digest."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [ADVISORY_LOCK])
    last = AuditEntry.objects.order_by("-id").values_list("id", "timestamp", "row_hash").first()
    if last is None:
        return 0, None, ""
    return int(last[0]), last[1], str(last[2] or "")


def _new_ids(count: int, last_id: int) -> list[int]:
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT nextval(pg_get_serial_sequence(%s, 'id')) FROM generate_series(1, %s)",
                           [AuditEntry._meta.db_table, count])
            ids = sorted(int(row[0]) for row in cursor.fetchall())
        if ids and ids[0] > last_id:
            return ids
        # The sequence is behind the table (rows restored with their ids): move it past the last row.
        with connection.cursor() as cursor:
            cursor.execute("SELECT setval(pg_get_serial_sequence(%s, 'id'), %s)",
                           [AuditEntry._meta.db_table, last_id + count])
        return list(range(last_id + 1, last_id + count + 1))
    return list(range(last_id + 1, last_id + count + 1))


def append(entries: Sequence[AuditEntry], *, keep_timestamps: bool = False) -> None:
    """Write new rows as the next links of the chain (the only place audit rows are inserted)."""
    if not entries:
        return
    with transaction.atomic():
        last_id, last_time, last_hash = _lock_and_last()
        ids = _new_ids(len(entries), last_id)
        now = timezone.now()
        for entry, new_id in zip(entries, ids, strict=True):
            if entry.pk is not None:
                raise RuntimeError("审计日志只能追加，不能修改")
            entry.id = new_id
            if not keep_timestamps:  # (kept only by data loads inside core.db.maintenance_window)
                entry.timestamp = now
                if last_time is not None and entry.timestamp < last_time:
                    entry.timestamp = last_time  # the clock went back: keep the chain's time order
            entry.prev_hash = last_hash
            entry.row_hash = row_digest(_values(entry))
            last_time, last_hash = entry.timestamp, entry.row_hash
        AuditEntry.objects.bulk_create(list(entries), batch_size=500)


@dataclass(frozen=True)
class Break:
    entry_id: int
    timestamp: Any
    reason: str


@dataclass(frozen=True)
class ChainReport:
    rows: int
    first_id: int | None
    last_id: int | None
    last_hash: str
    breaks: list[Break]
    missing_triggers: set[str]

    @property
    def ok(self) -> bool:
        return not self.breaks and not self.missing_triggers


def anchors() -> set[str]:
    """Digests a chain may start from: the empty start and the last digest of every pruned (archived) range."""
    found = {""}
    for after in AuditEntry.objects.filter(action="audit_prune").values_list("after", flat=True):
        if isinstance(after, dict) and isinstance(after.get("anchor_hash"), str):
            found.add(after["anchor_hash"])
    return found


def verify_chain(*, limit_breaks: int = 1) -> ChainReport:
    """Recompute every digest in id order; report the first broken link(s) and missing database triggers."""
    from taizhang.core.db import missing_triggers

    starts = anchors()
    breaks: list[Break] = []
    previous: str | None = None
    count, first_id, last_id = 0, None, None
    for entry in AuditEntry.objects.order_by("id").iterator(chunk_size=2000):
        count += 1
        first_id = entry.pk if first_id is None else first_id
        last_id = entry.pk
        reason = ""
        if previous is None:
            if entry.prev_hash not in starts:
                reason = "第一条记录的前一条校验值不是链的起点，也不是任何归档的终点（开头的记录被删除）"
        elif entry.prev_hash != previous:
            reason = "与前一条记录的校验值不符（其间的记录被删除、插入或改写）"
        algorithm = (entry.row_hash or "").partition(":")[0]
        if not reason and (algorithm not in ("sha256", "sm3") or
                           not hmac.compare_digest(entry.row_hash, row_digest(_values(entry), algorithm))):
            reason = "内容与校验值不符（记录被改写或伪造）"
        if reason:
            breaks.append(Break(entry.pk, entry.timestamp, reason))
            if len(breaks) >= limit_breaks:
                break
        previous = entry.row_hash
    return ChainReport(count, first_id, last_id, previous or "", breaks, missing_triggers(connection))
