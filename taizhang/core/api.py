"""API plumbing shared by every app: errors as Chinese JSON, scoped viewsets."""

from __future__ import annotations

import re
from typing import Any

from django.apps import apps
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404
from rest_framework import status
from rest_framework.exceptions import ErrorDetail
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from taizhang.core.errors import InvalidInput, NotFoundInScope, NotPermitted, StaleObjectError, TaizhangError
from taizhang.core.middleware import BAD_INPUT_ERRORS, BAD_INPUT_MESSAGE, bad_input_response

NOT_FOUND_MESSAGE = "未找到该对象。"
NO_DATA_MESSAGE = "请求体为空：请提交 JSON 对象。"
# Django's get_object_or_404 (under every DRF detail view): "No Report matches the given query."
_DJANGO_NOT_FOUND = re.compile(r"^No (\w+) matches the given query\.$")
# DRF's serializer error for a body that is None; a hard-coded English string that Django's translations miss
_DRF_NO_DATA = "No data provided"


def not_found_message(exc: Http404) -> str:
    """The detail of a 404: a message a view chose (Chinese) as it is; Django's and DRF's English ones, or none,
    become "未找到该对象。", naming the object in Chinese (its model's verbose_name) when Django's says which."""
    message = str(exc.args[0]) if exc.args else ""
    if message and not message.isascii():
        return message
    match = _DJANGO_NOT_FOUND.match(message)
    if match:
        models = [m for m in apps.get_models() if m._meta.object_name == match.group(1)]
        name = str(models[0]._meta.verbose_name) if len(models) == 1 else ""
        if name and not name.isascii():
            return f"未找到该{name}。"
    return NOT_FOUND_MESSAGE


def _chinese(value: Any) -> Any:
    """Error details with DRF's untranslated "No data provided" put in Chinese (the error code is kept)."""
    if isinstance(value, dict):
        return {k: _chinese(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_chinese(v) for v in value]
    if isinstance(value, str) and value == _DRF_NO_DATA:
        return ErrorDetail(NO_DATA_MESSAGE, code=getattr(value, "code", "null"))
    return value


def exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    if isinstance(exc, InvalidInput):
        return Response({"detail": exc.message, "errors": _chinese(exc.errors)}, status=status.HTTP_400_BAD_REQUEST)
    if isinstance(exc, NotPermitted):
        return Response({"detail": exc.message}, status=status.HTTP_403_FORBIDDEN)
    if isinstance(exc, NotFoundInScope):
        return Response({"detail": exc.message}, status=status.HTTP_404_NOT_FOUND)
    if isinstance(exc, StaleObjectError):
        return Response({"detail": exc.message}, status=status.HTTP_409_CONFLICT)
    if isinstance(exc, TaizhangError):
        return Response({"detail": exc.message}, status=status.HTTP_400_BAD_REQUEST)
    if isinstance(exc, DjangoValidationError):
        errors = exc.message_dict if hasattr(exc, "error_dict") else exc.messages
        return Response({"detail": "输入有误", "errors": errors}, status=status.HTTP_400_BAD_REQUEST)
    if isinstance(exc, BAD_INPUT_ERRORS):  # safety net: input that a view did not validate (logged)
        request = context.get("request")
        django_request = getattr(request, "_request", request)
        if django_request is not None:
            bad_input_response(django_request, exc)
        return Response({"detail": BAD_INPUT_MESSAGE}, status=status.HTTP_400_BAD_REQUEST)
    if isinstance(exc, Http404):
        exc = Http404(not_found_message(exc))
    response = drf_exception_handler(exc, context)
    if response is not None and response.status_code == status.HTTP_400_BAD_REQUEST:
        response.data = _chinese(response.data)
    return response
