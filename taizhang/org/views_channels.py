"""Pages for a unit's robot webhooks (单位通知渠道): list, add, edit, remove, send a test message. manage_org only,
over the units the user manages."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from taizhang.core import webhooks
from taizhang.core.errors import InvalidInput, StaleObjectError
from taizhang.core.forms import place_action_errors
from taizhang.org import channels
from taizhang.org.fields import UnitChoiceField
from taizhang.org.models import Unit, UnitChannel
from taizhang.org.roles import Cap
from taizhang.org.scoping import unit_ids_for
from taizhang.org.views import cap_required


class ChannelForm(forms.Form):
    unit = UnitChoiceField(label="单位")
    name = forms.CharField(label="名称", max_length=60)
    target = forms.CharField(label="Webhook 网址", max_length=1000, help_text="在群机器人设置中复制，以 https:// 开头")
    format = forms.ChoiceField(label="消息格式", choices=UnitChannel.Format.choices)
    secret = forms.CharField(label="加签密钥", max_length=200, required=False, help_text="钉钉、飞书机器人加签时填写")
    mode = forms.ChoiceField(label="发送方式", choices=UnitChannel.Mode.choices)
    enabled = forms.BooleanField(label="启用", required=False, initial=True)
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["unit"]
        assert isinstance(field, forms.ModelChoiceField)
        field.queryset = Unit.objects.filter(pk__in=unit_ids_for(user, Cap.MANAGE_ORG)).order_by("path")


def _channel(user: Any, pk: int) -> UnitChannel:
    channel = UnitChannel.objects.select_related("unit").filter(pk=pk).first()
    if channel is None or channel.unit_id not in unit_ids_for(user, Cap.MANAGE_ORG):
        raise Http404("未找到该通知渠道。")
    return channel


@cap_required(Cap.MANAGE_ORG)
def channel_list(request: HttpRequest) -> HttpResponse:
    rows = UnitChannel.objects.filter(unit_id__in=unit_ids_for(request.user, Cap.MANAGE_ORG)).select_related("unit")
    return render(request, "org/channel_list.html", {"channels": rows.order_by("unit__path", "name")})


@cap_required(Cap.MANAGE_ORG)
def channel_edit(request: HttpRequest, pk: int | None = None) -> HttpResponse:
    channel = _channel(request.user, pk) if pk else None
    initial: dict[str, Any] = {"enabled": True, "mode": UnitChannel.Mode.EACH, "format": UnitChannel.Format.WECOM}
    if channel is not None:
        initial = {f: getattr(channel, f) for f in channels.FIELDS} | {"unit": channel.unit, "version": channel.version}
    form = ChannelForm(request.POST or None, initial=initial, user=request.user)
    status = 200
    if request.method == "POST" and form.is_valid():
        data = {f: form.cleaned_data[f] for f in channels.FIELDS}
        try:
            if channel is None:
                channel = channels.create_channel(acting_user=request.user, unit=form.cleaned_data["unit"], **data)
            else:
                channels.update_channel(acting_user=request.user, channel=channel,
                                        expected_version=form.cleaned_data.get("version") or 0, **data)
        except InvalidInput as exc:
            place_action_errors(form, exc)
            status = 400
        except StaleObjectError as exc:
            form.add_error(None, exc.message)
            status = 409
        else:
            messages.success(request, f"通知渠道“{channel.name}”已保存。")
            return redirect("org:channel_list")
    return render(request, "org/channel_form.html", {"form": form, "channel": channel}, status=status)


@require_POST
@cap_required(Cap.MANAGE_ORG)
def channel_delete(request: HttpRequest, pk: int) -> HttpResponse:
    channel = _channel(request.user, pk)
    channels.delete_channel(acting_user=request.user, channel=channel)
    messages.success(request, f"已删除通知渠道“{channel.name}”。")
    return redirect("org:channel_list")


@require_POST
@cap_required(Cap.MANAGE_ORG)
def channel_test(request: HttpRequest, pk: int) -> HttpResponse:
    channel = _channel(request.user, pk)
    try:
        webhooks.send(channel.target, channel.format, "【测试通知】台账通知渠道", ["收到即说明该机器人配置正确。"],
                      secret=channel.secret, allow_private=channel.is_internal, extra={"event": "test"})
    except Exception as exc:
        messages.error(request, f"测试消息发送失败：{getattr(exc, 'message', None) or exc.__class__.__name__}")
    else:
        messages.success(request, f"测试消息已发送到“{channel.name}”。")
    return redirect("org:channel_list")
