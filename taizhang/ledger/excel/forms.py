"""The upload form of the import page."""

from __future__ import annotations

from typing import Any

from django import forms
from django.core.files.uploadedfile import UploadedFile

from taizhang.ledger.excel.safety import Limits, UnsafeFile, check_size
from taizhang.ledger.models import ActivityType
from taizhang.org.fields import UnitChoiceField
from taizhang.org.models import Unit
from taizhang.org.roles import Cap
from taizhang.org.scoping import root_paths_for


class ImportForm(forms.Form):
    file = forms.FileField(label="Excel 文件（.xlsx）", help_text="请使用本系统下载的导入模板填写。")
    activity_type = forms.ModelChoiceField(
        label="活动类型", queryset=ActivityType.objects.none(), required=False,
        empty_label="按模板自动识别", help_text="使用本系统下载的模板时无需选择。",
    )
    unit = UnitChoiceField(
        label="单位", required=True, empty_label=None,
        help_text="文件中“单位代码”留空的行记入此单位；文件中的单位须为此单位或其下级单位。",
    )
    submit = forms.BooleanField(label="导入并报送", required=False,
                                help_text="勾选后导入的记录直接报送审核；不勾选则保存为草稿。")

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        units = Unit.objects.visible_to(user, Cap.EDIT_RECORDS).filter(is_active=True).order_by("path")
        self.fields["unit"].queryset = units  # type: ignore[attr-defined]
        self.fields["activity_type"].queryset = (  # type: ignore[attr-defined]
            ActivityType.objects.filter(is_active=True).select_related("line")
        )
        self.fields["activity_type"].label_from_instance = (  # type: ignore[attr-defined]
            lambda t: f"{t.line.name} · {t.name}"
        )
        roots = root_paths_for(user, Cap.EDIT_RECORDS)
        if roots and not self.is_bound:
            self.initial.setdefault("unit", units.filter(path=roots[0]).first())

    def clean_file(self) -> UploadedFile:
        upload: UploadedFile = self.cleaned_data["file"]
        name = (upload.name or "").lower()
        if name.endswith((".xls", ".et")):
            raise forms.ValidationError("这是旧版 Excel（.xls）文件，请在 Excel 或 WPS 中另存为 .xlsx 后再上传。")
        if name.endswith((".xlsm", ".xltm")):
            raise forms.ValidationError("不能导入启用宏的工作簿（.xlsm），请另存为普通 .xlsx 文件。")
        if not name.endswith(".xlsx"):
            raise forms.ValidationError("请上传 .xlsx 格式的 Excel 文件。")
        try:
            check_size(upload.size or 0, Limits.default())
        except UnsafeFile as exc:
            raise forms.ValidationError(exc.message) from exc
        return upload
