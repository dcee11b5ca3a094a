"""预警: the alert list (acknowledge) and the delivery channels (e-mail, webhooks) with a test message."""

from __future__ import annotations

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from taizhang.core.errors import InvalidInput, StaleObjectError
from taizhang.core.forms import place_action_errors
from taizhang.monitor import actions
from taizhang.monitor.alerts import deliver
from taizhang.monitor.brief import day_bounds
from taizhang.monitor.forms import ChannelForm
from taizhang.monitor.models import Alert, AlertChannel, Delivery
from taizhang.monitor.views.common import day_filter, manager_required
from taizhang.org.views import safe_next


@require_GET
@manager_required
def alert_list(request: HttpRequest) -> HttpResponse:
    qs = Alert.objects.select_related("incident", "acknowledged_by").prefetch_related("deliveries__channel")
    if request.GET.get("open"):
        qs = qs.filter(acknowledged_at__isnull=True)
    kind = request.GET.get("kind") or ""
    if kind in Alert.Kind.values:
        qs = qs.filter(kind=kind)
    else:
        kind = ""
    day, day_error = day_filter(request)
    if day is not None:  # the alerts raised that day, as a daily brief counts them
        start, end = day_bounds(day)
        qs = qs.filter(created_at__gte=start, created_at__lt=end)
    page = Paginator(qs.order_by("-created_at", "-id"), 30).get_page(request.GET.get("page"))
    return render(request, "monitor/alert_list.html", {
        "page": page, "channels": AlertChannel.objects.all(), "only_open": bool(request.GET.get("open")),
        "unacknowledged": Alert.objects.filter(acknowledged_at__isnull=True).count(),
        "day": day, "day_error": day_error, "kind": kind,
        "kinds": Alert.Kind.choices, "filtered": bool(day or kind),
    })


@require_POST
@manager_required
def alert_ack(request: HttpRequest, pk: int) -> HttpResponse:
    actions.acknowledge_alert(acting_user=request.user, alert=get_object_or_404(Alert, pk=pk))
    # `next` only to a page of this site (an outside address would be an open redirect)
    return redirect(safe_next(request, reverse("monitor:alert_list")))


@require_http_methods(["GET", "POST"])
@manager_required
def channel_edit(request: HttpRequest, pk: int | None = None) -> HttpResponse:
    channel = get_object_or_404(AlertChannel, pk=pk) if pk else None
    form = ChannelForm(request.POST or None, instance=channel)
    if request.method == "POST" and form.is_valid():
        try:
            actions.save_channel(acting_user=request.user, channel=channel,
                                 expected_version=form.cleaned_data.get("version"), **form.values())
        except (InvalidInput, StaleObjectError) as exc:
            if isinstance(exc, InvalidInput):
                place_action_errors(form, exc, with_message=True)
            else:
                form.add_error(None, exc.message)
        else:
            messages.success(request, "预警渠道已保存。")
            return redirect("monitor:alert_list")
    return render(request, "monitor/channel_form.html", {"form": form, "channel": channel})


@require_POST
@manager_required
def channel_delete(request: HttpRequest, pk: int) -> HttpResponse:
    actions.delete_channel(acting_user=request.user, channel=get_object_or_404(AlertChannel, pk=pk))
    messages.success(request, "预警渠道已删除。")
    return redirect("monitor:alert_list")


@require_POST
@manager_required
def channel_test(request: HttpRequest, pk: int) -> HttpResponse:
    """Send a test message now, without storing an alert."""
    channel = get_object_or_404(AlertChannel, pk=pk)
    alert = Alert(pk=0, kind=Alert.Kind.BURST, grade="general", title="测试消息：预警渠道工作正常",
                  body="这是一条测试消息，无需处理。", created_at=timezone.now())
    delivery = Delivery(pk=None, alert=alert, channel=channel)
    from taizhang.monitor.alerts import send

    try:
        send(delivery)
    except Exception as exc:
        messages.error(request, f"发送失败：{getattr(exc, 'message', exc)}")
    else:
        messages.success(request, f"测试消息已发送到“{channel.name}”。")
    return redirect("monitor:alert_list")


__all__ = ["deliver"]
