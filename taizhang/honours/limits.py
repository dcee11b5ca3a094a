"""Abuse limits of the public objection form, like the 随手拍 form's (taizhang/citizen/limits.py): counted per
device cookie and per client address in the cache, only keyed digests kept. After OBJECTION_CAPTCHA_AFTER objections
in a day the form asks for a captcha; past the device or address limit it refuses until the next day."""

from __future__ import annotations

from django.conf import settings
from django.core.cache import cache
from django.http import HttpRequest
from django.utils import timezone

from taizhang.citizen.limits import address_hash, device_hash, remember_device

__all__ = ["address_hash", "device_hash", "needs_captcha", "note_objection", "over_limit", "remember_device"]
DAY_SECONDS = 24 * 3600


def _setting(name: str, default: int) -> int:
    return int(getattr(settings, name, default))


def _keys(request: HttpRequest) -> tuple[str, str]:
    day = timezone.localdate().strftime("%Y%m%d")
    return f"honours:rl:d:{device_hash(request)}:{day}", f"honours:rl:a:{address_hash(request)}:{day}"


def counts(request: HttpRequest) -> tuple[int, int]:
    dev_key, addr_key = _keys(request)
    values = cache.get_many([dev_key, addr_key])
    return int(values.get(dev_key) or 0), int(values.get(addr_key) or 0)


def needs_captcha(request: HttpRequest) -> bool:
    return max(counts(request)) >= _setting("TAIZHANG_HONOURS_CAPTCHA_AFTER", 2)


def over_limit(request: HttpRequest) -> str:
    device, address = counts(request)
    if device >= _setting("TAIZHANG_HONOURS_DEVICE_LIMIT", 5) or address >= _setting(
            "TAIZHANG_HONOURS_ADDRESS_LIMIT", 20):
        return "今天从本设备或本网络提交的异议已达上限，请明天再试。"
    return ""


def note_objection(request: HttpRequest) -> None:
    for key in _keys(request):
        if not cache.add(key, 1, DAY_SECONDS):
            try:
                cache.incr(key)
            except ValueError:
                cache.set(key, 1, DAY_SECONDS)
