"""Offline analysis: run the whole pipeline over a list of items or a JSONL file, without a database or Django.

Input JSONL, one object per line::

    {"id": "a1", "title": "…", "text": "…", "url": "https://…", "published_at": "2024-05-01T10:00:00+08:00",
     "source": "某某日报", "source_level": "municipal"}

Only ``title`` or ``text`` is required; ``id`` defaults to ``L<line number>``; ``published_at`` is ISO 8601 (a time
without a zone is China Standard Time) or seconds since the epoch. Every line is checked before anything is
analysed; errors name the line.

Output per item, exactly::

    {"id", "sentiment": P(positive) rounded to 4 places, "label": "pos"|"neg"|"neu",
     "duplicate_of": id of the original | null, "incident": incident label | null, "matches": [watch-list keys]}

and a summary ``{"incidents": [{"label", "items", "first_seen", "last_seen", "negative_share", "grade",
"key_terms", "burst", "headline"}], "items": n, "duplicates": n}``. Incidents with fewer than ``incident_min_items``
items (default 2) are not reported and their items show ``"incident": null``. Labels are the top three key terms
joined by "·", numbered "（2）"… when two incidents would share one; ``headline`` is a readable name from the most
representative post, with the place (pipeline/headline.py), shown in the table.

Watch lists: none by default, so every item is clustered; ``--watchlists FILE`` reads a JSON array of
``{"key", "name", "expression"}`` and then only items that match one are clustered (``incident_scope="auto"``).

Items are processed in order of publication time (items without one last), so the first-published copy is the
original; the output keeps the input order.
"""

from __future__ import annotations

import argparse
import json
import sys
import unicodedata
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from .base import CHINA_TZ, Context, Item, Pipeline, PipelineConfig, from_timestamp
from .incidents import Incident
from .watchlist import WatchList, load_watchlists

LABEL_NAMES = {"pos": "正面", "neg": "负面", "neu": "中性"}


class InputError(ValueError):
    """Input that cannot be analysed; ``errors`` lists every problem found, by line."""

    def __init__(self, errors: list[str]) -> None:
        self.errors = errors
        shown = errors[:20]
        more = f"\n……另有 {len(errors) - 20} 处错误" if len(errors) > 20 else ""
        super().__init__("\n".join(shown) + more)


def parse_time(value: Any) -> datetime | None:
    if value is None or value == "":
        return None
    if isinstance(value, bool):
        raise ValueError("时间格式无效")
    if isinstance(value, int | float):
        return datetime.fromtimestamp(float(value), UTC)
    if isinstance(value, str):
        dt = datetime.fromisoformat(value.strip())
        return dt if dt.tzinfo is not None else dt.replace(tzinfo=CHINA_TZ)
    raise ValueError("时间格式无效")


def item_from_dict(data: dict[str, Any], default_id: str) -> Item:
    """An :class:`Item` from one input object; raises ValueError with a Chinese message."""
    if not isinstance(data, dict):
        raise ValueError("应为 JSON 对象")
    title = data.get("title") or ""
    text = data.get("text") or ""
    if not isinstance(title, str) or not isinstance(text, str):
        raise ValueError("title 和 text 应为字符串")
    if not title.strip() and not text.strip():
        raise ValueError("标题（title）和正文（text）都为空")
    raw_id = data.get("id")
    item_id = default_id if raw_id is None or raw_id == "" else str(raw_id)
    try:
        published = parse_time(data.get("published_at"))
    except (ValueError, OverflowError, OSError) as exc:
        example = "2024-05-01T10:00:00+08:00"
        raise ValueError(
            f"发布时间 published_at 无法识别：{data.get('published_at')!r}（应为 ISO 8601，如 {example}）"
        ) from exc
    level = data.get("source_level")
    return Item(
        id=item_id,
        url=str(data.get("url") or ""),
        title=title,
        text=text,
        published_at=published,
        source=str(data.get("source") or ""),
        source_level=str(level) if level else None,
    )


