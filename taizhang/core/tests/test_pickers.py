"""The period picker field (issue 17): every SPEC kind round-trips, parts compose, nonsense is refused in Chinese."""

from __future__ import annotations

import re

import pytest
from django import forms
from django.http import QueryDict

from taizhang.core.forms import PeriodField
from taizhang.core.periods import Period
from taizhang.core.widgets import decompose, period_value


class _Form(forms.Form):
    period = PeriodField()


class _Optional(forms.Form):
    period = PeriodField(required=False, as_period=True)


SPECS = ["2024", "2024H1", "2024H2", "2024Q1-Q3", "2024Q2-Q4", "2024Q2", "2024-05", "2024-01-15..2024-03-31"]


@pytest.mark.parametrize("spec", SPECS)
def test_every_spec_round_trips_through_the_parts(spec: str) -> None:
    form = _Form(QueryDict(f"period={spec}"))
    assert form.is_valid(), form.errors
    assert form.cleaned_data["period"] == spec
    parts = decompose(spec)
    no_js = QueryDict(mutable=True)
    for key, value in parts.items():
        no_js[f"period_{key}"] = value
    form = _Form(no_js)  # what a browser without JS sends
    assert form.is_valid(), form.errors
    assert form.cleaned_data["period"] == spec
    html = str(_Form(initial={"period": spec})["period"])
    assert re.search(rf'<option value="{re.escape(parts["kind"])}" selected>', html)


def test_parts_compose_the_spec_without_js() -> None:
    data = QueryDict("period_kind=quarter&period_year=2025&period_q=1&period_q2=3")
    assert period_value(data) == "2025Q1-Q3"
    data = QueryDict("period_kind=month&period_year=2025&period_month=7")
    assert period_value(data) == "2025-07"
    form = _Optional(QueryDict("period_kind=&period_year=2025"))
    assert form.is_valid() and form.cleaned_data["period"] is None
    form = _Optional(QueryDict("period=2024H1"))
    assert form.is_valid() and form.cleaned_data["period"] == Period(
        form.cleaned_data["period"].start, form.cleaned_data["period"].end, "2024H1", "half")


@pytest.mark.parametrize(("query", "message"), [
    ("period=2024H3", "无法识别的时间段"),
    ("period=hello", "无法识别的时间段"),
    ("period=2024-13", "无法识别的时间段"),
    ("period=2024-06-30..2024-01-01", "早于开始日期"),
    ("period_kind=range&period_from=2024-06-30&period_to=2024-01-01", "截止日期不能早于起始日期"),
    ("period_kind=range&period_from=2024-06-30&period_to=", "请同时填写起始日期和截止日期"),
    ("period_kind=quarter&period_year=2024&period_q=3&period_q2=2", "结束季度不能早于开始季度"),
    ("period_kind=month&period_year=abcd&period_month=2", "请选择年度"),
    ("period_kind=year&period_year=2024&period=", None),
    ("", "请选择时间段"),
])
def test_nonsense_is_refused_in_chinese(query: str, message: str | None) -> None:
    form = _Form(QueryDict(query))
    if message is None:
        assert form.is_valid() and form.cleaned_data["period"] == "2024"
        return
    assert not form.is_valid()
    error = str(form.errors["period"][0])
    assert message in error
    assert not re.search(r"[A-Za-z]{5,}", error.replace("hello", "")), error  # no English sentence


def test_picker_renders_without_inline_script_or_style() -> None:
    html = str(_Form()["period"])
    assert "<script" not in html and "style=" not in html
    assert 'name="period_kind"' in html and 'name="period_year"' in html
    assert 'name="period" value="' in html and "disabled" in html  # the hidden SPEC, enabled by pickers.js
    assert "自定义区间" in html and "上半年" in html and "前三季度" in html


@pytest.mark.django_db
def test_model_forms_say_qing_xuan_ze_not_dashes() -> None:
    from taizhang.monitor.forms import ChannelForm, SourceForm

    for form in (SourceForm(), ChannelForm()):
        html = str(form)
        assert "---------" not in html
