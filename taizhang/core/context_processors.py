from __future__ import annotations

from typing import Any

from django.conf import settings
from django.http import HttpRequest

from taizhang.core.navigation import menu_for


def navigation(request: HttpRequest) -> dict[str, Any]:
    user = getattr(request, "user", None)
    return {
        "tz_menu": menu_for(user, request.path) if user is not None and user.is_authenticated else [],
        "tz_department_name": settings.TAIZHANG_DEPARTMENT_NAME,
        "tz_max_upload_mb": settings.TAIZHANG_MAX_UPLOAD_MB,
    }
