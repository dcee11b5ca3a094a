"""Forms of the press pages. Units offered are those where the user may act; actions re-check everything."""

from __future__ import annotations

import datetime
from typing import Any

from django import forms
from django.db.models import QuerySet

from taizhang.core.numbers import refused_ids_notice, split_ids
from taizhang.ledger.forms import UnitChoiceField
from taizhang.ledger.models import Outlet
from taizhang.org.models import Unit
from taizhang.org.roles import Cap
from taizhang.org.scoping import unit_ids_for
from taizhang.press import rules
from taizhang.press.models import PLATFORM_NAMES, AccountFiling, ConferenceMaterial, NewMediaAccount, PointRule

DATE = forms.DateInput(attrs={"type": "date"})


def _yes(value: str) -> bool:
    return value == "1"


def units_for(user: Any, *caps: str) -> QuerySet[Unit]:
    ids: set[int] = set()
    for cap in caps:
        ids |= set(unit_ids_for(user, cap))
    return Unit.objects.filter(pk__in=ids, is_active=True).order_by("path")


class UnitForm(forms.Form):
    unit_caps: tuple[str, ...] = (Cap.EDIT_RECORDS, Cap.MANAGE_WORK)

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["unit"] = UnitChoiceField(units_for(user, *self.unit_caps), label="单位", empty_label="请选择单位")
        self.order_fields(["unit", *[k for k in self.fields if k != "unit"]])


class NewAccountForm(UnitForm):
    platform = forms.ChoiceField(label="平台", choices=[("", "请选择平台"), *PLATFORM_NAMES.items()])
    name = forms.CharField(label="账号名称", max_length=100)
    account_id = forms.CharField(label="账号ID", max_length=100, required=False)
    url = forms.URLField(label="地址", max_length=500, required=False, assume_scheme="https")
    operator = forms.CharField(label="运维人员", max_length=50, required=False)
    reviewer = forms.CharField(label="审核人员", max_length=50, required=False)
    feed_url = forms.URLField(label="公开订阅（RSS）地址", max_length=500, required=False, assume_scheme="https",
                              help_text="有公开订阅地址时，舆情监测跟踪到的最新文章会自动更新账号的最近更新日期")
    reason = forms.CharField(label="开设理由", required=False, widget=forms.Textarea(attrs={"rows": 2}),
                             help_text="同一单位在同一平台已有账号时必填")


class FilingForm(forms.Form):
    kind = forms.ChoiceField(label="备案类型", choices=[(k, v) for k, v in AccountFiling.Kind.choices if k != "open"])
    name = forms.CharField(label="新账号名称", max_length=100, required=False)
    operator = forms.CharField(label="新运维人员", max_length=50, required=False)
    reviewer = forms.CharField(label="新审核人员", max_length=50, required=False)
    url = forms.URLField(label="新地址", max_length=500, required=False, assume_scheme="https")
    feed_url = forms.URLField(label="新公开订阅地址", max_length=500, required=False, assume_scheme="https")
    reason = forms.CharField(label="理由", required=False, widget=forms.Textarea(attrs={"rows": 2}))

    def changes(self) -> dict[str, Any]:
        keys = ("name", "operator", "reviewer", "url", "feed_url")
        return {k: self.cleaned_data[k] for k in keys if self.cleaned_data.get(k)}


class DecideForm(forms.Form):
    approve = forms.TypedChoiceField(label="审核结果", choices=[("1", "通过"), ("0", "退回")], coerce=_yes)
    note = forms.CharField(label="意见", required=False, widget=forms.Textarea(attrs={"rows": 2}))


