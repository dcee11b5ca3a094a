"""Forms of the reports pages: compose a summary, pick a period, templates, extraction, phrase sections."""

from __future__ import annotations

import json
from typing import Any

from django import forms
from django.db.models import QuerySet
from django.utils import timezone

from taizhang.core.errors import InvalidInput
from taizhang.core.periods import Period, parse_period
from taizhang.org.models import Unit
from taizhang.reports.extract import MAX_DOCUMENT_CHARS

RANGE_CHOICES = [
    ("year", "全年"), ("H1", "上半年"), ("H2", "下半年"), ("Q1-Q3", "前三季度"),
    ("Q1", "第一季度"), ("Q2", "第二季度"), ("Q3", "第三季度"), ("Q4", "第四季度"),
    *[(f"M{m:02d}", f"{m}月") for m in range(1, 13)],
]


def units_for(user: Any, cap: str) -> QuerySet[Unit]:
    return Unit.objects.visible_to(user, cap).filter(is_active=True).order_by("path")


class UnitChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        return f"{'　' * max(0, obj.depth)}{obj.name}"


def _set_units(form: forms.Form, queryset: QuerySet[Unit]) -> None:
    field = form.fields["unit"]
    assert isinstance(field, forms.ModelChoiceField)
    field.queryset = queryset


class PeriodFields(forms.Form):
    """Year + range (全年, 上半年 …) or a SPEC typed by hand (2025-01-01..2025-06-30)."""

    year = forms.TypedChoiceField(label="年度", coerce=int)
    range = forms.ChoiceField(label="时间段", choices=RANGE_CHOICES, initial="year")
    spec = forms.CharField(label="或输入时间段", required=False, max_length=40,
                           help_text="如 2025、2025H1、2025Q1-Q3、2025-05、2025-01-01..2025-06-30；填写后以此为准")

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        this_year = timezone.localdate().year
        years = list(range(this_year, this_year - 6, -1))
        year_field = self.fields["year"]
        assert isinstance(year_field, forms.TypedChoiceField)
        year_field.choices = [(y, f"{y}年") for y in years]
        self.fields["year"].initial = this_year - 1 if timezone.localdate().month < 7 else this_year

    def period(self) -> Period:
        data = self.cleaned_data
        spec = (data.get("spec") or "").strip()
        if not spec:
            year, rng = data["year"], data["range"]
            spec = {"year": str(year)}.get(rng) or (
                f"{year}-{rng[1:]}" if rng.startswith("M") else f"{year}{rng}"
            )
        return parse_period(spec)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if not self.errors:
            try:
                data["period"] = self.period()
            except InvalidInput as exc:
                self.add_error("spec", exc.message)
        return data


class ComposeForm(PeriodFields):
    unit = UnitChoiceField(label="总结范围（单位）", queryset=Unit.objects.none(), empty_label=None)
    title = forms.CharField(label="标题（可不填）", required=False, max_length=200,
                            help_text="不填则按“时间段 + 单位 + 工作总结”生成")
    comparisons = forms.BooleanField(label="写同比（比去年同期增长……）", required=False, initial=True)
    ranks = forms.BooleanField(label="写排名（位居前列、排名第几）", required=False, initial=True)
    highlights = forms.BooleanField(label="写亮点（规模最大的活动、重点稿件、阅读量最高的作品）", required=False,
                                    initial=True)

    field_order = ["unit", "year", "range", "spec", "title", "comparisons", "ranks", "highlights"]

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
    field_order = ["unit", "year", "range", "spec"]

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
    field_order = ["text", "file", "unit", "year", "range", "spec", "min_confidence"]

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