@dataclass
class AnalysisResult:
    items: list[Item]  # input order
    context: Context
    incidents: list[Incident]  # reported ones, largest first
    labels: dict[str, str]  # incident id → unique label, for reported incidents

    def item_dict(self, item: Item) -> dict[str, Any]:
        return {
            "id": item.id,
            "sentiment": None if item.sentiment is None else round(item.sentiment, 4),
            "label": item.label,
            "duplicate_of": item.duplicate_of,
            "incident": self.labels.get(item.incident) if item.incident is not None else None,
            "matches": list(item.matches),
        }

    def item_dicts(self) -> Iterator[dict[str, Any]]:
        return (self.item_dict(item) for item in self.items)

    def incident_dict(self, inc: Incident) -> dict[str, Any]:
        return {
            "label": self.labels[inc.id],
            "headline": inc.headline(),
            "items": inc.size,
            "first_seen": from_timestamp(inc.first_seen).isoformat(),
            "last_seen": from_timestamp(inc.last_seen).isoformat(),
            "negative_share": round(inc.negative_share, 4),
            "grade": inc.grade,
            "key_terms": inc.key_terms(5),
            "burst": inc.burst,
        }

    def summary(self) -> dict[str, Any]:
        return {
            "incidents": [self.incident_dict(inc) for inc in self.incidents],
            "items": len(self.items),
            "duplicates": sum(1 for item in self.items if item.duplicate_of is not None),
        }


def _coerce(items: Iterable[Item | dict[str, Any]]) -> list[Item]:
    out: list[Item] = []
    errors: list[str] = []
    for n, obj in enumerate(items, 1):
        if isinstance(obj, Item):
            out.append(obj)
            continue
        try:
            out.append(item_from_dict(obj, f"L{n}"))
        except ValueError as exc:
            errors.append(f"第 {n} 条：{exc}")
    seen: set[str] = set()
    for item in out:
        if item.id in seen:
            errors.append(f"编号 {item.id} 重复")
        seen.add(item.id)
    if errors:
        raise InputError(errors)
    return out


def analyze_items(
    items: Iterable[Item | dict[str, Any]],
    watchlists: Sequence[WatchList] | None = None,
    config: PipelineConfig | None = None,
    *,
    sentiment_model: Any = None,
) -> AnalysisResult:
    """Run the full pipeline over ``items`` (Items or input dicts) and collect the per-item and incident results."""
    listed = _coerce(items)
    cfg = config or PipelineConfig()
    ctx = Context(cfg, watchlists=watchlists, sentiment_model=sentiment_model)
    pipeline = Pipeline(ctx=ctx)
    inf = float("inf")
    order = sorted(range(len(listed)), key=lambda i: (listed[i].published_at is None, _ts(listed[i]) or inf, i))
    pipeline.process(listed[i] for i in order)
    created = list(ctx.incidents.incidents.values())
    for inc in created:
        ctx.grader.grade_incident(inc)
    ranked = sorted((n, inc) for n, inc in enumerate(created) if inc.size >= cfg.incident_min_items)
    reported = [inc for _, inc in sorted(ranked, key=lambda p: (-p[1].size, p[1].first_seen, p[0]))]
    labels: dict[str, str] = {}
    used: dict[str, int] = {}
    for inc in reported:
        base = inc.label(3)
        used[base] = used.get(base, 0) + 1
        labels[inc.id] = base if used[base] == 1 else f"{base}（{used[base]}）"
    return AnalysisResult(items=listed, context=ctx, incidents=reported, labels=labels)


def _ts(item: Item) -> float | None:
    return item.published_at.timestamp() if item.published_at is not None else None


def read_jsonl(path: str | Path) -> list[Item]:
    """Items of a JSONL file, all lines checked first; raises :class:`InputError` listing bad lines."""
    items: list[Item] = []
    errors: list[str] = []
    with open(path, encoding="utf-8-sig") as fh:
        for lineno, line in enumerate(fh, 1):
            if not line.strip():
                continue
            try:
                data = json.loads(line)
            except json.JSONDecodeError as exc:
                errors.append(f"第 {lineno} 行：不是有效的 JSON（第 {exc.colno} 列：{exc.msg}）")
                continue
            try:
                items.append(item_from_dict(data, f"L{lineno}"))
            except ValueError as exc:
                errors.append(f"第 {lineno} 行：{exc}")
    if errors:
        raise InputError(errors)
    return items


def read_watchlists(path: str | Path) -> list[WatchList]:
    with open(path, encoding="utf-8-sig") as fh:
        try:
            data = json.load(fh)
        except json.JSONDecodeError as exc:
            raise ValueError(f"监测方案文件 {path} 不是有效的 JSON：第 {exc.lineno} 行第 {exc.colno} 列") from exc
    return load_watchlists(data)


class JsonlAnalysis:
    """Iterate for the per-item dicts (input order); ``summary`` holds the incident summary."""

    def __init__(self, result: AnalysisResult) -> None:
        self.result = result
        self.summary = result.summary()

    def __iter__(self) -> Iterator[dict[str, Any]]:
        return self.result.item_dicts()


