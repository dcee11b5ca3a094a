"""Plain Chinese form messages: what to do, by the field, never Django's defaults ("确保该变量包含不超过 13 字符
(目前字符数 5000)。", "选择一个有效的选项： 该选择不在可用的选项中。"). Forms that citizens, volunteers and unit staff
fill in derive from PlainForm (volunteers, votes)."""

from __future__ import annotations

import re
from typing import Any

from django import forms

CHOICE_FIELDS = (forms.ChoiceField, forms.ModelChoiceField)  # MultipleChoiceField and the typed ones derive from these
NUMBER_FIELDS = (forms.DecimalField, forms.FloatField)
# Django's validators' messages, replaced when the field names none of its own; %(…)s are the validators' params
VALIDATOR_MESSAGES = {
    "max_length": "最多填写 %(limit_value)d 个字（现有 %(show_value)d 个）",
    "min_length": "至少填写 %(limit_value)d 个字（现有 %(show_value)d 个）",
    "min_value": "不能小于 %(limit_value)s",
    "max_value": "不能大于 %(limit_value)s",
    "max_digits": "数字太长：最多 %(max)s 位",
    "max_decimal_places": "最多保留 %(max)s 位小数",
    "max_whole_digits": "整数部分最多 %(max)s 位",
    "step_size": "应为 %(limit_value)s 的整数倍",
}


def _defaults(field: forms.Field) -> dict[str, Any]:
    messages: dict[str, Any] = {}
    for cls in reversed(type(field).__mro__):
        messages.update(getattr(cls, "default_error_messages", {}))
    return messages


def _name(field: forms.Field) -> str:
    """The label without an explanation after "：" or a trailing remark in brackets: "时长（小时）" → "时长"."""
    return re.sub(r"（[^（）]*）$", "", str(field.label or "").split("：")[0]).strip() or "此项"


def plain_messages(field: forms.Field) -> dict[str, str]:
    """Clear Chinese messages for a field, by Django's error codes."""
    name = _name(field)
    if isinstance(field, forms.FileField):
        return {"required": f"请选择{name}", "missing": f"请选择{name}", "invalid": "请重新选择文件",
                "empty": "文件是空的，请重新选择", "max_length": "文件名最多 %(max)d 个字",
                "contradiction": "请选择文件或勾选清除，不要同时选"}
    out = dict(VALIDATOR_MESSAGES)
    if isinstance(field, forms.BooleanField):
        out["required"] = f"请勾选“{name}”"
    elif isinstance(field, CHOICE_FIELDS):
        out["required"] = f"请选择{name}"
    else:
        out["required"] = f"请填写{name}"
    out["invalid_choice"] = out["invalid_list"] = out["invalid_pk_value"] = "请从列表中选择"
    if isinstance(field, NUMBER_FIELDS):
        out["invalid"] = "应填写数字"
    elif isinstance(field, forms.IntegerField):
        out["invalid"] = "应填写整数"
    elif isinstance(field, forms.DateTimeField):
        out["invalid"] = "应填写日期和时间，如 2025-05-01 09:00"
    elif isinstance(field, forms.DateField):
        out["invalid"] = "应填写日期，如 2025-05-01"
    elif isinstance(field, forms.TimeField):
        out["invalid"] = "应填写时间，如 09:00"
    return out


def use_plain_messages(form: forms.BaseForm) -> None:
    """Put plain_messages on every field of `form` whose message is still Django's (a field's own error_messages
    are kept)."""
    for field in form.fields.values():
        defaults = _defaults(field)
        for code, message in plain_messages(field).items():
            current = field.error_messages.get(code)
            if current is None or current is defaults.get(code):
                field.error_messages[code] = message


class PlainForm(forms.Form):
    """A form whose messages are plain_messages (applied when it is checked, so fields added in a subclass's
    __init__ get them too)."""

    def full_clean(self) -> None:
        use_plain_messages(self)
        super().full_clean()
