"""Forms of the civility pages. They only parse input; the actions validate and decide."""

from __future__ import annotations

from typing import Any

from django import forms

from taizhang.civility.models import InspectionRound, Method, SiteType, TitleKind, TitleLevel
from taizhang.core.forms import MultipleFileField
from taizhang.org.fields import UnitChoiceField

DATE = forms.DateInput(attrs={"type": "date"})
TOO_LONG = "最多填写 %(limit_value)d 个字（现有 %(show_value)d 个）"
CHOOSE = "请从列表中选择"
YEAR = "年度应为 2000 至 2100 之间的整数"
STALE_PAGE = "页面已过期，请刷新后重新填写"


def decision(label: str, choices: list[tuple[str, str]], message: str) -> forms.TypedChoiceField:
    """通过/不通过 as radio buttons, True for "1"."""
    return forms.TypedChoiceField(label=label, choices=choices, coerce=lambda v: v == "1", widget=forms.RadioSelect,
                                  error_messages={"required": message, "invalid_choice": CHOOSE})


def opinion(label: str, *, required: bool = False) -> forms.CharField:
    return forms.CharField(label=label, max_length=500, required=required,
                           error_messages={"required": f"请填写{label}", "max_length": TOO_LONG})


def unit_field(units: Any, label: str = "单位") -> UnitChoiceField:
    return UnitChoiceField(queryset=units, label=label)


class SiteForm(forms.Form):
    code = forms.CharField(label="点位编号", max_length=32)
    type = forms.ChoiceField(label="点位类型", choices=SiteType.choices)
    name = forms.CharField(label="点位名称", max_length=120)
    address = forms.CharField(label="地址", max_length=200, required=False)
    latitude = forms.DecimalField(label="纬度", required=False, max_digits=9, decimal_places=6)
    longitude = forms.DecimalField(label="经度", required=False, max_digits=9, decimal_places=6)
    lead_name = forms.CharField(label="点位负责人", max_length=40, required=False)
    lead_phone = forms.CharField(label="负责人电话", max_length=20, required=False)
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args: Any, units: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["unit"] = unit_field(units, "责任单位")


class UploadForm(forms.Form):
    file = forms.FileField(label="Excel 文件（.xlsx）")


class RoundForm(forms.Form):
    name = forms.CharField(label="轮次名称", max_length=120)
    week_start = forms.DateField(label="督查周（任选该周一天）", widget=DATE)
    mode = forms.ChoiceField(label="方式", choices=InspectionRound.Mode.choices)
    site_types = forms.MultipleChoiceField(label="覆盖点位类型", choices=SiteType.choices,
                                           widget=forms.CheckboxSelectMultiple)
    teams = forms.CharField(label="督导组（每行一个组名）", widget=forms.Textarea(attrs={"rows": 3}), required=False)
    notes = forms.CharField(label="说明", widget=forms.Textarea(attrs={"rows": 2}), required=False)


class ProjectForm(forms.Form):
    key = forms.CharField(label="项目编号", max_length=20)
    name = forms.CharField(label="测评项目", max_length=120)


class ContentForm(forms.Form):
    key = forms.CharField(label="内容编号", max_length=20)
    name = forms.CharField(label="测评内容", max_length=200)


class StandardForm(forms.Form):
    code = forms.CharField(label="标准编号", max_length=24)
    text = forms.CharField(label="测评标准", widget=forms.Textarea(attrs={"rows": 3}))
    points = forms.DecimalField(label="分值", max_digits=7, decimal_places=2)
    method = forms.ChoiceField(label="测评方法", choices=Method.choices)
    site_types = forms.MultipleChoiceField(label="适用点位类型（不选为全部）", choices=SiteType.choices,
                                           widget=forms.CheckboxSelectMultiple, required=False)


PHOTOS = {"accept": "image/*"}


class RectifyForm(forms.Form):
    reply = forms.CharField(label="整改情况", widget=forms.Textarea(attrs={"rows": 3}), max_length=2000,
                            error_messages={"max_length": "整改情况不能超过2000个字"})
    before = MultipleFileField(label="整改前照片（可多选）", required=False, attrs=PHOTOS)
    after = MultipleFileField(label="整改后照片（可多选）", attrs=PHOTOS,
                              error_messages={"required": "请上传整改后的照片"})


class ReinspectForm(forms.Form):
    passed = forms.TypedChoiceField(label="复查结果", choices=[("1", "整改到位，销号"), ("0", "未整改到位，退回")],
                                    coerce=lambda v: v == "1", widget=forms.RadioSelect)
    note = forms.CharField(label="复查意见", required=False, widget=forms.Textarea(attrs={"rows": 2}), max_length=2000,
                           error_messages={"max_length": "复查意见不能超过2000个字"})
    photo = MultipleFileField(label="复查照片（可多选）", required=False, attrs=PHOTOS)


