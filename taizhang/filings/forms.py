"""Forms of the event-filing pages."""

from __future__ import annotations

import datetime
from typing import Any

from django import forms
from django.utils import timezone

from taizhang.filings.models import EventKind, UnfiledEvent
from taizhang.ledger.forms import UnitChoiceField
from taizhang.org.models import Unit
from taizhang.org.roles import Cap
from taizhang.org.scoping import unit_ids_for

DT = forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")
SPEAKER_HELP = "每行一位：姓名，职务，单位；境外人员在行末写“境外”，如：张三，教授，某某大学，境外"


def units_for(user: Any, *caps: str) -> Any:
    ids: set[int] = set()
    for cap in caps:
        ids |= set(unit_ids_for(user, cap))
    return Unit.objects.filter(pk__in=ids, is_active=True).order_by("path")


def parse_speakers(text: str) -> list[dict[str, Any]]:
    out = []
    for line in str(text or "").splitlines():
        parts = [p.strip() for p in line.replace("，", ",").split(",") if p.strip()]
        if not parts:
            continue
        overseas = parts[-1] in ("境外", "境外人员")
        if overseas:
            parts = parts[:-1]
        out.append({"name": parts[0] if parts else "", "title": parts[1] if len(parts) > 1 else "",
                    "org": parts[2] if len(parts) > 2 else "", "overseas": overseas})
    return out


def speakers_text(speakers: list[dict[str, Any]]) -> str:
    lines = []
    for s in speakers:
        parts = [s["name"], s.get("title", ""), s.get("org", "")] + (["境外"] if s.get("overseas") else [])
        lines.append("，".join(parts))
    return "\n".join(lines)


class FilingForm(forms.Form):
    kind = forms.ChoiceField(label="活动类型", choices=[("", "请选择"), *EventKind.choices])
    topic = forms.CharField(label="主题", max_length=200)
    organiser = forms.CharField(label="承办方", max_length=200, required=False)
    starts_at = forms.DateTimeField(label="开始时间", widget=DT, input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M"])
    ends_at = forms.DateTimeField(label="结束时间", widget=DT, input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M"])
    place = forms.CharField(label="地点", max_length=200)
    speakers = forms.CharField(label="主讲人", widget=forms.Textarea(attrs={"rows": 3}), help_text=SPEAKER_HELP,
                               max_length=3000)
    overseas_approval = forms.CharField(label="境外人员审批文号", max_length=100, required=False,
                                        help_text="有境外主讲人的须事先取得审批")
    outline = forms.CharField(label="内容提纲", widget=forms.Textarea(attrs={"rows": 5}), max_length=20000)
    audience = forms.CharField(label="参加对象", max_length=200)
    audience_size = forms.IntegerField(label="预计人数", min_value=0, max_value=1_000_000, initial=0)
    live_streaming = forms.BooleanField(label="网络直播", required=False)
    streaming_platform = forms.CharField(label="直播平台", max_length=100, required=False)

    def __init__(self, *args: Any, user: Any = None, with_unit: bool = True, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if with_unit:
            self.fields["unit"] = UnitChoiceField(units_for(user, Cap.EDIT_RECORDS, Cap.MANAGE_WORK), label="主办单位",
                                                  empty_label="请选择单位")
            self.order_fields(["unit", *[k for k in self.fields if k != "unit"]])

    def values(self) -> dict[str, Any]:
        data = dict(self.cleaned_data)
        data.pop("unit", None)
        data["speakers"] = parse_speakers(data["speakers"])
        return data


class DecideForm(forms.Form):
    approve = forms.TypedChoiceField(label="审核结果", choices=[("1", "通过"), ("0", "退回")],
                                     coerce=lambda v: v == "1")
    reason = forms.CharField(label="意见", required=False, widget=forms.Textarea(attrs={"rows": 2}))


class HeldForm(forms.Form):
    summary = forms.CharField(label="举办情况", widget=forms.Textarea(attrs={"rows": 4}), max_length=5000)
    attendance = forms.IntegerField(label="实际参加人数", min_value=0, max_value=1_000_000, required=False)


class UnfiledForm(forms.Form):
    kind = forms.ChoiceField(label="活动类型", choices=EventKind.choices)
    topic = forms.CharField(label="活动名称", max_length=200)
    held_on = forms.DateField(label="举办日期", widget=forms.DateInput(attrs={"type": "date"}))
    source = forms.ChoiceField(label="发现途径", choices=UnfiledEvent.Source.choices)
    reference = forms.CharField(label="线索（链接或说明）", max_length=300, required=False)

    def __init__(self, *args: Any, user: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["unit"] = UnitChoiceField(units_for(user, Cap.MANAGE_WORK), label="举办单位",
                                              empty_label="请选择单位")
        self.order_fields(["unit", *[k for k in self.fields if k != "unit"]])


def month_start(raw: str) -> datetime.date:
    today = timezone.localdate()
    try:
        year, month = (int(p) for p in raw.split("-"))
        return datetime.date(year, month, 1) if 2000 <= year <= 2100 else today.replace(day=1)
    except ValueError:
        return today.replace(day=1)
