"""Forms of the public vote (公众端): the ballot and the phone verification. Citizens read their messages, so every
form derives from PlainForm: what to do, in plain Chinese, beside the field — never Django's defaults
("确保该变量包含不超过 13 字符 (目前字符数 5000)。", "选择一个有效的选项： 该选择不在可用的选项中。")."""

from __future__ import annotations

from typing import Any

from django import forms

from taizhang.core.plain_forms import PlainForm
from taizhang.votes.models import Poll

CODE_ATTRS = {"inputmode": "numeric", "autocomplete": "one-time-code"}


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