class DocumentForm(forms.Form):
    note = forms.CharField(label="说明", max_length=500, required=False)
    file = forms.FileField(label="材料文件")

    def __init__(self, *args: Any, standards: Any, units: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["standard"] = forms.ModelChoiceField(queryset=standards, label="测评标准", empty_label="请选择")
        self.fields["unit"] = unit_field(units, "报送单位")
        self.order_fields(["standard", "unit", "file", "note"])


class FrameworkForm(forms.Form):
    """新建测评体系 on the frameworks page."""

    key = forms.CharField(label="体系标识（字母、数字）", max_length=40,
                          error_messages={"required": "请填写体系标识", "max_length": TOO_LONG})
    name = forms.CharField(label="名称", max_length=120,
                           error_messages={"required": "请填写名称", "max_length": TOO_LONG})


class ReviewForm(forms.Form):
    accept = decision("审核结果", [("1", "通过"), ("0", "退回")], "请选择审核结果")
    reason = opinion("退回理由")
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=0, max_value=2_147_483_647,
                                 error_messages=dict.fromkeys(("required", "invalid", "min_value", "max_value"),
                                                              STALE_PAGE))


class SurveyForm(forms.Form):
    surveyed_on = forms.DateField(label="调查日期", widget=DATE)
    respondents = forms.IntegerField(label="有效样本", min_value=1)
    satisfied = forms.IntegerField(label="满意（知晓）数", min_value=0)

    def __init__(self, *args: Any, standards: Any, units: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["standard"] = forms.ModelChoiceField(queryset=standards, label="测评标准", empty_label="请选择")
        self.fields["unit"] = unit_field(units, "街道（镇）")
        self.order_fields(["standard", "unit", "surveyed_on", "respondents", "satisfied"])


class BulletinForm(forms.Form):
    """Which week or month a bulletin covers, chosen with a date picker (no period codes to type)."""

    kind = forms.ChoiceField(label="类型", choices=[("weekly", "周通报"), ("monthly", "月通报")])
    day = forms.DateField(label="通报期间内的任一天", widget=DATE,
                          help_text="周通报取该日所在的周（周一至周日），月通报取该日所在的月份")

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        day = data.get("day")
        if day is not None:
            if data.get("kind") == "weekly":
                year, week, _ = day.isocalendar()
                data["period"] = f"{year}-W{week:02d}"
            else:
                data["period"] = f"{day.year}-{day.month:02d}"
        return data


class BulletinPhotoForm(forms.Form):
    regions = forms.CharField(label="模糊区域（每行“左,上,宽,高”，单位像素）", required=False,
                              widget=forms.Textarea(attrs={"rows": 3, "class": "js-blur-regions"}))
    caption = forms.CharField(label="图注", max_length=200, required=False)
    checked = forms.BooleanField(label="已检查：图中人脸、车牌均已模糊或不存在", required=False)


class TitleApplicationForm(forms.Form):
    kind = forms.ChoiceField(label="称号类别", choices=TitleKind.choices)
    level = forms.ChoiceField(label="申报级别", choices=TitleLevel.choices)
    applicant = forms.CharField(label="申报对象（单位、村镇、学校名称）", max_length=120, required=False)
    family_name = forms.CharField(label="家庭户主（文明家庭）", max_length=40, required=False)
    year = forms.IntegerField(label="申报年度", min_value=2000, max_value=2100)
    summary = forms.CharField(label="事迹简介", widget=forms.Textarea(attrs={"rows": 3}), required=False)

    def __init__(self, *args: Any, units: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["unit"] = unit_field(units, "申报（推荐）单位")


class DecisionForm(forms.Form):
    approve = decision("审核结果", [("1", "通过"), ("0", "不通过")], "请选择审核结果")
    reason = opinion("意见")


class TitleCheckForm(forms.Form):
    year = forms.IntegerField(label="复查年度", min_value=2000, max_value=2100, error_messages={
        "required": "请填写复查年度", "invalid": YEAR, "min_value": YEAR, "max_value": YEAR})
    passed = decision("结果", [("1", "通过"), ("0", "不通过（撤销称号）")], "请选择复查结果")
    note = opinion("说明")


class RevokeForm(forms.Form):
    reason = forms.CharField(label="撤销原因（严重事件）", max_length=500,
                             error_messages={"required": "请填写撤销原因", "max_length": TOO_LONG})


class PairingForm(forms.Form):
    started_on = forms.DateField(label="结对日期", widget=DATE)
    content = forms.CharField(label="共建内容", max_length=300, required=False)

    def __init__(self, *args: Any, units: Any, partners: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["unit"] = unit_field(units, "共建单位")
        self.fields["partner"] = unit_field(partners, "结对单位")
        self.order_fields(["unit", "partner", "started_on", "content"])