class CheckForm(forms.Form):
    note = forms.CharField(label="说明", required=False, widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for indicator in rules.INDICATORS:
            if indicator.automatic:
                continue
            label = indicator.name + ("（单项否决）" if indicator.veto else f"（扣 {indicator.deduction} 分）")
            self.fields[f"fail_{indicator.key}"] = forms.BooleanField(label=label, required=False)

    def failed(self) -> list[str]:
        return [k[5:] for k, v in self.cleaned_data.items() if k.startswith("fail_") and v]


class SampleForm(forms.Form):
    month = forms.DateField(label="抽查月份（任选该月一天）", widget=DATE, initial=datetime.date.today)


class StatImportForm(forms.Form):
    file = forms.FileField(label="统计文件（xlsx 或 csv）")


class PostForm(forms.Form):
    title = forms.CharField(label="标题", max_length=200)
    content = forms.CharField(label="内容", widget=forms.Textarea(attrs={"rows": 8}), max_length=50000)

    def __init__(self, *args: Any, accounts: QuerySet[NewMediaAccount] | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if accounts is not None:
            self.fields["account"] = forms.ModelChoiceField(accounts, label="账号", empty_label="请选择账号")
            self.order_fields(["account", "title", "content"])


class PlanForm(UnitForm):
    unit_caps = (Cap.MANAGE_WORK,)
    topic = forms.CharField(label="主题", max_length=200)
    planned_date = forms.DateField(label="计划日期", widget=DATE)
    spokesperson = forms.CharField(label="发布人", max_length=50, required=False)


class ConferenceForm(UnitForm):
    topic = forms.CharField(label="主题", max_length=200)
    date = forms.DateField(label="召开日期", widget=DATE)
    place = forms.CharField(label="地点", max_length=200, required=False)
    speakers = forms.CharField(label="发布人", max_length=300, required=False)
    by_leader = forms.BooleanField(label="主要负责同志出席发布", required=False)


class HeldForm(forms.Form):
    journalists = forms.IntegerField(label="到场记者（人）", min_value=0, max_value=10000)
    outlets_present = forms.CharField(label="到场媒体", max_length=500, required=False)
    speakers = forms.CharField(label="发布人", max_length=300, required=False)
    version = forms.IntegerField(widget=forms.HiddenInput)


class MaterialForm(forms.Form):
    kind = forms.ChoiceField(label="材料类型", choices=ConferenceMaterial.Kind.choices)
    file = forms.FileField(label="文件")


class CoverageForm(forms.Form):
    placements = forms.CharField(label="用稿记录编号", max_length=500, help_text="台账中用稿记录的编号，多个用逗号分隔")

    def clean_placements(self) -> list[int]:
        """The record ids typed (1..2147483647 each); anything else is named back at the field."""
        ids, refused = split_ids(self.cleaned_data["placements"], limit=200)
        if refused:
            raise forms.ValidationError(refused_ids_notice(refused, what="用稿记录编号", ignored=False))
        if not ids:
            raise forms.ValidationError("请填写用稿记录编号，多个用逗号分隔")
        return ids


class SpokespersonForm(UnitForm):
    year = forms.IntegerField(label="年度", min_value=2000, max_value=2100)
    name = forms.CharField(label="姓名", max_length=50)
    position = forms.CharField(label="职务", max_length=100)
    trained = forms.BooleanField(label="已参加发言人培训", required=False)


class CorrespondentForm(UnitForm):
    name = forms.CharField(label="姓名", max_length=50)
    joined_on = forms.DateField(label="加入日期", widget=DATE, required=False)


class SubmissionForm(forms.Form):
    title = forms.CharField(label="稿件标题", max_length=300)
    kind = forms.ChoiceField(label="稿件类型", choices=PointRule.Kind.choices)
    submitted_on = forms.DateField(label="投稿日期", widget=DATE)
    outlet = forms.ModelChoiceField(Outlet.objects.filter(is_active=True), label="投稿媒体", required=False,
                                    empty_label="（未定）")

    def __init__(self, *args: Any, correspondents: QuerySet[Any], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["correspondent"] = forms.ModelChoiceField(correspondents, label="通讯员",
                                                              empty_label="请选择通讯员")
        self.order_fields(["correspondent", "title", "kind", "submitted_on", "outlet"])


class AdoptionForm(forms.Form):
    adopted = forms.TypedChoiceField(label="结果", choices=[("1", "已采用"), ("0", "未采用")], coerce=_yes)
    outlet = forms.ModelChoiceField(Outlet.objects.filter(is_active=True), label="采用媒体", required=False,
                                    empty_label="请选择")
    adopted_on = forms.DateField(label="采用日期", widget=DATE, required=False)
    link = forms.URLField(label="链接", max_length=500, required=False, assume_scheme="https")
    version = forms.IntegerField(widget=forms.HiddenInput)


