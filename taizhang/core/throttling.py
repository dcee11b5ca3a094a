"""API rate limits (DRF throttles) whose rates come from settings at run time: TAIZHANG_API_RATE per user,
TAIZHANG_API_ANON_RATE per client address for anonymous requests. A refused request gets 429 with Retry-After and
a Chinese message."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from rest_framework import throttling
from rest_framework.request import Request

from taizhang.core.middleware import client_address


class _SettingsRate:
    setting = "TAIZHANG_API_RATE"

    def get_rate(self) -> str | None:
        return str(getattr(settings, self.setting))

    def get_ident(self, request: Request) -> str:
        return client_address(request._request) or "unknown"


class UserRateThrottle(_SettingsRate, throttling.UserRateThrottle):
    scope = "user"
    setting = "TAIZHANG_API_RATE"

    def __init__(self) -> None:
        self.rate = self.get_rate()
        self.num_requests, self.duration = self.parse_rate(self.rate)

    def allow_request(self, request: Request, view: Any) -> bool:
        if not request.user or not request.user.is_authenticated:
            return True  # anonymous requests are AnonRateThrottle's
        return super().allow_request(request, view)


class AnonRateThrottle(_SettingsRate, throttling.AnonRateThrottle):
    scope = "anon"
    setting = "TAIZHANG_API_ANON_RATE"

    def __init__(self) -> None:
        self.rate = self.get_rate()
        self.num_requests, self.duration = self.parse_rate(self.rate)
