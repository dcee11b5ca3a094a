"""Forms of the role-model pages. They only parse input; the actions validate and say what is wrong."""

from __future__ import annotations

import datetime
import re
from typing import Any, cast

from django import forms

from taizhang.org.fields import UnitChoiceField
from taizhang.org.models import Unit
from taizhang.org.roles import Cap
from taizhang.org.scoping import unit_ids_for

from .actions import DATE_FIELDS, DATE_LABELS, correctable_dates
from .models import Campaign, Category, Level, Nomination, Promotion

DATE = {"type": "date"}


def _date(label: str, required: bool = True) -> forms.DateField:
    return forms.DateField(label=label, required=required, widget=forms.DateInput(attrs=DATE),
                           error_messages={"required": f"请填写{label}", "invalid": "日期格式应为 年-月-日"})


class CampaignForm(forms.Form):
    unit = UnitChoiceField(label="主办单位", empty_label=None)
    code = forms.CharField(label="活动代码", max_length=40,
                           help_text="字母、数字、短横线，如 HR-2025；公众投票用同一代码")
    title = forms.CharField(label="活动名称", max_length=120)
    honour_title = forms.CharField(label="授予称号", max_length=60, help_text="如：东城好人")
    level = forms.ChoiceField(label="级别", choices=Level.choices, initial=Level.DISTRICT)
    year = forms.IntegerField(label="年度", min_value=2000, max_value=2100)
    categories = forms.CharField(
        label="类别及名额", widget=forms.Textarea(attrs={"rows": 5}),
        help_text="每行一个类别：类别名 名额，如“助人为乐 3”",
        initial="助人为乐 2\n见义勇为 2\n诚实守信 2\n敬业奉献 2\n孝老爱亲 2")
    public_share = forms.DecimalField(label="公众投票占比（%）", min_value=0, max_value=100, initial=40,
                                      help_text="一般为 40%–70%，开始后不可更改")
    votes_per_day = forms.IntegerField(label="每人每日票数", min_value=1, max_value=10, initial=1)
    per_unit_limit = forms.IntegerField(label="每单位推荐上限", min_value=1, max_value=500, required=False,
                                        help_text="每个推荐单位最多推荐的人数，撤回的不计；留空为不限")
    description = forms.CharField(label="活动说明", required=False, widget=forms.Textarea(attrs={"rows": 3}))

    def __init__(self, *args: Any, user: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for name in DATE_FIELDS:
            self.fields[name] = _date(DATE_LABELS[name])
        ids = unit_ids_for(user, Cap.MANAGE_WORK) if user is not None else frozenset()
        cast(forms.ModelChoiceField, self.fields["unit"]).queryset = Unit.objects.filter(pk__in=list(ids))

    def clean_categories(self) -> list[tuple[str, int]]:
        rows = []
        for line in str(self.cleaned_data["categories"]).splitlines():
            line = line.strip()
            if not line:
                continue
            m = re.match(r"^(.+?)[\s:：,，]+(\d{1,3})$", line)
            if not m:
                raise forms.ValidationError(f"无法识别“{line}”：每行写类别名和名额，如“助人为乐 3”")
            rows.append((m.group(1).strip(), int(m.group(2))))
        return rows

    def dates(self) -> dict[str, datetime.date]:
        return {f: self.cleaned_data[f] for f in DATE_FIELDS}


class CampaignCorrectionForm(forms.Form):
    """Correcting an open campaign: dates of stages already begun are shown but cannot be changed."""

    version = forms.IntegerField(widget=forms.HiddenInput)
    title = forms.CharField(label="活动名称", max_length=120)
    description = forms.CharField(label="活动说明", required=False, widget=forms.Textarea(attrs={"rows": 3}))
    per_unit_limit = forms.IntegerField(label="每单位推荐上限", min_value=1, max_value=500, required=False,
                                        help_text="推荐阶段可更改；留空为不限")
    reason = forms.CharField(label="更正说明", max_length=300, help_text="写明更正的原因，记入操作日志",
                             error_messages={"required": "请填写更正说明"})

    def __init__(self, *args: Any, campaign: Campaign, **kwargs: Any) -> None:
        kwargs.setdefault("initial", {
            "version": campaign.version, "title": campaign.title, "description": campaign.description,
            "per_unit_limit": campaign.per_unit_limit, **{f: getattr(campaign, f) for f in DATE_FIELDS}})
        super().__init__(*args, **kwargs)
        allowed = set(correctable_dates(campaign))
        for name in DATE_FIELDS:
            field = _date(DATE_LABELS[name])
            if name not in allowed:
                field.disabled = True
                field.help_text = "所属阶段已开始，不能更正"
            self.fields[name] = field
        if campaign.stage != "nomination":
            self.fields["per_unit_limit"].disabled = True
            self.fields["per_unit_limit"].help_text = "推荐阶段已结束，不能更改"
        self.order_fields(["title", "description", *DATE_FIELDS, "per_unit_limit", "reason"])

    def dates(self) -> dict[str, datetime.date]:
        return {f: self.cleaned_data[f] for f in DATE_FIELDS if not self.fields[f].disabled}


class NominationForm(forms.Form):
    category = forms.ModelChoiceField(queryset=Category.objects.none(), label="类别", empty_label=None)
    unit = UnitChoiceField(label="推荐单位", empty_label=None)
    kind = forms.ChoiceField(label="推荐方式", choices=Nomination.Kind.choices)
    nominators = forms.CharField(label="推荐人/联名单位", max_length=200, required=False,
                                 help_text="个人自荐填本人；联名推荐填联名单位或联名人")
    name = forms.CharField(label="被推荐人姓名", max_length=40)
    gender = forms.ChoiceField(label="性别", choices=Nomination.Gender.choices)
    id_number = forms.CharField(label="身份证号", max_length=18, help_text="加密保存，仅主办单位工作人员可查看完整号码")
    birth_date = _date("出生日期", required=False)
    initials = forms.CharField(label="姓名拼音首字母", max_length=8, required=False,
                               help_text="未满18周岁必填，公示和典型库只显示首字母，如 ZXM")
    phone = forms.CharField(label="联系电话", max_length=20, help_text="加密保存，页面上默认打码")
    workplace = forms.CharField(label="工作单位/学校/住址", max_length=120)
    deeds = forms.CharField(label="主要事迹", widget=forms.Textarea(attrs={"rows": 8}),
                            help_text="公示时公开，请勿写入他人电话、身份证号")

    def __init__(self, *args: Any, campaign: Campaign, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        cast(forms.ModelChoiceField, self.fields["category"]).queryset = campaign.categories.all()
        ids = set(unit_ids_for(user, Cap.EDIT_RECORDS)) | set(unit_ids_for(user, Cap.MANAGE_WORK))
        cast(forms.ModelChoiceField, self.fields["unit"]).queryset = Unit.objects.filter(pk__in=list(ids))


class PromotionForm(forms.Form):
    kind = forms.ChoiceField(label="形式", choices=Promotion.Kind.choices)
    title = forms.CharField(label="标题", max_length=200)
    outlet = forms.CharField(label="媒体/场所", max_length=100, required=False)
    link = forms.CharField(label="链接", max_length=200, required=False)
    reach = forms.IntegerField(label="阅读/听众人数", min_value=0, required=False)
    happened_on = _date("日期")


class CareVisitForm(forms.Form):
    visited_on = _date("日期")
    kind = forms.ChoiceField(label="形式", choices=[("走访慰问", "走访慰问"), ("关爱帮扶", "关爱帮扶"),
                                                   ("困难救助", "困难救助")])
    visitors = forms.CharField(label="走访人员", max_length=200)
    content = forms.CharField(label="内容", widget=forms.Textarea(attrs={"rows": 3}))
    amount = forms.DecimalField(label="慰问金/物资折价（元）", min_value=0, required=False)


class HonourForm(forms.Form):
    unit = UnitChoiceField(label="所属单位", empty_label=None)
    name = forms.CharField(label="姓名", max_length=40)
    gender = forms.ChoiceField(label="性别", choices=Nomination.Gender.choices)
    id_number = forms.CharField(label="身份证号", max_length=18)
    initials = forms.CharField(label="姓名拼音首字母", max_length=8, required=False, help_text="未满18周岁必填")
    phone = forms.CharField(label="联系电话", max_length=20)
    workplace = forms.CharField(label="工作单位/学校/住址", max_length=120)
    deeds = forms.CharField(label="主要事迹", widget=forms.Textarea(attrs={"rows": 5}))
    title = forms.CharField(label="荣誉称号", max_length=80, help_text="如：浙江好人、市道德模范")
    category = forms.CharField(label="类别", max_length=40, required=False)
    level = forms.ChoiceField(label="级别", choices=Level.choices)
    year = forms.IntegerField(label="年度", min_value=1949, max_value=2100)
    awarded_on = _date("授予日期")

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        ids = unit_ids_for(user, Cap.MANAGE_WORK)
        cast(forms.ModelChoiceField, self.fields["unit"]).queryset = Unit.objects.filter(pk__in=list(ids))
