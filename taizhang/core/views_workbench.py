"""The workbench (home page) and the user's notices: the list, opening one (marks it read), mark all read, the
bell's count, e-mail preference, and the delivery status list for the people who run the system."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.http.response import HttpResponseBase
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from taizhang.core import notifications
from taizhang.core.models import Notification, NotificationDelivery, NotificationPreference
from taizhang.core.redirects import is_local_path
from taizhang.core.workbench import panels_for


@never_cache
@login_required
def workbench(request: HttpRequest) -> HttpResponse:
    """工作台: the panels this user's roles call for. A user without any role sees how to get one."""
    panels = panels_for(request.user)
    business = [p for p in panels if p.key != "core.notices"]
    return render(request, "core/workbench.html", {"panels": panels, "has_role": bool(business)})


@never_cache
@login_required
def notice_list(request: HttpRequest) -> HttpResponse:
    user: Any = request.user
    qs = Notification.objects.filter(recipient=user).order_by("-created_at", "-id")
    show = request.GET.get("show", "")
    if show == "unread":
        qs = qs.filter(read_at__isnull=True)
    page = Paginator(qs, 30).get_page(request.GET.get("page"))
    return render(
        request,
        "core/notice_list.html",
        {
            "page": page,
            "show": show,
            "events": notifications.EVENTS,
            "unread": notifications.unread_count(request.user),
        },
    )


def _safe_target(request: HttpRequest, url: str) -> str:
    if is_local_path(request, url):
        return url
    return reverse("core:notice_list")


@login_required
def notice_open(request: HttpRequest, pk: int) -> HttpResponse:
    """Open what a notice is about and mark it read. Someone else's notice is not found (404)."""
    notice = get_object_or_404(Notification, pk=pk, recipient=request.user)
    notifications.mark_read(acting_user=request.user, notice=notice)
    return redirect(_safe_target(request, notice.url))


@require_POST
@login_required
def notice_read(request: HttpRequest, pk: int) -> HttpResponse:
    notice = get_object_or_404(Notification, pk=pk, recipient=request.user)
    notifications.mark_read(acting_user=request.user, notice=notice)
    if request.headers.get("HX-Request"):
        return HttpResponse("")
    return redirect(reverse("core:notice_list"))


@require_POST
@login_required
def notice_read_all(request: HttpRequest) -> HttpResponse:
    n = notifications.mark_all_read(acting_user=request.user)
    messages.success(request, f"已将{n}条通知标为已读。" if n else "没有未读通知。")
    return redirect(reverse("core:notice_list"))


@never_cache
@login_required
def notice_count(request: HttpRequest) -> HttpResponse:
    """The bell's unread count (JSON), for scripts that refresh it."""
    return JsonResponse({"unread": notifications.unread_count(request.user)})


class PreferenceForm(forms.Form):
    email_mode = forms.ChoiceField(label="邮件通知", choices=NotificationPreference.Mode.choices)


@login_required
def notice_settings(request: HttpRequest) -> HttpResponse:
    user: Any = request.user
    pref = NotificationPreference.objects.filter(user=user).first()
    current = pref.email_mode if pref else NotificationPreference.Mode.OFF
    form = PreferenceForm(request.POST or None, initial={"email_mode": current})
    if request.method == "POST" and form.is_valid():
        mode = form.cleaned_data["email_mode"]
        if mode != NotificationPreference.Mode.OFF and not getattr(request.user, "email", ""):
            form.add_error("email_mode", "您的账户没有登记电子邮箱，请联系系统管理员登记后再开启邮件通知。")
        else:
            notifications.set_preference(acting_user=request.user, email_mode=mode)
            messages.success(request, "通知设置已保存。")
            return redirect(reverse("core:notice_settings"))
    return render(request, "core/notice_settings.html", {"form": form})


@never_cache
@login_required
def delivery_list(request: HttpRequest) -> HttpResponseBase:
    """Delivery status (sent, waiting, failed with the error), for staff and the system administrator."""
    from taizhang.core.permissions import forbidden, has_cap

    if not (has_cap(request.user, "manage_work") or has_cap(request.user, "manage_org")):
        return forbidden(request, "只有部门工作人员和系统管理员可以查看通知发送情况。")
    qs: Any = NotificationDelivery.objects.order_by("-created_at", "-id")
    status = request.GET.get("status", "")
    if status in NotificationDelivery.Status.values:
        qs = qs.filter(status=status)
    page = Paginator(qs.only("pk", "title", "channel", "label", "status", "attempts", "last_error", "created_at",
                             "sent_at", "next_try"), 50).get_page(request.GET.get("page"))
    return render(
        request, "core/delivery_list.html",
        {"page": page, "status": status, "statuses": NotificationDelivery.Status.choices},
    )
