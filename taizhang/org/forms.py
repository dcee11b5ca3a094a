"""Forms of the organisation pages. They only parse input; changes go through org.actions."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib.auth import get_user_model
from django.db.models import QuerySet

from taizhang.core.widgets import tree_label
from taizhang.org.actions import POPULATION_MAX, POPULATION_MESSAGE, SORT_ORDER_MAX, SORT_ORDER_MESSAGE
from taizhang.org.fields import UnitChoiceField
from taizhang.org.models import Unit
from taizhang.org.roles import Role


class TreeUnitChoiceField(UnitChoiceField):
    """The tree-select with each unit's code (the organisation pages name units by code too)."""

    def label_from_instance(self, obj: Unit) -> str:
        return tree_label(f"{obj.name}（{obj.code}）", getattr(obj, "tree_depth", 0))


class UnitForm(forms.Form):
    code = forms.CharField(label="单位代码", max_length=32, help_text="唯一，如统一社会信用代码或内部编号")
    name = forms.CharField(label="单位名称", max_length=100)
    short_name = forms.CharField(label="简称", max_length=32, required=False)
    kind = forms.ChoiceField(label="类型", choices=Unit.Kind.choices)
    parent = TreeUnitChoiceField(label="上级单位", required=False)
    sort_order = forms.IntegerField(label="排序", initial=0, min_value=0, max_value=SORT_ORDER_MAX,
                                    help_text="同级单位按此数字从小到大排列",
                                    error_messages={"min_value": SORT_ORDER_MESSAGE, "max_value": SORT_ORDER_MESSAGE,
                                                    "invalid": SORT_ORDER_MESSAGE})
    population = forms.IntegerField(label="人口", required=False, min_value=0, max_value=POPULATION_MAX,
                                    help_text="用于按人口分解目标，可不填",
                                    error_messages={"min_value": POPULATION_MESSAGE, "max_value": POPULATION_MESSAGE,
                                                    "invalid": POPULATION_MESSAGE})
    is_active = forms.BooleanField(label="启用", required=False, initial=True)
    version = forms.IntegerField(required=False, widget=forms.HiddenInput)

    EDIT_FIELDS = ("code", "name", "short_name", "kind", "sort_order", "population", "is_active")

    def __init__(self, *args: Any, parents: QuerySet[Unit] | None = None, creating: bool = True,
                 **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if creating:
            self.fields["parent"] = TreeUnitChoiceField(
                label="上级单位", queryset=parents if parents is not None else Unit.objects.none(),
                required=Unit.objects.exists(), empty_label="请选择上级单位",
            )
            del self.fields["is_active"]
            del self.fields["version"]
        else:
            del self.fields["parent"]

    def clean_code(self) -> str:
        return str(self.cleaned_data["code"]).strip()


class UnitMoveForm(forms.Form):
    new_parent = TreeUnitChoiceField(label="新的上级单位", queryset=Unit.objects.none(), empty_label="请选择")

    def __init__(self, *args: Any, parents: QuerySet[Unit], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["new_parent"].queryset = parents  # type: ignore[attr-defined]


class UserCreateForm(forms.Form):
    username = forms.RegexField(label="用户名", max_length=150, regex=r"^[\w.@+-]+$",
                                error_messages={"invalid": "用户名只能包含字母、数字和 @ . + - _"},
                                help_text="登录用，建议使用姓名拼音或工号")
    display_name = forms.CharField(label="姓名", max_length=64, required=False)
    email = forms.EmailField(label="电子邮箱", required=False)
    password = forms.CharField(label="初始密码", widget=forms.PasswordInput(render_value=False),
                               help_text="至少 8 位，不能全是数字或常见密码；用户首次登录时须修改")
    password2 = forms.CharField(label="确认密码", widget=forms.PasswordInput(render_value=False))
    unit = TreeUnitChoiceField(label="所属单位", queryset=Unit.objects.none(), required=False,
                               empty_label="暂不分配", help_text="可同时授予一个单位的角色，之后也可以再添加")
    role = forms.ChoiceField(label="角色", choices=[("", "暂不分配"), *Role.choices], required=False)

    def __init__(self, *args: Any, units: QuerySet[Unit], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["unit"].queryset = units  # type: ignore[attr-defined]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("password") and data.get("password2") and data["password"] != data["password2"]:
            self.add_error("password2", "两次输入的密码不一致")
        if bool(data.get("unit")) != bool(data.get("role")):
            self.add_error("role", "授予角色需要同时选择单位和角色")
        return data

    def clean_username(self) -> str:
        name = str(self.cleaned_data["username"]).strip()
        if get_user_model().objects.filter(username__iexact=name).exists():
            raise forms.ValidationError("该用户名已被使用")
        return name


class GrantRoleForm(forms.Form):
    unit = TreeUnitChoiceField(label="单位", queryset=Unit.objects.none(), empty_label="请选择单位")
    role = forms.ChoiceField(label="角色", choices=[("", "请选择角色"), *Role.choices])

    def __init__(self, *args: Any, units: QuerySet[Unit], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["unit"].queryset = units  # type: ignore[attr-defined]
