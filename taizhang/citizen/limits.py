"""Abuse limits that work offline: per device (a random cookie) and per client address, counted in the cache.

After TAIZHANG_CITIZEN_CAPTCHA_AFTER reports in a day from one device or address the form asks for a captcha
(django-simple-captcha, drawn locally); past TAIZHANG_CITIZEN_DEVICE_LIMIT / TAIZHANG_CITIZEN_ADDRESS_LIMIT
reports a day, submissions are refused until the next day. Only keyed digests of the device id and the address
are kept (in the cache and on the report, for spotting floods), never the address itself.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets

from django.conf import settings
from django.core.cache import cache
from django.http import HttpRequest, HttpResponse
from django.utils import timezone

from taizhang.core.middleware import client_address
from taizhang.core.sites import PUBLIC_COOKIE_PREFIX

DEVICE_COOKIE = PUBLIC_COOKIE_PREFIX + "device"
DEVICE_COOKIE_AGE = 400 * 24 * 3600
DAY_SECONDS = 24 * 3600


def _digest(kind: str, value: str) -> str:
    key = hashlib.sha256(("citizen-limits:" + str(settings.SECRET_KEY)).encode()).digest()
    return hmac.new(key, f"{kind}:{value}".encode(), hashlib.sha256).hexdigest()


def device_token(request: HttpRequest) -> str:
    """The device's random id: from its cookie, or a new one (set on the response by `remember_device`)."""
    token = getattr(request, "_tz_device", None)
    if token:
        return str(token)
    token = request.COOKIES.get(DEVICE_COOKIE, "")
    if not (16 <= len(token) <= 64 and token.replace("-", "").replace("_", "").isalnum()):
        token = secrets.token_urlsafe(18)
        request._tz_new_device = True  # type: ignore[attr-defined]
    request._tz_device = token  # type: ignore[attr-defined]
    return token


def remember_device(request: HttpRequest, response: HttpResponse) -> HttpResponse:
    if getattr(request, "_tz_new_device", False):
        response.set_cookie(DEVICE_COOKIE, device_token(request), max_age=DEVICE_COOKIE_AGE, httponly=True,
                            samesite="Lax", secure=bool(getattr(settings, "SECURE_HTTPS", False)))
    return response


def device_hash(request: HttpRequest) -> str:
    return _digest("device", device_token(request))


def address_hash(request: HttpRequest) -> str:
    return _digest("address", client_address(request))


def _keys(request: HttpRequest) -> tuple[str, str]:
    day = timezone.localdate().strftime("%Y%m%d")
    return f"citizen:rl:d:{device_hash(request)}:{day}", f"citizen:rl:a:{address_hash(request)}:{day}"


def counts(request: HttpRequest) -> tuple[int, int]:
    dev_key, addr_key = _keys(request)
    values = cache.get_many([dev_key, addr_key])
    return int(values.get(dev_key) or 0), int(values.get(addr_key) or 0)


def needs_captcha(request: HttpRequest) -> bool:
    device, address = counts(request)
    after = int(settings.TAIZHANG_CITIZEN_CAPTCHA_AFTER)
    return max(device, address) >= after


def over_limit(request: HttpRequest) -> str:
    """A Chinese message when this device or address has reached its daily limit, else ""."""
    device, address = counts(request)
    if device >= int(settings.TAIZHANG_CITIZEN_DEVICE_LIMIT) or address >= int(
            settings.TAIZHANG_CITIZEN_ADDRESS_LIMIT):
        return "今天从本设备或本网络提交的报告已达上限，请明天再试；紧急情况请拨打 12345 热线。"
    return ""


def note_report(request: HttpRequest) -> None:
    for key in _keys(request):
        if not cache.add(key, 1, DAY_SECONDS):
            try:
                cache.incr(key)
            except ValueError:  # expired between add and incr
                cache.set(key, 1, DAY_SECONDS)
