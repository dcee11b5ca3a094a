"""Case pages (placeholder until the full views land)."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse


def case_list(request: HttpRequest) -> HttpResponse:
    return HttpResponse("")


def case_new(request: HttpRequest) -> HttpResponse:
    return HttpResponse("")


def rule_list(request: HttpRequest) -> HttpResponse:
    return HttpResponse("")


def case_detail(request: HttpRequest, pk: int) -> HttpResponse:
    return HttpResponse("")


def case_act(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    return HttpResponse("")


def attachment_download(request: HttpRequest, pk: int) -> HttpResponse:
    return HttpResponse("")
