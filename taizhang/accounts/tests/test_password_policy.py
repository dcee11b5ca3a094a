"""Password policy: length and character classes, history, expiry, forced change, SM3 hasher."""

from __future__ import annotations

import datetime
from typing import Any

import pytest
from django.contrib.auth import password_validation
from django.contrib.auth.hashers import check_password, identify_hasher, make_password
from django.core.exceptions import ValidationError
from django.test import Client
from django.utils import timezone

from taizhang.accounts import actions
from taizhang.accounts.models import PasswordHistory
from taizhang.core.models import AuditEntry
from taizhang.core.testing import PASSWORD, make_user
from taizhang.org import actions as org_actions

pytestmark = pytest.mark.django_db


def messages_for(password: str, user: Any = None) -> list[str]:
    try:
        password_validation.validate_password(password, user)
    except ValidationError as exc:
        return list(exc.messages)
    return []


@pytest.mark.parametrize(("password", "fragment"), [
    ("Ab1!", "至少 8 位"),
    ("abcdefgh", "字母、数字和符号"),
    ("abcd1234", "字母、数字和符号"),
    ("abcd!@#$", "字母、数字和符号"),
    ("12345678!", "字母、数字和符号"),
    ("Password1!", None),  # passes length and classes (not in Django's common list in this form)
])
def test_length_and_character_classes(password: str, fragment: str | None) -> None:
    found = " ".join(messages_for(password))
    if fragment is None:
        assert "至少" not in found and "字母、数字和符号" not in found
    else:
        assert fragment in found


def test_common_and_similar_passwords_are_refused() -> None:
    user = make_user(username="zhangwei")
    assert any("常见" in m for m in messages_for("password", user))
    assert any("用户名" in m or "相似" in m for m in messages_for("Zhangwei#2024", user))


def test_demo_password_satisfies_the_policy() -> None:
    from taizhang.core.demo import DEMO_PASSWORD

    assert messages_for(DEMO_PASSWORD) == []
    assert messages_for(PASSWORD) == []


def test_relaxed_policy_accepts_simple_passwords(settings: Any) -> None:
    settings.TAIZHANG_PASSWORD_CLASSES = 1
    settings.TAIZHANG_PASSWORD_MIN_LENGTH = 6
    assert messages_for("simple7") == []


def test_history_refuses_the_last_five(settings: Any) -> None:
    user = make_user()
    used = [PASSWORD]
    for i in range(1, 6):
        new = f"Neue#Pass{i}x"
        actions.change_password(acting_user=user, user=user, new_password=new)
        used.append(new)
    # The last five (including the current one) are refused; the sixth-last is allowed again.
    for old in used[-5:]:
        with pytest.raises(Exception, match="最近 5 次"):
            actions.change_password(acting_user=user, user=user, new_password=old)
    actions.change_password(acting_user=user, user=user, new_password=used[0])
    assert PasswordHistory.objects.filter(user=user).count() == 7


def test_history_hash_is_cheaper_but_verifies(settings: Any) -> None:
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.PBKDF2PasswordHasher"]
    from taizhang.accounts.hashers import HISTORY_MIN_ITERATIONS, history_hash

    encoded = history_hash("Abc#12345")
    algorithm, iterations, *_ = encoded.split("$")
    assert algorithm == "pbkdf2_sha256" and int(iterations) == HISTORY_MIN_ITERATIONS
    assert check_password("Abc#12345", encoded)


def test_sm3_hasher_roundtrip_and_upgrade(settings: Any) -> None:
    settings.PASSWORD_HASHERS = ["taizhang.accounts.hashers.PBKDF2SM3PasswordHasher",
                                 "django.contrib.auth.hashers.MD5PasswordHasher"]
    encoded = make_password("Abc#12345")
    assert encoded.startswith("pbkdf2_sm3$600000$")
    assert identify_hasher(encoded).algorithm == "pbkdf2_sm3"
    assert check_password("Abc#12345", encoded) and not check_password("Abc#12346", encoded)
    # A user with an old (MD5 here) hash is re-hashed with SM3 at the next successful login.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    user = make_user()
    settings.PASSWORD_HASHERS = ["taizhang.accounts.hashers.PBKDF2SM3PasswordHasher",
                                 "django.contrib.auth.hashers.MD5PasswordHasher"]
    Client().post("/accounts/login/", {"username": user.username, "password": PASSWORD})
    user.refresh_from_db()
    assert user.password.startswith("pbkdf2_sm3$")


def test_sm3_is_the_standard_digest() -> None:
    from taizhang.core.crypto import sm3_hex

    # GB/T 32905-2016 example 1
    assert sm3_hex(b"abc") == "66c7f0f462eeedd9d1f2d46bdc10e4e24167c4875cf2f7a2297da02b8f4ba8e0"


def test_admin_created_user_must_change_password_at_first_login(tree: Any) -> None:
    created = org_actions.create_user(acting_user=None, username="newbie", password="Start#2024x")
    assert created.must_change_password
    client = Client()
    client.post("/accounts/login/", {"username": "newbie", "password": "Start#2024x"})
    response = client.get("/ledger/records/")
    assert response.status_code == 302 and response["Location"].startswith("/accounts/password/")
    page = client.get(response["Location"])
    assert "须先修改密码" in page.content.decode()
    api = client.get("/api/records/")
    assert api.status_code == 403 and "修改密码" in api.json()["detail"]
    changed = client.post("/accounts/password/", {"old_password": "Start#2024x", "new_password1": "Fresh#2024y",
                                                  "new_password2": "Fresh#2024y"})
    assert changed.status_code == 302
    created.refresh_from_db()
    assert not created.must_change_password
    assert client.get("/").status_code in (200, 302)
    assert client.get("/accounts/totp/").status_code == 200
    row = AuditEntry.objects.filter(action="password_change", object_id=str(created.pk)).get()
    assert "强制" in row.message


def test_policy_errors_show_on_the_change_page() -> None:
    user = make_user()
    client = Client()
    client.force_login(user)
    response = client.post("/accounts/password/", {"old_password": PASSWORD, "new_password1": "short",
                                                   "new_password2": "short"})
    assert response.status_code == 200
    assert "至少 8 位" in response.content.decode()
    assert not AuditEntry.objects.filter(action="password_change").exists()


def test_expired_password_forces_a_change(settings: Any) -> None:
    user = make_user()
    type(user).objects.filter(pk=user.pk).update(password_changed_at=timezone.now() - datetime.timedelta(days=91))
    client = Client()
    client.force_login(user)
    response = client.get("/accounts/totp/")
    assert response.status_code == 302 and "/accounts/password/" in response["Location"]
    assert "超过 90 天" in client.get("/accounts/password/").content.decode()
    settings.TAIZHANG_PASSWORD_MAX_AGE_DAYS = 0
    assert client.get("/accounts/totp/").status_code == 200


def test_test_users_are_not_forced(tree: Any) -> None:
    user = make_user("liaison", tree.street_a)
    assert not user.must_change_password and user.password_changed_at is not None
    client = Client()
    client.force_login(user)
    assert client.get("/accounts/totp/").status_code == 200
