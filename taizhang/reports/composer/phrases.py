"""The phrase library: the words of a summary are data, not code.

Two sources, both editable by staff:
- each line of work's ``phrases``, ``problem_phrases`` and ``plan_phrases`` (ledger.LineOfWork, from the shipped
  taxonomy), e.g. "全年开展各类宣讲活动{lecture_events}，受众{lecture_audience}。";
- ``reports/defaults/phrases.json``: titles, the opening, section headings, how lines are grouped into sections, a
  fallback clause per metric, the wording of comparisons, ranks, highlights and problems. A staff edit of one
  top-level section is stored in ``PhraseSection`` and replaces the shipped section.

A template is text with ``{name}`` placeholders. :func:`fill` turns it into runs: a placeholder becomes a Figure
(a number with its source) or plain words (a unit name, a period). Python only supplies glue.
"""

from __future__ import annotations

import copy
import json
import re
from collections.abc import Iterable, Mapping
from functools import lru_cache
from pathlib import Path
from typing import Any

from taizhang.reports.document import Figure, Run

DEFAULTS_PATH = Path(__file__).resolve().parent.parent / "defaults" / "phrases.json"
PLACEHOLDER_RE = re.compile(r"\{([A-Za-z_][A-Za-z0-9_]*)\}")

Value = Run | list[Run]


@lru_cache(maxsize=1)
def default_library() -> dict[str, Any]:
    data: dict[str, Any] = json.loads(DEFAULTS_PATH.read_text(encoding="utf-8"))
    return data


def load_library(*, use_db: bool = True) -> dict[str, Any]:
    """The shipped library with staff edits (PhraseSection rows) applied section by section."""
    data = copy.deepcopy(default_library())
    if use_db:
        from taizhang.reports.models import PhraseSection

        for key, value in PhraseSection.objects.values_list("key", "value"):
            if key in data and isinstance(value, type(data[key])):
                data[key] = value
    return data


def placeholders(template: str) -> list[str]:
    return PLACEHOLDER_RE.findall(template)


def fill(template: str, values: Mapping[str, Value]) -> list[Run] | None:
    """The template as runs, each placeholder replaced by its value (a string, a Figure or a list of runs).

    None when a placeholder has no value: a sentence is written whole or not at all."""
    runs: list[Run] = []
    pos = 0
    for match in PLACEHOLDER_RE.finditer(template):
        name = match.group(1)
        if name not in values:
            return None
        runs.append(template[pos : match.start()])
        value = values[name]
        if isinstance(value, list):
            runs.extend(value)
        else:
            runs.append(value)
        pos = match.end()
    runs.append(template[pos:])
    return merge(runs)


def merge(runs: Iterable[Run]) -> list[Run]:
    """Adjacent strings joined, empty strings dropped."""
    out: list[Run] = []
    for run in runs:
        if isinstance(run, Figure):
            out.append(run)
        elif run:
            if out and isinstance(out[-1], str):
                out[-1] += run
            else:
                out.append(run)
    return out


def text_of(runs: Iterable[Run]) -> str:
    return "".join(r.text if isinstance(r, Figure) else r for r in runs)


def strip_end(runs: list[Run], chars: str = "。；;，,") -> list[Run]:
    """Runs without trailing punctuation in the last string run."""
    out = list(runs)
    while out and isinstance(out[-1], str):
        stripped = out[-1].rstrip(chars)
        if stripped:
            out[-1] = stripped
            break
        out.pop()
    return out


def literal_numbers(template: str) -> list[str]:
    """Numbers written into a template's own words (not placeholders): a summary may not contain them, since they
    have no source. Years, dates, ordinals and fixed wording such as 24小时 are not numbers."""
    from taizhang.reports.editing import unsourced_numbers

    words = PLACEHOLDER_RE.sub("，", template)
    return [words[s:e] for s, e in unsourced_numbers(words)]


def validate_section(key: str, value: Any) -> list[str]:
    """Problems with a staff edit of one library section (empty when it is fine)."""
    default = default_library()
    if key not in default:
        return [f"未知的句式分类“{key}”"]
    if not isinstance(value, type(default[key])):
        kind = {dict: "对象（{…}）", list: "列表（[…]）", str: "文本", int: "整数"}.get(type(default[key]), "原有类型")
        return [f"“{key}”应为{kind}"]
    errors: list[str] = []
    for text in _strings(value):
        if text.count("{") != text.count("}"):
            errors.append(f"花括号不成对：{text[:40]}")
        numbers = [] if re.fullmatch(r"[0-9.]+", text) else literal_numbers(text)  # "5": a threshold setting
        if numbers:
            errors.append(f"句式中不能直接写数字（数字须来自台账）：{'、'.join(numbers)}（{text[:30]}）")
    if key == "concept_prefer" and value not in ("computed", "reported"):
        errors.append("“concept_prefer”应为 computed（系统计算）或 reported（台账填报）")
    if key == "part_of" and isinstance(value, dict):
        errors.extend(_part_of_errors(value))
    if key == "metrics" and isinstance(value, dict):
        for metric_key, text in value.items():
            if isinstance(text, str) and "{" + metric_key + "}" not in text:
                errors.append(f"指标“{metric_key}”的句式须包含占位符 {{{metric_key}}}")
    return errors


def _part_of_errors(value: dict[str, Any]) -> list[str]:
    """``part_of`` maps a part's metric key to its total's: strings, never itself, never round in a circle."""
    errors = [f"“{k}”所属的总数指标应为指标标识（文本）" for k, v in value.items() if not isinstance(v, str) or not v]
    errors += [f"“{k}”不能是它自己的一部分" for k, v in value.items() if k == v]
    relations = {str(k): v for k, v in value.items() if isinstance(v, str) and v and k != v}
    for start in relations:
        seen, current = {start}, relations.get(start)
        while current is not None and current not in seen:
            seen.add(current)
            current = relations.get(current)
        if current == start:
            errors.append(f"“{start}”的部分与总数关系首尾相连（部分不能包含其总数）")
    return errors


def _strings(value: Any) -> Iterable[str]:
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for item in value.values():
            yield from _strings(item)
    elif isinstance(value, list):
        for item in value:
            yield from _strings(item)