def analyze_jsonl(
    path: str | Path,
    watchlists: Sequence[WatchList] | None = None,
    config: PipelineConfig | None = None,
    *,
    sentiment_model: Any = None,
) -> JsonlAnalysis:
    """Analyse a JSONL file: iterate the result for per-item dicts; ``.summary`` for the incidents."""
    return JsonlAnalysis(analyze_items(read_jsonl(path), watchlists, config, sentiment_model=sentiment_model))


# --- command line -------------------------------------------------------------------------------------------------
def _width(s: str) -> int:
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in s)


def _cell(s: str, width: int) -> str:
    if _width(s) > width:
        out, w = "", 0
        for ch in s:
            cw = 2 if unicodedata.east_asian_width(ch) in "WF" else 1
            if w + cw > width - 1:
                break
            out, w = out + ch, w + cw
        s = out + "…"
    return s + " " * (width - _width(s))


def _table(headers: list[str], rows: list[list[str]], max_width: int = 40) -> str:
    widths = [min(max_width, max([_width(h)] + [_width(r[i]) for r in rows])) for i, h in enumerate(headers)]
    lines = ["  ".join(_cell(h, w) for h, w in zip(headers, widths, strict=True)).rstrip()]
    lines.append("  ".join("-" * w for w in widths))
    lines += ["  ".join(_cell(c, w) for c, w in zip(r, widths, strict=True)).rstrip() for r in rows]
    return "\n".join(lines)


def format_table(result: AnalysisResult) -> str:
    grade_names = result.context.grader.names
    item_rows = []
    for d in result.item_dicts():
        item_rows.append(
            [
                d["id"],
                "" if d["sentiment"] is None else f"{d['sentiment']:.4f}",
                LABEL_NAMES.get(d["label"] or "", d["label"] or ""),
                d["duplicate_of"] or "",
                d["incident"] or "",
                "、".join(d["matches"]),
            ]
        )
    summary = result.summary()
    inc_rows = []
    for n, inc in enumerate(summary["incidents"], 1):
        inc_rows.append(
            [
                str(n),
                inc["label"],
                inc["headline"],
                str(inc["items"]),
                inc["first_seen"][:16].replace("T", " "),
                inc["last_seen"][:16].replace("T", " "),
                f"{inc['negative_share']:.0%}",
                grade_names.get(inc["grade"], inc["grade"] or ""),
                "、".join(inc["key_terms"]),
                "是" if inc["burst"] else "",
            ]
        )
    parts = [
        "逐条结果",
        _table(["编号", "情感分", "倾向", "重复于", "事件", "命中方案"], item_rows),
        "",
        "舆情事件",
        _table(["序号", "事件", "标题", "条数", "首次出现", "最近出现", "负面占比", "等级", "关键词", "突发"], inc_rows)
        if inc_rows
        else "（无）",
        "",
        f"共 {summary['items']} 条，其中重复 {summary['duplicates']} 条；舆情事件 {len(summary['incidents'])} 个。",
    ]
    return "\n".join(parts)


def main_analyze(argv: list[str] | None = None) -> int:
    """``monitor_analyze FILE.jsonl [--json] [--watchlists FILE]``; returns the exit status."""
    parser = argparse.ArgumentParser(
        prog="monitor_analyze",
        description="离线分析 JSONL 文件中的舆情数据：去重、情感、监测方案命中、事件聚类与分级（不需要数据库）。",
    )
    parser.add_argument(
        "file", metavar="FILE.jsonl", help="每行一个 JSON 对象：id、title、text、url、published_at、source"
    )
    parser.add_argument("--json", action="store_true", help="输出 JSON：每条一行，最后一行是事件汇总")
    parser.add_argument(
        "--watchlists", metavar="FILE", help='监测方案 JSON 文件：[{"key", "name", "expression"}]，不给则不限定'
    )
    args = parser.parse_args(argv)
    out = sys.stdout
    try:
        watchlists = read_watchlists(args.watchlists) if args.watchlists else None
        result = analyze_items(read_jsonl(args.file), watchlists)
    except InputError as exc:
        print(f"输入有误，未作分析：\n{exc}", file=sys.stderr)
        return 2
    except (OSError, ValueError) as exc:
        print(f"无法分析：{exc}", file=sys.stderr)
        return 2
    except ImportError as exc:
        print(f"情感模型不可用：{exc}", file=sys.stderr)
        return 1
    if args.json:
        for d in result.item_dicts():
            out.write(json.dumps(d, ensure_ascii=False) + "\n")
        out.write(json.dumps(result.summary(), ensure_ascii=False) + "\n")
    else:
        out.write(format_table(result) + "\n")
    return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main_analyze())
