"""Who is voting, without keeping who they are.

* The person: a mobile number proven by a one-time SMS code (the volunteers' mechanism: `volunteers.tokens`
  makes, digests and sends the code; `volunteers.models.LoginCode` stores its digest with purpose "vote";
  `volunteers.actions.consume_code` checks it: five tries, ten minutes). The vote tables keep only
  `voter_key(phone)`: a keyed HMAC-SM3 digest (`core.crypto.blind_index`, purpose "vote-voter"), never the number,
  so the daily limit and duplicate checks work and nobody can read a phone number back from a vote.
* The verified voter's cookie `tzpub_voter`: the voter key, signed (Django signing, SECRET_KEY) with a 7-day age.
* The device: a random id in the signed cookie `tzpub_vote_device` (a forged or edited id is replaced); stored
  as a keyed digest.
* The address: the client address (`core.middleware.client_address`, proxy-aware) as a keyed digest.
* A flood guard in the cache (like citizen/limits.py): at most RATE_PER_MINUTE vote or code requests a minute
  from one address or device; past it the page says so in Chinese (status 429).
"""

from __future__ import annotations

import re
import secrets
import time

from django.conf import settings
from django.core import signing
from django.core.cache import cache
from django.http import HttpRequest, HttpResponse

from taizhang.core.crypto import blind_index
from taizhang.core.middleware import client_address
from taizhang.core.sites import PUBLIC_COOKIE_PREFIX

VOTER_COOKIE = PUBLIC_COOKIE_PREFIX + "voter"
VOTER_SALT = "taizhang.votes.voter"
VOTER_MAX_AGE = 7 * 24 * 3600
DEVICE_COOKIE = PUBLIC_COOKIE_PREFIX + "vote_device"
DEVICE_SALT = "taizhang.votes.device"
DEVICE_MAX_AGE = 400 * 24 * 3600
RATE_PER_MINUTE = 30
PHONE_RE = re.compile(r"^1[3-9]\d{9}$")


def normalise_phone(phone: str) -> str:
    return re.sub(r"[\s-]", "", phone or "")


def voter_key(phone: str) -> str:
    return blind_index(normalise_phone(phone), "vote-voter")


def address_digest(address: str) -> str:
    return blind_index(address, "vote-address") if address else ""


def device_digest(device_id: str) -> str:
    return blind_index(device_id, "vote-device") if device_id else ""


# --- cookies --------------------------------------------------------------------------------------------------------
def _secure() -> bool:
    return bool(getattr(settings, "SESSION_COOKIE_SECURE", False))


def current_voter(request: HttpRequest) -> str:
    """The verified voter's key from the signed cookie, or "" (not verified, expired or forged)."""
    value = request.COOKIES.get(VOTER_COOKIE)
    if not value:
        return ""
    try:
        data = signing.loads(value, salt=VOTER_SALT, max_age=VOTER_MAX_AGE)
    except signing.BadSignature:
        return ""
    key = data.get("k") if isinstance(data, dict) else None
    return key if isinstance(key, str) and re.fullmatch(r"[0-9a-f]{64}", key) else ""


def remember_voter(response: HttpResponse, key: str) -> HttpResponse:
    response.set_cookie(VOTER_COOKIE, signing.dumps({"k": key}, salt=VOTER_SALT), max_age=VOTER_MAX_AGE,
                        httponly=True, samesite="Lax", secure=_secure())
    return response


def forget_voter(response: HttpResponse) -> HttpResponse:
    response.delete_cookie(VOTER_COOKIE, samesite="Lax")
    return response


def device_id(request: HttpRequest) -> str:
    cached = getattr(request, "_tz_vote_device", None)
    if cached:
        return str(cached)
    token = ""
    raw = request.COOKIES.get(DEVICE_COOKIE)
    if raw:
        try:
            token = str(signing.loads(raw, salt=DEVICE_SALT, max_age=DEVICE_MAX_AGE))
        except signing.BadSignature:
            token = ""
    if not re.fullmatch(r"[A-Za-z0-9_-]{16,64}", token):
        token = secrets.token_urlsafe(18)
        request._tz_vote_new_device = True  # type: ignore[attr-defined]
    request._tz_vote_device = token  # type: ignore[attr-defined]
    return token


def remember_device(request: HttpRequest, response: HttpResponse) -> HttpResponse:
    if getattr(request, "_tz_vote_new_device", False):
        response.set_cookie(DEVICE_COOKIE, signing.dumps(device_id(request), salt=DEVICE_SALT),
                            max_age=DEVICE_MAX_AGE, httponly=True, samesite="Lax", secure=_secure())
    return response


def request_digests(request: HttpRequest) -> tuple[str, str]:
    """(address digest, device digest) of this request."""
    return address_digest(client_address(request)), device_digest(device_id(request))


# --- flood guard ----------------------------------------------------------------------------------------------------
def current_minute() -> int:
    """The fixed one-minute window the flood guard counts in (tests pin it so a boundary cannot split a burst)."""
    return int(time.time() // 60)


def over_rate(request: HttpRequest) -> str:
    """Count this request against its address and device for the current minute; a Chinese message when over."""
    minute = current_minute()
    address, device = request_digests(request)
    over = False
    for kind, digest in (("a", address), ("d", device)):
        if not digest:
            continue
        key = f"votes:rl:{kind}:{digest[:32]}:{minute}"
        if cache.add(key, 1, 120):
            continue
        try:
            n = cache.incr(key)
        except ValueError:
            cache.set(key, 1, 120)
            n = 1
        over = over or n > RATE_PER_MINUTE
    return "操作过于频繁，请稍后再试。" if over else ""
