"""Background work of 随手拍: clearing reporters' contact data after the retention period (daily)."""

from __future__ import annotations

from typing import Any

from taizhang.core.jobs import periodic


@periodic("citizen.clear_contacts", minutes=24 * 60)
def clear_contacts(job: Any) -> dict[str, Any]:
    from .actions import clear_expired_contacts

    return {"cleared": clear_expired_contacts(acting_user=None)}
