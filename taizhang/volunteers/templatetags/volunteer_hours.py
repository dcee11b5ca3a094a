"""`{{ value|hours }}`: service hours in the one format a volunteer sees everywhere (models.format_hours)."""

from __future__ import annotations

from decimal import Decimal

from django import template

from taizhang.volunteers.models import format_hours

register = template.Library()


@register.filter(name="hours")
def hours(value: Decimal | int | float | str | None) -> str:
    return format_hours(value)
