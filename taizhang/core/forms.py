"""Shared form fields: the period field (issue 17: one period picker everywhere a period is chosen)."""

from __future__ import annotations

from typing import Any

from django import forms

from taizhang.core.errors import InvalidInput, StaleObjectError, TaizhangError
from taizhang.core.periods import Period, parse_period
from taizhang.core.widgets import PeriodInputError, PeriodPicker


class PeriodField(forms.Field):
    """A period chosen with the period picker (or given as a SPEC: 2024, 2024H1, 2024Q1-Q3, 2024Q2, 2024-05,
    2024-01-01..2024-06-30). Cleans to the normalised SPEC, or to a `Period` with `as_period=True`; empty → "" /
    None when not required. Errors are Chinese (parse_period's message)."""

    widget = PeriodPicker
    default_error_messages = {"required": "请选择时间段"}

    def __init__(self, *, as_period: bool = False, years: list[int] | None = None, empty_label: str = "不限时间",
                 **kwargs: Any) -> None:
        self.as_period = as_period
        kwargs.setdefault("label", "时间段")
        required = kwargs.get("required", True)
        kwargs.setdefault("widget", PeriodPicker(years=years, allow_empty=not required, empty_label=empty_label))
        super().__init__(**kwargs)

    def prepare_value(self, value: Any) -> Any:
        return value.spec if isinstance(value, Period) else value

    def to_python(self, value: Any) -> Any:
        if isinstance(value, PeriodInputError):
            raise forms.ValidationError(value.message, code="invalid")
        if isinstance(value, Period):
            return value if self.as_period else value.spec
        text = "" if value is None else str(value).strip()
        if not text:
            return None if self.as_period else ""
        try:
            period = parse_period(text)
        except InvalidInput as exc:
            raise forms.ValidationError(exc.message, code="invalid") from exc
        return period if self.as_period else period.spec

    def validate(self, value: Any) -> None:
        if self.required and not value:
            raise forms.ValidationError(self.error_messages["required"], code="required")


DASHES = "---------"


class ChineseBlankChoices:
    """A form mixin: the blank choice Django writes as "---------" (ModelForm choice and foreign-key fields) reads
    请选择 instead. Put it before forms.Form / forms.ModelForm in the bases."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for field in self.fields.values():  # type: ignore[attr-defined]
            if isinstance(field, forms.ModelChoiceField) and field.empty_label == DASHES:
                field.empty_label = "请选择"
            elif isinstance(field, forms.ChoiceField):
                choices = list(field.choices)  # type: ignore[arg-type]
                if any(label == DASHES for _, label in choices):
                    field.choices = [(value, "请选择" if label == DASHES else label) for value, label in choices]


def place_action_errors(form: forms.BaseForm, exc: InvalidInput, *, aliases: dict[str, str] | None = None,
                        with_message: bool = False) -> None:
    """An action's refusal shown in the form that was submitted: each problem beside the field it names (a name the
    form does not have, after `aliases` maps action names to form names, goes above the form), and the action's
    message above the form when no field was named (or always, `with_message=True`)."""
    placed = False
    for field, problems in exc.errors.items():
        name = (aliases or {}).get(field, field)
        for problem in problems:
            form.add_error(name if name in form.fields else None, problem)
            placed = True
    if (not placed or with_message) and exc.message:
        form.add_error(None, exc.message)


class MultipleFileInput(forms.FileInput):
    """A file input that takes several files (a phone's gallery lets one pick many photos at once)."""

    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """Several files (a list); each is checked as FileField checks one. Their types and sizes are checked by the
    action (core.uploads), which refuses them all if one is refused."""

    def __init__(self, *args: Any, attrs: dict[str, Any] | None = None, **kwargs: Any) -> None:
        kwargs.setdefault("widget", MultipleFileInput(attrs=attrs))
        super().__init__(*args, **kwargs)

    def clean(self, data: Any, initial: Any = None) -> Any:
        items = list(data) if isinstance(data, (list, tuple)) else ([data] if data else [])
        if not items:
            return super().clean(None, initial)
        return [super(MultipleFileField, self).clean(item, initial) for item in items]


def refusal_status(form: forms.BaseForm, exc: TaizhangError, *, stale: str) -> int:
    """Any refusal of an action put into the form that was sent, and the status to answer with: 409 with `stale`
    (someone else changed the object first: what was typed is kept, to check and save again), else 400."""
    if isinstance(exc, StaleObjectError):
        form.add_error(None, stale)
        return 409
    if isinstance(exc, InvalidInput):
        place_action_errors(form, exc)
    else:
        form.add_error(None, exc.message)
    return 400


def form_page_status(request: Any) -> int:
    """The status of a form page: a POST that comes back to its own page was refused (by the form's checks or the
    action's) and says so with 400, what was typed in the form again; a GET is 200."""
    return 400 if request.method == "POST" else 200
