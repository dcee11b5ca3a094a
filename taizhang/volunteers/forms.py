"""Forms of the volunteers app (staff pages here; the public site's in public_views.py). Every form derives from
PlainForm: the messages say in plain Chinese what to do, by the field, never Django's defaults ("确保该变量包含不超过
13 字符 (目前字符数 5000)。", "选择一个有效的选项： 该选择不在可用的选项中。")."""

from __future__ import annotations

import datetime
import re
from decimal import Decimal
from typing import Any

from django import forms
from django.utils import timezone

from taizhang.core.plain_forms import PlainForm
from taizhang.org.fields import UnitChoiceField
from taizhang.volunteers.models import ServiceOrder, Team

HOURS_RANGE = "时长应在0.1至12小时之间"
DISPUTE_RANGE = "时长应在0至12小时之间"
SHIFT_RE = re.compile(r"^\s*(\d{4}-\d{1,2}-\d{1,2})\s+(\d{1,2}:\d{2})\s*[-—~至]\s*(\d{1,2}:\d{2})\s+(\d+)\s*$")


def parse_shifts(text: str) -> tuple[list[tuple[datetime.datetime, datetime.datetime, int]], list[str]]:
    """Lines "2025-05-01 09:00-12:00 20" → (start, end, capacity); errors name the line."""
    shifts: list[tuple[datetime.datetime, datetime.datetime, int]] = []
    errors: list[str] = []
    for i, line in enumerate((text or "").splitlines(), 1):
        if not line.strip():
            continue
        m = SHIFT_RE.match(line)
        if not m:
            errors.append(f"第{i}行格式不对，应为“2025-05-01 09:00-12:00 20”（日期 开始-结束 人数）。")
            continue
        try:
            day = datetime.date.fromisoformat("-".join(f"{int(p):02d}" for p in m.group(1).split("-")))
            a = datetime.datetime.combine(day, datetime.time.fromisoformat(m.group(2).zfill(5)))
            b = datetime.datetime.combine(day, datetime.time.fromisoformat(m.group(3).zfill(5)))
        except ValueError:
            errors.append(f"第{i}行的日期或时间无效。")
            continue
        shifts.append((timezone.make_aware(a), timezone.make_aware(b), int(m.group(4))))
    if not shifts and not errors:
        errors.append("至少设置一个班次。")
    return shifts, errors


class ActivityForm(PlainForm):
    team = forms.ModelChoiceField(label="组织队伍/阵地", queryset=Team.objects.none(), empty_label="请选择")
    title = forms.CharField(label="活动名称", max_length=120)
    place = forms.CharField(label="活动地点", max_length=120)
    description = forms.CharField(label="活动内容", required=False, widget=forms.Textarea(attrs={"rows": 3}))
    skills = forms.CharField(label="所需技能", max_length=200, required=False)
    shifts = forms.CharField(label="班次", widget=forms.Textarea(attrs={"rows": 3}),
                             help_text="每行一个班次：日期 开始-结束 招募人数，如“2025-05-01 09:00-12:00 20”")
    latitude = forms.DecimalField(label="纬度", required=False, max_digits=9, decimal_places=6)
    longitude = forms.DecimalField(label="经度", required=False, max_digits=9, decimal_places=6)
    geofence_m = forms.IntegerField(label="签到范围（米，可不填）", required=False, min_value=50, max_value=5000)
    auto_approve = forms.BooleanField(label="报名后自动录用（不需逐个审核）", required=False)

    def __init__(self, *args: Any, teams: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["team"].queryset = teams  # type: ignore[attr-defined]

    def clean_shifts(self) -> list[tuple[datetime.datetime, datetime.datetime, int]]:
        shifts, errors = parse_shifts(self.cleaned_data["shifts"])
        if errors:
            raise forms.ValidationError(errors)
        return shifts


class ManualHoursForm(PlainForm):
    number = forms.CharField(label="志愿者编号", max_length=20)
    day = forms.DateField(label="服务日期", widget=forms.DateInput(attrs={"type": "date"}))
    hours = forms.DecimalField(label="时长（小时）", min_value=Decimal("0.1"), max_value=Decimal(12),
                               max_digits=4, decimal_places=2,
                               error_messages={"min_value": HOURS_RANGE, "max_value": HOURS_RANGE})
    content = forms.CharField(label="服务内容", max_length=200)

    def clean_number(self) -> str:
        return str(self.cleaned_data["number"]).strip().upper()


class DisputeResolveForm(PlainForm):
    """处理申诉 on the disputes page: the opinion, and corrected hours when upholding (else the claimed ones)."""

    resolution = forms.CharField(label="处理意见", max_length=2000)
    hours = forms.DecimalField(label="更正后时长（采纳时可填）", required=False, min_value=Decimal(0),
                               max_value=Decimal(12), max_digits=4, decimal_places=2,
                               error_messages={"min_value": DISPUTE_RANGE, "max_value": DISPUTE_RANGE})


class TeamForm(PlainForm):
    name = forms.CharField(label="名称", max_length=100)
    kind = forms.ChoiceField(label="类型", choices=Team.Kind.choices)
    unit = UnitChoiceField(label="所属单位")
    head = forms.CharField(label="负责人", max_length=40, required=False)
    contact = forms.CharField(label="联系电话", max_length=40, required=False)
    description = forms.CharField(label="简介", required=False, widget=forms.Textarea(attrs={"rows": 3}))

    def __init__(self, *args: Any, units: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["unit"].queryset = units  # type: ignore[attr-defined]


class OrderForm(PlainForm):
    station = forms.ModelChoiceField(label="受理阵地", queryset=Team.objects.none(), empty_label="请选择")
    orderer_kind = forms.ChoiceField(label="点单方", choices=ServiceOrder.OrdererKind.choices)
    orderer_name = forms.CharField(label="点单人/社区", max_length=40)
    orderer_phone = forms.CharField(label="联系电话", max_length=11, required=False)
    category = forms.ChoiceField(label="服务类别", choices=ServiceOrder.Category.choices)
    title = forms.CharField(label="服务需求", max_length=120)
    description = forms.CharField(label="需求说明", required=False, widget=forms.Textarea(attrs={"rows": 3}))
    wanted_on = forms.DateField(label="期望日期", required=False, widget=forms.DateInput(attrs={"type": "date"}))

    def __init__(self, *args: Any, stations: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["station"].queryset = stations  # type: ignore[attr-defined]


class CertificateForm(PlainForm):
    number = forms.CharField(label="志愿者编号", max_length=20)
    issuer = forms.ModelChoiceField(label="出具组织", queryset=Team.objects.none(), empty_label="请选择")
    handler = forms.CharField(label="经办人", max_length=40)
    contact = forms.CharField(label="联系方式", max_length=40)
    start = forms.DateField(label="服务起始日期（可不填）", required=False,
                            widget=forms.DateInput(attrs={"type": "date"}))
    end = forms.DateField(label="服务截止日期（可不填）", required=False,
                          widget=forms.DateInput(attrs={"type": "date"}))

    def __init__(self, *args: Any, teams: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["issuer"].queryset = teams  # type: ignore[attr-defined]
