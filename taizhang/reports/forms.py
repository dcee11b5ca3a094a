"""Forms of the reports pages: compose a summary, pick a period, templates, extraction, phrase sections."""

from __future__ import annotations

import json
from typing import Any

from django import forms
from django.db.models import QuerySet
from django.utils import timezone

from taizhang.core.forms import PeriodField
from taizhang.org.fields import UnitChoiceField
from taizhang.org.models import Unit
from taizhang.reports.extract import MAX_DOCUMENT_CHARS


def units_for(user: Any, cap: str) -> QuerySet[Unit]:
    return Unit.objects.visible_to(user, cap).filter(is_active=True).order_by("path")


def _set_units(form: forms.Form, queryset: QuerySet[Unit]) -> None:
    field = form.fields["unit"]
    assert isinstance(field, forms.ModelChoiceField)
    field.queryset = queryset


class PeriodFields(forms.Form):
    """The period picker (core.forms.PeriodField): cleaned_data["period"] is a Period."""

    period = PeriodField(label="时间段", as_period=True)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        today = timezone.localdate()
        self.fields["period"].initial = str(today.year - 1 if today.month < 7 else today.year)


class ComposeForm(PeriodFields):
    unit = UnitChoiceField(label="总结范围（单位）", queryset=Unit.objects.none(), empty_label=None)
    title = forms.CharField(label="标题（可不填）", required=False, max_length=200,
                            help_text="不填则按“时间段 + 单位 + 工作总结”生成")
    comparisons = forms.BooleanField(label="写同比（比去年同期增长……）", required=False, initial=True)
    ranks = forms.BooleanField(label="写排名（位居前列、排名第几）", required=False, initial=True)
    highlights = forms.BooleanField(label="写亮点（规模最大的活动、重点稿件、阅读量最高的作品）", required=False,
                                    initial=True)

    field_order = ["unit", "period", "title", "comparisons", "ranks", "highlights"]

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        from taizhang.org.roles import Cap

        _set_units(self, units_for(user, Cap.MANAGE_WORK))


class TemplateForm(forms.Form):
    name = forms.CharField(label="模板名称", max_length=100)
    text = forms.CharField(label="粘贴模板文本", required=False, widget=forms.Textarea(attrs={"rows": 12}),
                           max_length=MAX_DOCUMENT_CHARS,
                           help_text="往年总结（含真实数字）或网上下载的范文（数字处为 X、*、xx、== 或空白）")
    file = forms.FileField(label="或上传文件（.txt / .docx）", required=False)


class FillForm(PeriodFields):
    unit = UnitChoiceField(label="填写范围（单位）", queryset=Unit.objects.none(), empty_label=None)
    field_order = ["unit", "period"]

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        from taizhang.org.roles import Cap

        _set_units(self, units_for(user, Cap.VIEW))


class ExtractForm(PeriodFields):
    text = forms.CharField(label="粘贴工作总结", required=False, widget=forms.Textarea(attrs={"rows": 10}),
                           max_length=MAX_DOCUMENT_CHARS)
    file = forms.FileField(label="或上传文件（.txt / .docx）", required=False)
    unit = UnitChoiceField(label="记录所属单位", queryset=Unit.objects.none(), empty_label=None, required=False)
    min_confidence = forms.DecimalField(label="对应指标所需的最低把握", initial=0.6, min_value=0, max_value=1,
                                        decimal_places=2)
    field_order = ["text", "file", "unit", "period", "min_confidence"]

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        from taizhang.org.roles import Cap

        _set_units(self, units_for(user, Cap.EDIT_RECORDS))


class CheckUploadForm(forms.Form):
    file = forms.FileField(label="Word 文档（.docx）")


class PhraseSectionForm(forms.Form):
    value = forms.CharField(label="内容（JSON）", widget=forms.Textarea(attrs={"rows": 24, "spellcheck": "false"}))
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    def clean_value(self) -> Any:
        raw = self.cleaned_data["value"]
        try:
            return json.loads(raw)
        except json.JSONDecodeError as exc:
            raise forms.ValidationError(f"JSON 格式有误：第 {exc.lineno} 行第 {exc.colno} 列，{exc.msg}") from exc
