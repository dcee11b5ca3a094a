"""Commercial cryptography (商用密码): SM4 encryption of personal data fields, SM3 digests, masked display.

* `EncryptedCharField`: a model field stored as SM4-GCM ciphertext (GB/T 32907 block cipher in GCM, as RFC 8998
  uses it: authenticated, so a changed or swapped ciphertext is detected). The key is `TAIZHANG_SM4_KEY`
  (32 hex characters, from the environment); `TAIZHANG_SM4_OLD_KEYS` still decrypt after a key change.
  Stored form: ``sm4g1:<key id>:<base64(nonce ‖ ciphertext ‖ tag)>``. The key id is the first 8 hex characters of
  SM3(key) so the right key is picked and a wrong key is reported, never silently misread.
  Values are unreadable in the database, in backups and in SQL dumps; Python code sees plain text.
  Lookups other than isnull are refused (the ciphertext is randomised); for exact search store a `blind_index`.
* `sm3_hex` / `hmac_sm3`: SM3 (GB/T 32905) through OpenSSL 3 (`hashlib.new("sm3")`).
* `mask(value, kind)`: the masked display of personal data in lists and exports (138****5678); the template filter
  is `{% load tz_security %}{{ value|mask:"phone" }}`.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import os
import re
from functools import lru_cache
from typing import Any

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db import models

PREFIX = "sm4g1"
NONCE_BYTES = 12
TAG_BYTES = 16


class DecryptionError(ValueError):
    """A stored value could not be decrypted: wrong or missing key, or the ciphertext was changed."""


# --- SM3 ------------------------------------------------------------------------------------------------------
def sm3_hex(data: bytes) -> str:
    return hashlib.new("sm3", data).hexdigest()


def hmac_sm3(key: bytes, data: bytes) -> bytes:
    return hmac.new(key, data, lambda: hashlib.new("sm3")).digest()


# --- keys -------------------------------------------------------------------------------------------------------
def _parse_key(text: str) -> bytes:
    try:
        key = bytes.fromhex(text.strip())
    except ValueError as exc:
        raise ImproperlyConfigured("SM4 密钥无效：应为 32 位十六进制字符") from exc
    if len(key) != 16:
        raise ImproperlyConfigured("SM4 密钥无效：应为 32 位十六进制字符（128 位）")
    return key


def key_id(key: bytes) -> str:
    return sm3_hex(b"taizhang-sm4-key-id" + key)[:8]


@lru_cache(maxsize=8)
def _keys(current: str, old: tuple[str, ...]) -> tuple[tuple[str, bytes], dict[str, bytes]]:
    primary = _parse_key(current)
    ring = {key_id(primary): primary}
    for text in old:
        k = _parse_key(text)
        ring.setdefault(key_id(k), k)
    return (key_id(primary), primary), ring


def _keyring() -> tuple[tuple[str, bytes], dict[str, bytes]]:
    return _keys(str(settings.TAIZHANG_SM4_KEY), tuple(getattr(settings, "TAIZHANG_SM4_OLD_KEYS", ()) or ()))


def current_key_id() -> str:
    return _keyring()[0][0]


def known_key_ids() -> set[str]:
    return set(_keyring()[1])


# --- SM4-GCM ----------------------------------------------------------------------------------------------------
def encrypt(plaintext: str, *, associated_data: bytes = b"") -> str:
    (kid, key), _ring = _keyring()
    nonce = os.urandom(NONCE_BYTES)
    encryptor = Cipher(algorithms.SM4(key), modes.GCM(nonce)).encryptor()
    if associated_data:
        encryptor.authenticate_additional_data(associated_data)
    body = encryptor.update(plaintext.encode("utf-8")) + encryptor.finalize()
    token = base64.urlsafe_b64encode(nonce + body + encryptor.tag).decode("ascii").rstrip("=")
    return f"{PREFIX}:{kid}:{token}"


def is_encrypted(value: Any) -> bool:
    return isinstance(value, str) and value.startswith(PREFIX + ":")


def decrypt(stored: str, *, associated_data: bytes = b"") -> str:
    try:
        _prefix, kid, token = stored.split(":", 2)
        raw = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4))
    except (ValueError, TypeError) as exc:
        raise DecryptionError("加密数据格式损坏，无法解密") from exc
    _current, ring = _keyring()
    key = ring.get(kid)
    if key is None:
        raise DecryptionError(
            f"缺少解密所需的 SM4 密钥（密钥标识 {kid}）：请检查 TAIZHANG_SM4_KEY / TAIZHANG_SM4_OLD_KEYS"
        )
    if len(raw) < NONCE_BYTES + TAG_BYTES:
        raise DecryptionError("加密数据格式损坏，无法解密")
    nonce, body, tag = raw[:NONCE_BYTES], raw[NONCE_BYTES:-TAG_BYTES], raw[-TAG_BYTES:]
    decryptor = Cipher(algorithms.SM4(key), modes.GCM(nonce, tag)).decryptor()
    if associated_data:
        decryptor.authenticate_additional_data(associated_data)
    try:
        return (decryptor.update(body) + decryptor.finalize()).decode("utf-8")
    except (InvalidTag, UnicodeDecodeError) as exc:
        raise DecryptionError("加密数据校验失败：数据被篡改或密钥不符") from exc


def blind_index(value: str, purpose: str = "") -> str:
    """A keyed SM3 digest of a normalised value, for exact-match search of encrypted fields (store it beside)."""
    (_kid, key), _ring = _keyring()
    sub = hmac_sm3(key, b"taizhang-blind-index:" + purpose.encode("utf-8"))
    normalised = re.sub(r"\s+", "", value).upper()
    return hmac_sm3(sub, normalised.encode("utf-8")).hex()


# --- masking ----------------------------------------------------------------------------------------------------
MASK_KINDS = ("phone", "id_number", "name", "email", "text")


def mask(value: Any, kind: str = "text") -> str:
    """The masked display of a personal value: phone 138****5678, ID 110***********123X, name 张*, email a***@x.cn."""
    if value is None:
        return ""
    text = str(value).strip()
    if not text:
        return ""
    if kind == "phone":
        digits = re.sub(r"[\s-]", "", text)
        if len(digits) >= 7:
            return digits[:3] + "*" * (len(digits) - 7) + digits[-4:] if len(digits) > 7 else digits[:3] + "****"
        return "*" * len(digits)
    if kind == "id_number":
        if len(text) > 7:
            return text[:3] + "*" * (len(text) - 7) + text[-4:]
        return "*" * len(text)
    if kind == "name":
        return text[0] + "*" * max(1, len(text) - 1)
    if kind == "email":
        local, _, domain = text.partition("@")
        return (local[:1] + "***@" + domain) if domain else mask(text)
    # generic text: keep a quarter at each end at most
    keep = min(4, len(text) // 4)
    return text[:keep] + "*" * max(1, len(text) - 2 * keep) + (text[-keep:] if keep else "")


# --- the model field --------------------------------------------------------------------------------------------
class EncryptedCharField(models.TextField):
    """Personal data (phone numbers, ID numbers) stored SM4-encrypted. `max_length` limits the plain text;
    `mask_kind` ("phone", "id_number", "name", …) tells lists, exports and the audit log how to mask it.

    Empty strings are stored as they are (an empty field reveals nothing worth a ciphertext). Values stored before
    the field was encrypted (no "sm4g1:" prefix) are read as plain text and encrypted on their next save.
    """

    description = "SM4 加密文本"
    sensitive = True

    def __init__(self, *args: Any, mask_kind: str = "text", **kwargs: Any) -> None:
        if mask_kind not in MASK_KINDS:
            raise ImproperlyConfigured(f"mask_kind 应为 {', '.join(MASK_KINDS)} 之一")
        self.mask_kind = mask_kind
        super().__init__(*args, **kwargs)

    def deconstruct(self) -> Any:
        name, path, args, kwargs = super().deconstruct()
        if self.mask_kind != "text":
            kwargs["mask_kind"] = self.mask_kind
        return name, path, args, kwargs

    def from_db_value(self, value: Any, expression: Any, connection: Any) -> Any:
        if value is None or not is_encrypted(value):
            return value
        return decrypt(value)

    def to_python(self, value: Any) -> Any:
        if is_encrypted(value):
            return decrypt(value)
        return super().to_python(value)

    def get_prep_value(self, value: Any) -> Any:
        value = super().get_prep_value(value)
        if value is None or value == "" or is_encrypted(value):
            return value
        return encrypt(str(value))

    def get_lookup(self, lookup_name: str) -> Any:
        if lookup_name not in ("isnull",):
            raise ImproperlyConfigured(
                f"加密字段不支持“{lookup_name}”查询：密文是随机化的。精确查找请另存 blind_index(value)。"
            )
        return super().get_lookup(lookup_name)

    def masked(self, value: Any) -> str:
        return mask(value, self.mask_kind)


def masked_value(obj: models.Model, field_name: str) -> str:
    """The masked value of an encrypted field of obj (for list columns and exports)."""
    field = obj._meta.get_field(field_name)
    value = getattr(obj, field_name)
    return mask(value, getattr(field, "mask_kind", "text"))


def audit_safe_value(field: Any, value: Any) -> Any:
    """What the audit log may store for a field: masked for sensitive (encrypted) fields, the value otherwise."""
    if getattr(field, "sensitive", False):
        return mask(value, getattr(field, "mask_kind", "text"))
    return value
