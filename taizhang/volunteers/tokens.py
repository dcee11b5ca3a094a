"""Signed things the volunteer side relies on.

* Rotating check-in codes: ``<activity>.<shift>.<window>.<mac>`` where window = unix time // 30 and mac is an
  HMAC-SHA256 (key derived from SECRET_KEY) over the three numbers. A code is accepted in its own window and the
  next one (grace for a slow scan), refused before, after, or for another activity or shift.
* The volunteer session: a signed cookie holding the volunteer's id and a fingerprint of their phone index, so a
  phone change ends every session. It is not a Django session, and a staff session is never read here.
* One-time log-in codes: six digits, stored as a digest, ten minutes, five tries (sent by core.sms).
* The pending log-in: between "获取验证码" and "登录" the phone number rides in a cookie, SM4-encrypted inside a
  signed ten-minute value, so it is in no URL (access logs, history, Referer) and the cookie does not show it.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import time
from typing import Any

from django.conf import settings
from django.core import signing

from taizhang.core import crypto, sms

WINDOW_SECONDS = 30
GRACE_WINDOWS = 1
COOKIE_NAME = "tz_volunteer"
COOKIE_SALT = "taizhang.volunteers.session"
COOKIE_MAX_AGE = 7 * 24 * 3600
PENDING_SALT = "taizhang.volunteers.pending-login"
PENDING_MAX_AGE = 10 * 60  # as long as a code lives (actions.CODE_TTL)
_PENDING_AD = b"taizhang.volunteers.pending-login"

OUTBOX = sms.OUTBOX  # (phone, text) of messages the console SMS backend sent: the same list (tests, the demo)


def _key(purpose: str) -> bytes:
    return hashlib.sha256(f"taizhang.volunteers.{purpose}:{settings.SECRET_KEY}".encode()).digest()


def window_now(now: float | None = None) -> int:
    return int((time.time() if now is None else now) // WINDOW_SECONDS)


def _mac(activity_id: int, shift_id: int, window: int) -> str:
    msg = f"{activity_id}.{shift_id}.{window}".encode()
    return hmac.new(_key("checkin"), msg, hashlib.sha256).hexdigest()[:20]


def make_checkin_token(activity_id: int, shift_id: int, now: float | None = None) -> str:
    w = window_now(now)
    return f"{activity_id}.{shift_id}.{w}.{_mac(activity_id, shift_id, w)}"


def check_checkin_token(token: str, activity_id: int, now: float | None = None) -> tuple[bool, int | None, str]:
    """(ok, shift id, reason). The reason is a Chinese message for the volunteer when not ok."""
    parts = (token or "").strip().split(".")
    if len(parts) != 4 or not all(p.isdigit() for p in parts[:3]):
        return False, None, "签到码无效，请重新扫描现场二维码。"
    a_id, s_id, w = int(parts[0]), int(parts[1]), int(parts[2])
    if not hmac.compare_digest(_mac(a_id, s_id, w), parts[3]):
        return False, None, "签到码无效，请重新扫描现场二维码。"
    if a_id != activity_id:
        return False, None, "签到码不属于这项活动。"
    current = window_now(now)
    if w > current or current - w > GRACE_WINDOWS:
        return False, None, "签到码已过期，请扫描现场屏幕上的最新二维码。"
    return True, s_id, ""


# --- the volunteer session ------------------------------------------------------------------------------------------
def _fingerprint(phone_hash: str) -> str:
    return hashlib.sha256(phone_hash.encode()).hexdigest()[:12]


def session_value(volunteer_id: int, phone_hash: str) -> str:
    return signing.dumps({"v": volunteer_id, "p": _fingerprint(phone_hash)}, salt=COOKIE_SALT, compress=True)


def read_session(value: str | None) -> dict[str, Any] | None:
    if not value:
        return None
    try:
        data = signing.loads(value, salt=COOKIE_SALT, max_age=COOKIE_MAX_AGE)
    except signing.BadSignature:
        return None
    return data if isinstance(data, dict) and isinstance(data.get("v"), int) else None


def fingerprint_matches(data: dict[str, Any], phone_hash: str) -> bool:
    return hmac.compare_digest(str(data.get("p", "")), _fingerprint(phone_hash))


# --- one-time codes -----------------------------------------------------------------------------------------------
def new_code() -> str:
    return f"{secrets.randbelow(1_000_000):06d}"


def code_digest(phone_hash: str, code: str) -> str:
    return hmac.new(_key("otp"), f"{phone_hash}:{code}".encode(), hashlib.sha256).hexdigest()


# --- the pending log-in -------------------------------------------------------------------------------------------
def pending_login_value(phone: str) -> str:
    """The phone a log-in code was just asked for, for the page where the code is typed: encrypted, then signed
    with a timestamp (read_pending_login refuses it after PENDING_MAX_AGE)."""
    return signing.dumps({"c": crypto.encrypt(phone, associated_data=_PENDING_AD)}, salt=PENDING_SALT)


def read_pending_login(value: str | None) -> str | None:
    """The phone of a pending log-in, or None when absent, expired, forged or unreadable."""
    if not value:
        return None
    try:
        data = signing.loads(value, salt=PENDING_SALT, max_age=PENDING_MAX_AGE)
        phone = crypto.decrypt(str(data.get("c", "")), associated_data=_PENDING_AD) if isinstance(data, dict) else ""
    except (signing.BadSignature, crypto.DecryptionError):
        return None
    return phone if phone.isdigit() and len(phone) == 11 else None
