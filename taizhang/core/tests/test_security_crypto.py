"""SM4-GCM field encryption, key rotation, tamper detection, masking."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.template import Context, Template

from taizhang.core import crypto

KEY = "00112233445566778899aabbccddeeff"
OTHER = "ffeeddccbbaa99887766554433221100"


@pytest.fixture(autouse=True)
def key(settings: Any) -> None:
    settings.TAIZHANG_SM4_KEY = KEY
    settings.TAIZHANG_SM4_OLD_KEYS = []


def test_roundtrip_and_randomised() -> None:
    a, b = crypto.encrypt("13812345678"), crypto.encrypt("13812345678")
    assert a != b and a.startswith("sm4g1:") and "13812345678" not in a
    assert crypto.decrypt(a) == crypto.decrypt(b) == "13812345678"
    assert crypto.decrypt(crypto.encrypt("张三 110101199003077777 ✓")) == "张三 110101199003077777 ✓"


def test_sm4_matches_the_standard_vector() -> None:
    # GB/T 32907-2016 appendix A example 1: one block with the same key and plaintext.
    from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

    k = bytes.fromhex("0123456789abcdeffedcba9876543210")
    enc = Cipher(algorithms.SM4(k), modes.ECB()).encryptor()  # noqa: S305 - the standard's test vector
    assert (enc.update(k) + enc.finalize()).hex() == "681edf34d206965e86b3e94f536e4246"


def test_tampering_is_detected() -> None:
    token = crypto.encrypt("110101199003077777")
    prefix, kid, body = token.split(":")
    flipped = body[:-3] + ("A" if body[-3] != "A" else "B") + body[-2:]
    with pytest.raises(crypto.DecryptionError, match="篡改"):
        crypto.decrypt(f"{prefix}:{kid}:{flipped}")
    with pytest.raises(crypto.DecryptionError):
        crypto.decrypt("sm4g1:garbage")


def test_wrong_key_is_reported_and_old_keys_still_read(settings: Any) -> None:
    token = crypto.encrypt("13800000000")
    settings.TAIZHANG_SM4_KEY = OTHER
    with pytest.raises(crypto.DecryptionError, match="缺少解密所需的 SM4 密钥"):
        crypto.decrypt(token)
    settings.TAIZHANG_SM4_OLD_KEYS = [KEY]
    assert crypto.decrypt(token) == "13800000000"
    assert crypto.encrypt("x").split(":")[1] == crypto.key_id(bytes.fromhex(OTHER))


def test_bad_key_is_a_configuration_error(settings: Any) -> None:
    settings.TAIZHANG_SM4_KEY = "not-hex"
    with pytest.raises(ImproperlyConfigured):
        crypto.encrypt("x")


@pytest.mark.django_db
def test_field_stores_ciphertext_and_refuses_lookups(tree: Any) -> None:
    from django.db import connection

    from taizhang.accounts.models import User
    from taizhang.core.testing import make_user

    user = make_user()
    User.objects.filter(pk=user.pk).update(totp_secret="LEGACYPLAINTEXT")  # stored before encryption existed
    user.refresh_from_db()
    assert user.totp_secret == "LEGACYPLAINTEXT"
    user.totp_secret = "NEWSECRET"
    user.save(update_fields=["totp_secret"])
    with connection.cursor() as cursor:
        cursor.execute("SELECT totp_secret FROM accounts_user WHERE id = %s", [user.pk])
        assert cursor.fetchone()[0].startswith("sm4g1:")
    with pytest.raises(ImproperlyConfigured, match="加密字段不支持"):
        User.objects.filter(totp_secret="NEWSECRET").count()
    assert User.objects.filter(totp_secret__isnull=False).exists()


def test_blind_index_is_stable_and_keyed(settings: Any) -> None:
    a = crypto.blind_index("110101 199003077777", "id_number")
    assert a == crypto.blind_index("110101199003077777", "id_number")
    assert a != crypto.blind_index("110101199003077777", "phone")
    settings.TAIZHANG_SM4_KEY = OTHER
    assert a != crypto.blind_index("110101199003077777", "id_number")


@pytest.mark.parametrize(("value", "kind", "masked"), [
    ("13812345678", "phone", "138****5678"),
    ("138-1234-5678", "phone", "138****5678"),
    ("110101199003077777", "id_number", "110***********7777"),
    ("11010119900307777X", "id_number", "110***********777X"),
    ("张三", "name", "张*"),
    ("欧阳娜娜", "name", "欧***"),
    ("li@example.gov.cn", "email", "l***@example.gov.cn"),
    ("", "phone", ""),
    (None, "phone", ""),
    ("123", "phone", "***"),
])
def test_masks(value: Any, kind: str, masked: str) -> None:
    assert crypto.mask(value, kind) == masked


def test_template_filter() -> None:
    html = Template('{% load tz_security %}{{ p|mask:"phone" }} {{ i|mask:"id_number" }}').render(
        Context({"p": "13812345678", "i": "110101199003077777"}))
    assert html == "138****5678 110***********7777"


def test_audit_safe_value_masks_sensitive_fields() -> None:
    field = crypto.EncryptedCharField(mask_kind="phone")
    assert crypto.audit_safe_value(field, "13812345678") == "138****5678"
    assert field.deconstruct()[3]["mask_kind"] == "phone"
