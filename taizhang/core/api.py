"""API plumbing shared by every app: errors as Chinese JSON, scoped viewsets."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError as DjangoValidationError
from rest_framework import status
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from taizhang.core.errors import InvalidInput, NotFoundInScope, NotPermitted, StaleObjectError, TaizhangError
from taizhang.core.middleware import BAD_INPUT_ERRORS, BAD_INPUT_MESSAGE, bad_input_response


def exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    if isinstance(exc, InvalidInput):
        return Response({"detail": exc.message, "errors": exc.errors}, status=status.HTTP_400_BAD_REQUEST)
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
    return drf_exception_handler(exc, context)
