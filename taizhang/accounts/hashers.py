"""PBKDF2 with HMAC-SM3 (GB/T 32905), for departments that require commercial cryptography (商用密码).

Select it with TAIZHANG_PASSWORD_HASHER=pbkdf2_sm3. Existing PBKDF2-SHA256 hashes keep working and are re-hashed
with SM3 at each user's next login (Django upgrades hashes whose algorithm is not the first in PASSWORD_HASHERS).
"""

from __future__ import annotations

import hashlib
from typing import Any

from django.contrib.auth.hashers import PBKDF2PasswordHasher


def _sm3(data: bytes = b"") -> Any:
    return hashlib.new("sm3", data)


class PBKDF2SM3PasswordHasher(PBKDF2PasswordHasher):
    algorithm = "pbkdf2_sm3"
    digest = staticmethod(_sm3)  # hashlib.pbkdf2_hmac("sm3", …) through OpenSSL 3
    # OpenSSL's SM3 is about twice as slow per round as SHA-256: 600 000 rounds (OWASP's figure for PBKDF2-SHA256)
    # cost about what Django's 1 000 000 SHA-256 rounds cost, ~1.2 s on the reference 2-core machine.
    iterations = 600_000


HISTORY_MIN_ITERATIONS = 200_000


def history_hash(raw_password: str) -> str:
    """The hash kept in the password history: the default algorithm at a fifth of its rounds (≥ 200 000), so that
    checking a new password against the last five stays around a second. Verified by check_password as usual."""
    from django.contrib.auth.hashers import get_hasher, make_password

    hasher = get_hasher("default")
    if isinstance(hasher, PBKDF2PasswordHasher):
        iterations = max(HISTORY_MIN_ITERATIONS, hasher.iterations // 5)
        return hasher.encode(raw_password, hasher.salt(), iterations)
    return make_password(raw_password)
