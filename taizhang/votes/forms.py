"""Forms of the public vote (公众端): the ballot and the phone verification. Citizens read their messages, so every
form derives from PlainForm: what to do, in plain Chinese, beside the field — never Django's defaults
("确保该变量包含不超过 13 字符 (目前字符数 5000)。", "选择一个有效的选项： 该选择不在可用的选项中。")."""

from __future__ import annotations

import re
from typing import Any

from django import forms

from taizhang.votes.models import Poll

CODE_ATTRS = {"inputmode": "numeric", "autocomplete": "one-time-code"}
CHOICE_MESSAGE = "请从列表中选择"


def plain_messages(field: forms.Field) -> dict[str, str]:
    """Clear messages for a field by Django's error codes (params as Django's validators give them)."""
    name = re.sub(r"（[^（）]*）$", "", str(field.label or "")).strip() or "此项"
    choosing = isinstance(field, (forms.ChoiceField, forms.ModelChoiceField))
    return {
        "required": f"请选择{name}" if choosing else f"请填写{name}",
        "max_length": "最多填写 %(limit_value)d 个字（现有 %(show_value)d 个）",
        "min_length": "至少填写 %(limit_value)d 个字（现有 %(show_value)d 个）",
        "invalid_choice": CHOICE_MESSAGE,
        "invalid_list": CHOICE_MESSAGE,
        "invalid_pk_value": CHOICE_MESSAGE,
        "invalid": "应填写整数" if type(field) is forms.IntegerField else "格式不对，请检查",
    }


class PlainForm(forms.Form):
    """A form whose fields say plain_messages wherever they still have Django's (a field's own error_messages
    are kept); applied when the form is checked, so fields added in a subclass's __init__ get them too."""

    def full_clean(self) -> None:
        for field in self.fields.values():
            defaults: dict[str, Any] = {}
            for cls in reversed(type(field).__mro__):
                defaults.update(getattr(cls, "default_error_messages", {}))
            for code, message in plain_messages(field).items():
                current = field.error_messages.get(code)
                if current is None or current is defaults.get(code):
                    field.error_messages[code] = message
        super().full_clean()


class BallotForm(PlainForm):
    """Radio buttons when one choice is allowed, check boxes otherwise; `chosen()` is the list of option ids."""

    def __init__(self, *args: Any, poll: Poll, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        choices = [(str(o.pk), o.label) for o in poll.options.all()]
        messages_ = {"required": "请至少选择一位候选对象。", "invalid_choice": "选项无效，请重新选择。",
                     "invalid_list": "选项无效，请重新选择。"}
        field: forms.Field
        if poll.max_choices == 1:
            field = forms.ChoiceField(label="请选择一位", choices=choices, widget=forms.RadioSelect,
                                      error_messages=messages_)
        else:
            field = forms.MultipleChoiceField(label=f"请选择（最多{poll.max_choices}位）", choices=choices,
                                              widget=forms.CheckboxSelectMultiple, error_messages=messages_)
        self.fields["options"] = field

    def chosen(self) -> list[int]:
        value = self.cleaned_data["options"]
        return [int(v) for v in (value if isinstance(value, list) else [value])]


class VerifyForm(PlainForm):
    phone = forms.CharField(label="手机号码", max_length=13, widget=forms.TextInput(attrs={"inputmode": "tel"}),
                            error_messages={"max_length": "请填写11位手机号码"})
    code = forms.CharField(label="短信验证码", max_length=6, required=False, widget=forms.TextInput(attrs=CODE_ATTRS),
                           error_messages={"max_length": "验证码是6位数字"})
