"""Masking personal numbers typed into free text before it is shown on public pages (or the Open311 feed).

Mainland mobile numbers (138****5678), landlines with an area code (0571-****1234), and resident ID numbers
(18 or 15 digits: 330***********123X) are masked wherever they appear in a description, an answer or a note.
"""

from __future__ import annotations

import re

from taizhang.core.crypto import mask

# Longest first: an 18-digit ID contains 11-digit runs that look like phone numbers.
_DATE = r"(?:0[1-9]|1[0-2])(?:0[1-9]|[12][0-9]|3[01])"
_ID18 = rf"(?<![0-9])[1-9][0-9]{{5}}(?:19|20)[0-9]{{2}}{_DATE}[0-9]{{3}}[0-9Xx](?![0-9A-Za-z])"
_ID15 = rf"(?<![0-9])[1-9][0-9]{{5}}[0-9]{{2}}{_DATE}[0-9]{{3}}(?![0-9])"
_MOBILE = r"(?<![0-9])(?:\+?86[-\s]?)?1[3-9][0-9](?:[-\s]?[0-9]{4}){2}(?![0-9])"
_LANDLINE = r"(?<![0-9])0[1-9][0-9]{1,2}[-\s]?[2-9][0-9]{6,7}(?![0-9])"
PATTERN = re.compile(f"(?P<id>{_ID18}|{_ID15})|(?P<mobile>{_MOBILE})|(?P<landline>{_LANDLINE})")


def _replace(match: re.Match[str]) -> str:
    text = match.group(0)
    if match.group("id"):
        return mask(text, "id_number")
    digits = re.sub(r"[^0-9]", "", text)
    if match.group("mobile"):
        return digits[-11:][:3] + "****" + digits[-4:]
    return digits[:4] + "****" + digits[-4:] if len(digits) >= 10 else digits[:3] + "****" + digits[-4:]


def mask_text(text: str | None) -> str:
    """The text with phone and ID numbers masked."""
    if not text:
        return ""
    return PATTERN.sub(_replace, str(text))


PUBLIC_COORD_DECIMALS = 3
"""Coordinates on public pages and in Open311 are rounded to this many decimals (about 110 m north-south): a phone's
position is where the reporter stood, and for a quarrel between neighbours it can be a home. Staff see the exact
point (the report page, the case, the staff API)."""


def public_coordinate(value: float | None) -> float | None:
    """A latitude or longitude as the public may see it (rounded to PUBLIC_COORD_DECIMALS)."""
    return None if value is None else round(float(value), PUBLIC_COORD_DECIMALS)
