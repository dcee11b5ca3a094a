"""One-time codes (accounts.OneTimeCode): the password reset link and the authenticator enrolment code.

Only a SHA-256 digest of a code is stored (the codes are random, 72 to 256 bits); a code works once and until it
expires; issuing a new code of the same purpose retires the user's earlier unused ones.
"""

from __future__ import annotations

import datetime
import hashlib
import secrets
from typing import Any

from django.utils import timezone

from taizhang.accounts.models import OneTimeCode

P = OneTimeCode.Purpose
ENROL_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I: read aloud or typed from paper


def digest(purpose: str, raw: str) -> str:
    return hashlib.sha256(f"{purpose}:{raw}".encode()).hexdigest()


def normalise_enrolment(raw: str) -> str:
    return "".join(ch for ch in (raw or "").upper() if ch.isalnum())[:32]


def _new_raw(purpose: str) -> str:
    if purpose == P.TOTP_ENROL:
        return "".join(secrets.choice(ENROL_ALPHABET) for _ in range(12))
    return secrets.token_urlsafe(32)


def grouped(raw: str) -> str:
    """ABCD-EFGH-JKLM for reading aloud."""
    return "-".join(raw[i:i + 4] for i in range(0, len(raw), 4))


def issue(*, user: Any, purpose: str, hours: int, created_by: Any = None) -> str:
    """A new code (returned once, never stored in clear); the user's earlier unused codes of this purpose end."""
    now = timezone.now()
    OneTimeCode.objects.filter(user=user, purpose=purpose, used_at__isnull=True, expires_at__gt=now).update(
        expires_at=now)
    raw = _new_raw(purpose)
    OneTimeCode.objects.create(
        user=user, purpose=purpose, digest=digest(purpose, raw), expires_at=now + datetime.timedelta(hours=hours),
        created_by=created_by if getattr(created_by, "pk", None) else None,
    )
    return raw


def find(purpose: str, raw: str, *, user: Any = None, lock: bool = False) -> OneTimeCode | None:
    """The usable code with this value (optionally: of this user), or None."""
    if purpose == P.TOTP_ENROL:
        raw = normalise_enrolment(raw)
    if not raw or len(raw) > 100:
        return None
    qs = OneTimeCode.objects.select_related("user").filter(purpose=purpose, digest=digest(purpose, raw))
    if lock:
        qs = qs.select_for_update()
    if user is not None:
        qs = qs.filter(user=user)
    code = qs.first()
    return code if code is not None and code.usable else None


def consume(code: OneTimeCode) -> None:
    """Mark used; a concurrent second use finds nothing to update and is refused by the caller's check."""
    updated = OneTimeCode.objects.filter(pk=code.pk, used_at__isnull=True).update(used_at=timezone.now())
    if not updated:
        from taizhang.core.errors import InvalidInput

        raise InvalidInput("该验证码已使用过。", {"code": ["已使用"]})
