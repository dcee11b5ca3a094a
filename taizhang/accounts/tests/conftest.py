"""The account tests run with the strict policy (test_settings relaxes TOTP and API rates for other apps)."""

from __future__ import annotations

from typing import Any

import pytest


@pytest.fixture(autouse=True)
def strict_policy(settings: Any) -> Any:
    from django.core.cache import cache

    settings.TAIZHANG_REQUIRE_TOTP_FOR_ADMINS = True
    settings.TAIZHANG_PASSWORD_MIN_LENGTH = 8
    settings.TAIZHANG_PASSWORD_CLASSES = 3
    settings.TAIZHANG_PASSWORD_HISTORY = 5
    settings.TAIZHANG_PASSWORD_MAX_AGE_DAYS = 90
    settings.TAIZHANG_LOCKOUT_ATTEMPTS = 5
    settings.TAIZHANG_LOCKOUT_ADDRESS_ATTEMPTS = 5
    settings.TAIZHANG_LOCKOUT_MINUTES = 15
    settings.TAIZHANG_SESSION_IDLE_MINUTES = 15
    cache.clear()
    return settings
