from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.db import connection
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse

from taizhang.core.models import Job


@login_required
def home(request: HttpRequest) -> HttpResponse:
    from taizhang.core import permissions as perms
    from taizhang.core.permissions import has_cap

    user = request.user
    if has_cap(user, perms.VIEW):
        return redirect(reverse("ledger:dashboard"))
    if has_cap(user, perms.MANAGE_ORG):
        return redirect(reverse("org:unit_list"))
    if has_cap(user, perms.MANAGE_SECURITY):
        return redirect(reverse("accounts:security"))
    if has_cap(user, perms.VIEW_AUDIT):
        return redirect(reverse("core:audit_list"))
    return render(request, "core/home.html")


def healthz(request: HttpRequest) -> JsonResponse:
    """Liveness and database reachability, for load balancers and the fault test."""
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
        return JsonResponse({"status": "ok"})
    except Exception:
        return JsonResponse({"status": "database unavailable", "detail": "数据库暂时不可用"}, status=503)


@login_required
def job_status(request: HttpRequest, pk: int) -> HttpResponse:
    """A job's progress as an htmx fragment (polled every second until finished) or JSON."""
    job = get_object_or_404(Job, pk=pk, created_by=request.user)
    if request.headers.get("Accept", "").startswith("application/json"):
        return JsonResponse(
            {"id": job.pk, "status": job.status, "percent": job.percent, "message": job.message, "result": job.result}
        )
    return render(request, "core/_job_progress.html", {"job": job})
