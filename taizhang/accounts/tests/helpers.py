from __future__ import annotations

from typing import Any

import pyotp
from django.test import Client

from taizhang.core.testing import PASSWORD


def login(client: Client, username: str, password: str = PASSWORD, address: str = "10.0.0.1") -> Any:
    return client.post("/accounts/login/", {"username": username, "password": password}, REMOTE_ADDR=address)


def code_for(user: Any, offset: int = 0) -> str:
    import time

    user.refresh_from_db()
    return pyotp.TOTP(user.totp_secret).at(time.time() + 30 * offset)


def enrol(user: Any) -> str:
    """Give the user a confirmed authenticator; returns the secret."""
    from django.utils import timezone

    secret = pyotp.random_base32(length=32)
    user.totp_secret = secret
    user.totp_confirmed_at = timezone.now()
    user.totp_last_step = 0
    user.save(update_fields=["totp_secret", "totp_confirmed_at", "totp_last_step"])
    return secret


def mfa_client(user: Any) -> Client:
    """A client signed in as user with the second factor done (as if through the login pages)."""
    client = Client()
    client.force_login(user)
    session = client.session
    session["tz_mfa"] = True
    session.save()
    return client
