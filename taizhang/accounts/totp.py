"""TOTP (RFC 6238, 30-second steps, 6 digits) with pyotp. A code is accepted once: the step it matched is stored
and codes of that step or earlier are refused afterwards (no replay within the validity window)."""

from __future__ import annotations

import re
import time
from typing import Any

import pyotp
from django.conf import settings
from django.db.models import Q

VALID_WINDOW = 1  # one step either side: clocks a little off still work


def new_secret() -> str:
    return pyotp.random_base32(length=32)


def provisioning_uri(secret: str, username: str) -> str:
    issuer = str(getattr(settings, "TAIZHANG_TOTP_ISSUER", "台账"))
    return pyotp.TOTP(secret).provisioning_uri(name=username, issuer_name=issuer)


def grouped(secret: str) -> str:
    return " ".join(secret[i:i + 4] for i in range(0, len(secret), 4))


def clean_code(code: Any) -> str:
    return re.sub(r"\s+", "", str(code or ""))


def matching_step(secret: str, code: Any, *, after_step: int = 0, now: float | None = None) -> int | None:
    """The time step the code belongs to, if it is valid now and later than `after_step`."""
    code = clean_code(code)
    if not secret or not re.fullmatch(r"\d{6}", code):
        return None
    totp = pyotp.TOTP(secret)
    moment = time.time() if now is None else now
    current = totp.timecode(_dt(moment))
    for offset in range(-VALID_WINDOW, VALID_WINDOW + 1):
        step = current + offset
        if step <= after_step:
            continue
        if pyotp.utils.strings_equal(totp.generate_otp(step), code):
            return step
    return None


def _dt(moment: float) -> Any:
    import datetime

    return datetime.datetime.fromtimestamp(moment, tz=datetime.UTC)


def verify_user(user: Any, code: Any) -> bool:
    """Check a code for an enrolled user and consume its step (atomic: two requests cannot both use one code)."""
    from taizhang.accounts.models import User

    step = matching_step(user.totp_secret, code, after_step=user.totp_last_step)
    if step is None:
        return False
    used = User.objects.filter(Q(totp_last_step__lt=step), pk=user.pk).update(totp_last_step=step)
    if used != 1:
        return False
    user.totp_last_step = step
    return True
