"""Forms of the case pages: filters, dispatch and one small form per action."""

from __future__ import annotations

from typing import Any

from django import forms

from taizhang.cases.actions import MAX_FILES
from taizhang.cases.models import Case, EscalationRule
from taizhang.cases.registry import kind_choices
from taizhang.core.forms import ChineseBlankChoices, MultipleFileField
from taizhang.org.fields import UnitChoiceField
from taizhang.org.models import Unit

DATE = forms.DateInput(attrs={"type": "date"})


def _units(user: Any, cap: str) -> Any:
    from taizhang.org.scoping import unit_ids_for

    return Unit.objects.filter(pk__in=unit_ids_for(user, cap), is_active=True).order_by("path")


class CaseFilterForm(forms.Form):
    show = forms.ChoiceField(label="范围", required=False,
                             choices=[("", "在办工单"), ("all", "全部工单（含已办结、已撤销）")])
    state = forms.ChoiceField(label="状态", required=False, choices=[("", "全部状态"), *Case.State.choices])
    kind = forms.ChoiceField(label="类型", required=False)
    unit = UnitChoiceField(label="单位", required=False, empty_label="全部单位", to_field_name="code")
    overdue = forms.BooleanField(label="只看逾期", required=False)
    extension = forms.BooleanField(label="只看延期待审批", required=False)
    q = forms.CharField(label="关键词", required=False, max_length=50)

    def __init__(self, *args: Any, user: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["kind"].choices = [("", "全部类型"), *kind_choices()]  # type: ignore[attr-defined]
        self.fields["unit"].queryset = _units(user, "view")  # type: ignore[attr-defined]


class DispatchForm(forms.Form):
    kind = forms.ChoiceField(label="类型")
    unit = UnitChoiceField(label="责任单位")
    title = forms.CharField(label="标题", max_length=200)
    description = forms.CharField(label="内容", required=False, widget=forms.Textarea(attrs={"rows": 4}))
    deadline = forms.DateField(label="办理期限", required=False, widget=DATE,
                               help_text="留空则按该类工单的办理时限以工作日计算")

    def __init__(self, *args: Any, user: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["kind"].choices = kind_choices()  # type: ignore[attr-defined]
        self.fields["unit"].queryset = _units(user, "manage_work")  # type: ignore[attr-defined]


class ReasonForm(forms.Form):
    reason = forms.CharField(label="理由", required=False, widget=forms.Textarea(attrs={"rows": 2}), max_length=2000)


class RequiredReasonForm(forms.Form):
    """退单, 重办, 撤销: the reason is required (the browser refuses an empty one before any confirmation)."""

    reason = forms.CharField(label="理由", widget=forms.Textarea(attrs={"rows": 2}), max_length=2000,
                             error_messages={"required": "请说明理由"})


class HandleForm(forms.Form):
    reply = forms.CharField(label="办理情况", widget=forms.Textarea(attrs={"rows": 3}), max_length=5000,
                            error_messages={"required": "请填写办理情况"})
    public_reply = forms.CharField(label="公开答复", required=False, widget=forms.Textarea(attrs={"rows": 2}),
                                   max_length=5000)
    evidence = MultipleFileField(label="佐证材料（整改后照片、文件，可多选）", required=False,
                                 attrs={"class": "tz-case-file"}, help_text=f"可一次选择多个文件，最多 {MAX_FILES} 个")


class ExtensionForm(forms.Form):
    until = forms.DateField(label="申请延至", widget=DATE, error_messages={"required": "请选择申请延至的日期"})
    reason = forms.CharField(label="理由", widget=forms.Textarea(attrs={"rows": 2}), max_length=2000,
                             error_messages={"required": "请说明理由"})


class ArbitrateForm(forms.Form):
    uphold = forms.TypedChoiceField(
        label="裁定", choices=[("1", "同意退单（改派）"), ("0", "驳回退单（原单位继续办理）")],
        coerce=lambda v: v == "1",
    )
    new_unit = UnitChoiceField(label="改派单位", required=False)
    reason = forms.CharField(label="理由（驳回退单时必填）", required=False, widget=forms.Textarea(attrs={"rows": 2}),
                             max_length=2000)

    def __init__(self, *args: Any, user: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["new_unit"].queryset = _units(user, "manage_work")  # type: ignore[attr-defined]


class RedispatchForm(forms.Form):
    unit = UnitChoiceField(label="责任单位")
    deadline = forms.DateField(label="办理期限", required=False, widget=DATE, help_text="留空则按工作日计算")

    def __init__(self, *args: Any, user: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["unit"].queryset = _units(user, "manage_work")  # type: ignore[attr-defined]


class DecideForm(forms.Form):
    request = forms.IntegerField(widget=forms.HiddenInput)
    approve = forms.TypedChoiceField(label="审批", choices=[("1", "同意"), ("0", "不同意")], coerce=lambda v: v == "1")
    reason = forms.CharField(label="意见（不同意时必填）", required=False, widget=forms.Textarea(attrs={"rows": 2}),
                             max_length=2000)


class VerifyForm(forms.Form):
    passed = forms.TypedChoiceField(label="核查结果", choices=[("1", "通过并办结"), ("0", "未通过，退回重办")],
                                    coerce=lambda v: v == "1")
    reason = forms.CharField(label="意见（未通过时必填）", required=False, widget=forms.Textarea(attrs={"rows": 2}),
                             max_length=2000)


class RateForm(forms.Form):
    rating = forms.ChoiceField(label="评价", choices=Case.Satisfaction.choices)
    comment = forms.CharField(label="意见", required=False, max_length=500)


class RuleForm(ChineseBlankChoices, forms.ModelForm):
    class Meta:
        model = EscalationRule
        fields = ["kind", "after_working_days", "level", "is_active"]
