"""Login failure handling (登录失败处理): lock an account name and a client address after repeated failures.

Account names are counted whether or not the account exists, so the messages never tell an attacker which names
are real. An account's count is of consecutive failures (a successful login clears it); an address's count is of
failures within the lockout window, whoever logs in meanwhile. A lock lasts TAIZHANG_LOCKOUT_MINUTES or until the
security administrator lifts it (accounts.actions.unlock).
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone

from taizhang.accounts import policy
from taizhang.accounts.models import LoginLock

K = LoginLock.Kind


def user_key(username: str) -> str:
    return (username or "").strip().lower()[:150]


@dataclass(frozen=True)
class Refusal:
    kind: str
    until: datetime.datetime

    @property
    def message(self) -> str:
        local = timezone.localtime(self.until)
        minutes = max(1, int((self.until - timezone.now()).total_seconds() + 59) // 60)
        if self.kind == K.ADDRESS:
            return (f"您所在的网络地址登录失败次数过多，已暂停登录。请在 {local:%H:%M} 后（约 {minutes} 分钟）再试，"
                    "或联系安全管理员。")
        return (f"该账户连续登录失败次数过多，已被锁定。请在 {local:%H:%M} 后（约 {minutes} 分钟）再试，"
                "或联系安全管理员解锁。")


def _active(kind: str, key: str) -> LoginLock | None:
    if not key:
        return None
    return LoginLock.objects.filter(kind=kind, key=key, locked_until__gt=timezone.now()).first()


def check(username: str, address: str) -> Refusal | None:
    """A refusal when the account name or the address is locked now."""
    for kind, key, limit in ((K.USER, user_key(username), policy.lockout_attempts()),
                             (K.ADDRESS, address, policy.lockout_address_attempts())):
        if limit <= 0:
            continue
        lock = _active(kind, key)
        if lock is not None and lock.locked_until is not None:
            return Refusal(kind, lock.locked_until)
    return None


def remaining_attempts(username: str) -> int | None:
    limit = policy.lockout_attempts()
    if limit <= 0:
        return None
    row = LoginLock.objects.filter(kind=K.USER, key=user_key(username)).first()
    return max(0, limit - (row.failures if row else 0))


@transaction.atomic
def _count(kind: str, key: str, limit: int, *, windowed: bool) -> LoginLock | None:
    """Count one failure; return the row when this failure locks it."""
    if not key or limit <= 0:
        return None
    now = timezone.now()
    window = datetime.timedelta(minutes=policy.lockout_minutes())
    row, _ = LoginLock.objects.select_for_update().get_or_create(kind=kind, key=key)
    if row.locked_until is not None and row.locked_until <= now:
        row.locked_until = None
        row.failures = 0
    if windowed and row.first_failure_at is not None and now - row.first_failure_at > window:
        row.failures = 0
    if row.failures == 0:
        row.first_failure_at = now
    row.failures += 1
    row.last_failure_at = now
    locked = False
    if row.failures >= limit and (row.locked_until is None or row.locked_until <= now):
        row.locked_until = now + window
        row.lock_count += 1
        row.failures = 0
        locked = True
    row.save()
    return row if locked else None


def register_failure(username: str, address: str) -> list[LoginLock]:
    """Count a failed login for the name and the address; the locks it caused (for the audit log)."""
    locks = []
    for kind, key, limit, windowed in ((K.USER, user_key(username), policy.lockout_attempts(), False),
                                       (K.ADDRESS, address, policy.lockout_address_attempts(), True)):
        lock = _count(kind, key, limit, windowed=windowed)
        if lock is not None:
            locks.append(lock)
            if kind == K.USER:
                _revoke_tokens(key)
    return locks


def _revoke_tokens(key: str) -> None:
    """A locked account's API tokens are revoked with the lock (they would otherwise go on working)."""
    from django.contrib.auth import get_user_model

    from taizhang.accounts import tokens

    user = get_user_model().objects.filter(username__iexact=key).first()
    if user is not None:
        tokens.revoke_all(acting_user=None, user=user, reason="账户被锁定")


def register_success(username: str) -> None:
    LoginLock.objects.filter(kind=K.USER, key=user_key(username), locked_until__isnull=True).update(
        failures=0, first_failure_at=None
    )
    LoginLock.objects.filter(kind=K.USER, key=user_key(username), locked_until__lte=timezone.now()).update(
        failures=0, first_failure_at=None, locked_until=None
    )


def active_locks() -> list[LoginLock]:
    return list(LoginLock.objects.filter(locked_until__gt=timezone.now()).order_by("-locked_until"))
