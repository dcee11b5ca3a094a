"""Helpers shared by the reports commands (summary, check-report, slots, fill, extract, import-summary)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.contrib.auth import get_user_model

from taizhang.core.errors import InvalidInput
from taizhang.org.models import Unit


def unit_by_code(code: str) -> Unit:
    unit = Unit.objects.filter(code=code).first()
    if unit is None:
        raise InvalidInput(f"单位代码“{code}”不存在（可用 taizhang units 查看全部单位）")
    return unit


def user_by_name(username: str | None) -> Any:
    """The acting user for --user; None (the system) when not given."""
    if not username:
        return None
    user = get_user_model().objects.filter(username=username).first()
    if user is None or not user.is_active:
        raise InvalidInput(f"用户“{username}”不存在或已停用")
    return user


def read_input(path: str) -> str:
    """The text of a .txt or .docx file, with a Chinese error when it cannot be read."""
    from taizhang.reports.extract import read_text

    source = Path(path)
    if not source.is_file():
        raise InvalidInput(f"文件不存在：{path}")
    try:
        return read_text(source)
    except ValueError as exc:
        raise InvalidInput(str(exc)) from exc
    except Exception as exc:  # a corrupt .docx (zip or XML errors)
        raise InvalidInput(f"无法读取文件“{source.name}”：{exc}") from exc


def parse_mappings(items: list[str] | None) -> dict[str, str]:
    """--map 3=lecture_events --map 5= (blank) → {"3": "lecture_events", "5": ""}."""
    out: dict[str, str] = {}
    for item in items or []:
        index, sep, metric = item.partition("=")
        if not sep or not index.strip().isdigit():
            raise InvalidInput(f"--map 格式应为 序号=指标标识（留空表示不填）：{item}")
        out[str(int(index))] = metric.strip()
    return out
