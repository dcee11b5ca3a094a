"""Forms of the monitoring pages. They only clean input; every change goes through ``monitor.actions``."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils import timezone

from taizhang.core.forms import ChineseBlankChoices
from taizhang.ledger.models import Outlet
from taizhang.monitor.models import AlertChannel, Incident, Source, WatchList
from taizhang.org.fields import UnitChoiceField
from taizhang.org.models import Unit

DATETIME_INPUT = forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")
TIME_INPUT = forms.TimeInput(attrs={"type": "time"}, format="%H:%M")


class SourceForm(ChineseBlankChoices, forms.ModelForm):
    version = forms.IntegerField(required=False, widget=forms.HiddenInput)

    class Meta:
        model = Source
        # not is_internal: allowing private addresses is the security administrator's decision (内网地址许可)
        fields = ["name", "kind", "url", "outlet", "level", "enabled", "schedule_minutes", "adaptive",
                  "timeout_seconds", "max_bytes", "link_pattern", "max_articles"]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        outlet = self.fields["outlet"]
        assert isinstance(outlet, forms.ModelChoiceField)
        outlet.queryset = Outlet.objects.filter(is_active=True).order_by("level", "name")
        self.fields["url"].required = False
        self.fields["url"].help_text = (
            "订阅或列表页网址；文件来源填导入目录（TAIZHANG_MONITOR_IMPORT_DIR）中的文件名，不含路径"
        )
        if self.instance.pk:
            self.fields["kind"].disabled = True
            self.fields["version"].initial = self.instance.version

    def values(self) -> dict[str, Any]:
        data = {k: v for k, v in self.cleaned_data.items() if k != "version"}
        data["url"] = data.get("url") or ""
        data["link_pattern"] = data.get("link_pattern") or ""
        return data


class UploadForm(forms.Form):
    file = forms.FileField(label="导出文件",
                           help_text="CSV、JSON、JSONL 或 xlsx；列名如 标题、正文、链接、发布时间、来源")
    source = forms.ModelChoiceField(
        label="来源", queryset=Source.objects.filter(kind=Source.Kind.FILE), required=False,
        help_text="文件来自哪个平台或工具（可不选）", empty_label="不选"
    )


class WatchListForm(ChineseBlankChoices, forms.ModelForm):
    version = forms.IntegerField(required=False, widget=forms.HiddenInput)

    class Meta:
        model = WatchList
        fields = ["key", "name", "purpose", "expression", "description", "enabled"]
        widgets = {"expression": forms.Textarea(attrs={"rows": 3})}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            self.fields["version"].initial = self.instance.version

    def values(self) -> dict[str, Any]:
        return {k: v for k, v in self.cleaned_data.items() if k != "version"}


class ExpressionTestForm(forms.Form):
    expression = forms.CharField(label="表达式", widget=forms.Textarea(attrs={"rows": 2}))
    text = forms.CharField(label="试用文本", widget=forms.Textarea(attrs={"rows": 4}))


class AssignForm(forms.Form):
    unit = UnitChoiceField(Unit.objects.filter(is_active=True), label="责任单位")
    deadline = forms.DateField(label="回应期限", required=False, widget=forms.DateInput(attrs={"type": "date"}),
                               help_text="留空则按工作日计算（法定节假日不计）")
    note = forms.CharField(label="交办要求", required=False, widget=forms.Textarea(attrs={"rows": 2}), max_length=1000)
    version = forms.IntegerField(widget=forms.HiddenInput)

    def __init__(self, *args: Any, incident: Incident | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if incident is not None and not self.is_bound:
            self.initial.setdefault("unit", incident.assigned_unit_id)
            self.initial.setdefault("version", incident.version)


class ResponseForm(forms.Form):
    published_text = forms.CharField(label="回应内容", widget=forms.Textarea(attrs={"rows": 4}), max_length=5000,
                                     help_text="公开发布的回应（情况通报、答复、说明）的要点")
    where = forms.CharField(label="发布平台", max_length=200,
                            help_text="如：区政府网站、“万柏林发布”微信公众号、新闻发布会")
    url = forms.URLField(label="链接", required=False, max_length=500, assume_scheme="https")
    published_at = forms.DateTimeField(label="发布时间", widget=DATETIME_INPUT, input_formats=["%Y-%m-%dT%H:%M"])

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if not self.is_bound:
            self.initial.setdefault("published_at", timezone.localtime())


class ChannelForm(ChineseBlankChoices, forms.ModelForm):
    version = forms.IntegerField(required=False, widget=forms.HiddenInput)

    class Meta:
        model = AlertChannel
        fields = ["name", "kind", "target", "format", "secret", "min_grade", "quiet_start", "quiet_end",
                  "enabled"]  # is_internal: the security administrator's decision
        widgets = {"quiet_start": TIME_INPUT, "quiet_end": TIME_INPUT, "secret": forms.PasswordInput(render_value=True)}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            self.fields["version"].initial = self.instance.version

    def values(self) -> dict[str, Any]:
        return {k: v for k, v in self.cleaned_data.items() if k != "version"}


class IncidentFilterForm(forms.Form):
    STATUS = [("", "全部状态"), ("open", "未办结"), *Incident.Status.choices]
    GRADE = [("", "全部等级"), ("general", "一般"), ("major", "较大"), ("severe", "重大")]
    status = forms.ChoiceField(label="状态", choices=STATUS, required=False)
    grade = forms.ChoiceField(label="等级", choices=GRADE, required=False)
    q = forms.CharField(label="关键词", required=False, widget=forms.TextInput(attrs={"type": "search"}))


class InternalAddressForm(forms.Form):
    """The security administrator allows (or stops allowing) one source or webhook to reach private addresses."""

    target = forms.RegexField(regex=r"^(source|channel):[0-9]{1,12}$", widget=forms.HiddenInput)
    internal = forms.BooleanField(required=False, widget=forms.HiddenInput)
    reason = forms.CharField(label="理由", required=False, max_length=500)
