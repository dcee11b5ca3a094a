"""The document model shared by work summaries, bulletins (通报) and daily briefs.

Pure Python: no Django, no database. A :class:`Document` is a title, a list of blocks (paragraphs and tables), an
issuer (落款) and a date. Any number in the text can be a :class:`Figure`: the text as written ("512场"), its value and
the opaque ``source`` (query and record ids) that produced it, so every number stays traceable.

The writers live in :mod:`taizhang.reports.docwriter`.
"""

from __future__ import annotations

import datetime
import re
import unicodedata
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any, Literal, TypeAlias

FORMAT_VERSION = 1

ParagraphStyle: TypeAlias = Literal[
    "title", "heading1", "heading2", "heading3", "heading4", "body", "signature", "date", "note"
]
PARAGRAPH_STYLES: tuple[str, ...] = (
    "title",
    "heading1",
    "heading2",
    "heading3",
    "heading4",
    "body",
    "signature",
    "date",
    "note",
)

# Figure ids end up in Word bookmark names (tz_<id>, at most 40 characters, letters, digits and "_"), so they are
# kept to ASCII letters and digits, optionally in "_"-separated groups (never "__", which separates repeats).
FIGURE_ID_RE = re.compile(r"^[A-Za-z0-9]+(?:_[A-Za-z0-9]+)*$")
FIGURE_ID_MAX = 32


@dataclass(frozen=True)
class Figure:
    """One number in a document and where it came from.

    ``source`` is carried as is; by convention it holds ``metric``, ``unit``, ``period`` (``start``/``end``),
    ``by``, ``value``, ``records`` (record ids) and ``label``.
    """

    id: str
    text: str
    value: Decimal
    source: dict[str, Any] = field(default_factory=dict, hash=False, compare=True)

    def __post_init__(self) -> None:
        if not FIGURE_ID_RE.match(self.id) or len(self.id) > FIGURE_ID_MAX:
            raise ValueError(f"数据编号不合法：{self.id!r}（只能使用字母、数字和单个下划线，最长 {FIGURE_ID_MAX} 位）")
        if not isinstance(self.value, Decimal):
            object.__setattr__(self, "value", to_decimal(self.value))

    def to_dict(self) -> dict[str, Any]:
        return {"id": self.id, "text": self.text, "value": str(self.value), "source": self.source}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Figure:
        return cls(
            id=str(data["id"]),
            text=str(data["text"]),
            value=to_decimal(data["value"]),
            source=dict(data.get("source") or {}),
        )


Run: TypeAlias = str | Figure
Cell: TypeAlias = str | Figure


@dataclass
class Paragraph:
    """A paragraph in one of :data:`PARAGRAPH_STYLES`.

    ``bold`` overrides the style's weight (used for a bold 1. heading, which GB/T 9704 allows but does not require).
    """

    style: ParagraphStyle
    runs: list[Run] = field(default_factory=list)
    bold: bool | None = None

    def __post_init__(self) -> None:
        if self.style not in PARAGRAPH_STYLES:
            raise ValueError(f"未知的段落样式：{self.style!r}")

    @property
    def text(self) -> str:
        return run_text(self.runs)

    def figures(self) -> Iterator[Figure]:
        return (r for r in self.runs if isinstance(r, Figure))


@dataclass
class Table:
    """A table with an optional caption and header row.

    ``col_widths`` are relative weights (any positive numbers), scaled to the text block width.
    """

    caption: str = ""
    header: list[str] = field(default_factory=list)
    rows: list[list[Cell]] = field(default_factory=list)
    col_widths: list[float] | None = None

    def __post_init__(self) -> None:
        ncols = self.ncols
        for i, row in enumerate(self.rows, 1):
            if len(row) != ncols:
                raise ValueError(f"表格第 {i} 行有 {len(row)} 列，应为 {ncols} 列")
        if self.col_widths is not None and (len(self.col_widths) != ncols or min(self.col_widths, default=1) <= 0):
            raise ValueError("表格列宽数量须与列数一致且均为正数")

    @property
    def ncols(self) -> int:
        return len(self.header) if self.header else (len(self.rows[0]) if self.rows else 0)

    def figures(self) -> Iterator[Figure]:
        return (c for row in self.rows for c in row if isinstance(c, Figure))


Block: TypeAlias = Paragraph | Table


@dataclass
class Document:
    title: str
    blocks: list[Block] = field(default_factory=list)
    issuer: str = ""
    date: datetime.date = field(default_factory=datetime.date.today)
    subtitle: str | None = None
    meta: dict[str, Any] = field(default_factory=dict)

    def figures(self) -> Iterator[Figure]:
        """Each distinct figure once, in order of first appearance.

        Raises ValueError when two different figures share an id.
        """
        seen: dict[str, Figure] = {}
        for block in self.blocks:
            for fig in block.figures():
                known = seen.get(fig.id)
                if known is None:
                    seen[fig.id] = fig
                    yield fig
                elif known != fig:
                    raise ValueError(f"数据编号 {fig.id} 对应了两个不同的数据")

    def figure_map(self) -> dict[str, Figure]:
        return {f.id: f for f in self.figures()}

    def has_signature(self) -> bool:
        """True when the blocks already carry the 落款 (a signature or date paragraph), so none is added."""
        return any(isinstance(b, Paragraph) and b.style in ("signature", "date") for b in self.blocks)

    def source_table(self) -> Table:
        """The 数据来源 table of the appendix: one row per figure with its label, scope, period and record count."""
        rows: list[list[Cell]] = []
        for i, fig in enumerate(self.figures(), 1):
            d = describe_source(fig)
            label = d["label"] + (f"（按{d['by']}）" if d["by"] else "")
            rows.append([str(i), fig, label, d["scope"], d["period"], d["records"] or "—"])
        header = ["序号", "文中数据", "指标", "范围", "期间", "记录数"]
        return Table(header=header, rows=rows, col_widths=[2.6, 5.4, 6.4, 4.6, 7.6, 3.4])

    def plain_text(self) -> str:
        """The text as lines: title, subtitle, paragraphs, tables (cells joined by tabs), issuer and date."""
        lines = [self.title]
        if self.subtitle:
            lines.append(self.subtitle)
        for block in self.blocks:
            if isinstance(block, Paragraph):
                lines.append(block.text)
                continue
            if block.caption:
                lines.append(block.caption)
            if block.header:
                lines.append("\t".join(block.header))
            lines.extend("\t".join(run_text([c]) for c in row) for row in block.rows)
        if self.issuer:
            lines.append(self.issuer)
        lines.append(format_date_cn(self.date))
        return "\n".join(lines)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready dict; figures are listed once under ``figures`` and referenced by id from runs and cells."""

        def ref(item: Run) -> Any:
            return {"figure": item.id} if isinstance(item, Figure) else item

        blocks: list[dict[str, Any]] = []
        for block in self.blocks:
            if isinstance(block, Paragraph):
                data: dict[str, Any] = {"type": "paragraph", "style": block.style, "runs": [ref(r) for r in block.runs]}
                if block.bold is not None:
                    data["bold"] = block.bold
            else:
                data = {
                    "type": "table",
                    "caption": block.caption,
                    "header": list(block.header),
                    "rows": [[ref(c) for c in row] for row in block.rows],
                    "col_widths": block.col_widths,
                }
            blocks.append(data)
        return {
            "version": FORMAT_VERSION,
            "title": self.title,
            "subtitle": self.subtitle,
            "issuer": self.issuer,
            "date": self.date.isoformat(),
            "meta": self.meta,
            "figures": {f.id: f.to_dict() for f in self.figures()},
            "blocks": blocks,
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Document:
        figures = {str(k): Figure.from_dict(v) for k, v in (data.get("figures") or {}).items()}

        def deref(item: Any) -> Run:
            if isinstance(item, Mapping):
                fig = item["figure"]
                return figures[fig] if isinstance(fig, str) else Figure.from_dict(fig)
            return str(item)

        blocks: list[Block] = []
        for b in data.get("blocks") or []:
            if b.get("type") == "table":
                widths = b.get("col_widths")
                blocks.append(
                    Table(
                        caption=str(b.get("caption") or ""),
                        header=[str(h) for h in b.get("header") or []],
                        rows=[[deref(c) for c in row] for row in b.get("rows") or []],
                        col_widths=[float(w) for w in widths] if widths else None,
                    )
                )
            else:
                blocks.append(
                    Paragraph(style=b["style"], runs=[deref(r) for r in b.get("runs") or []], bold=b.get("bold"))
                )
        return cls(
            title=str(data["title"]),
            subtitle=data.get("subtitle"),
            issuer=str(data.get("issuer") or ""),
            date=datetime.date.fromisoformat(data["date"]),
            meta=dict(data.get("meta") or {}),
            blocks=blocks,
        )


def to_decimal(value: Any) -> Decimal:
    if isinstance(value, Decimal):
        return value
    if isinstance(value, float):
        value = repr(value)
    try:
        return Decimal(str(value))
    except InvalidOperation as exc:
        raise ValueError(f"不是有效的数值：{value!r}") from exc


def run_text(runs: list[Run] | list[Cell]) -> str:
    return "".join(r.text if isinstance(r, Figure) else r for r in runs)


def format_date_cn(day: datetime.date) -> str:
    """成文日期 in Arabic numerals, month and day without leading zeros: 2024年1月5日."""
    return f"{day.year}年{day.month}月{day.day}日"


def display_width(text: str) -> float:
    """Width in full-width characters: CJK and full-width punctuation count 1, ASCII digits and letters 0.5."""
    return sum(1.0 if unicodedata.east_asian_width(ch) in "WFA" else 0.5 for ch in text if ch not in "\r\n")


def describe_source(figure: Figure) -> dict[str, str]:
    """Human-readable provenance of a figure: label, scope, period, grouping and record count (all strings)."""
    src = figure.source
    period = src.get("period") or {}
    start, end = _parse_day(period.get("start")), _parse_day(period.get("end"))
    if start and end and start == end:
        period_text = format_date_cn(start)  # one day: 2026年12月7日, not 2026年12月7日至12月7日
    elif start and end:
        tail = format_date_cn(end)
        if end.year == start.year:
            tail = tail[len(f"{end.year}年") :]
        period_text = f"{format_date_cn(start)}至{tail}"
    elif start:
        period_text = f"{format_date_cn(start)}起"
    elif end:
        period_text = f"截至{format_date_cn(end)}"
    else:
        period_text = "不限"
    records = src.get("records")
    scope = src.get("unit_name") or src.get("scope") or src.get("unit") or "全部单位"
    by = src.get("by")
    return {
        "label": str(src.get("label") or src.get("metric") or figure.id),
        "scope": str(scope),
        "period": period_text,
        "by": "" if by in (None, "") else str(by),
        "records": str(len(records)) if isinstance(records, list | tuple) else "",
    }


def source_tooltip(figure: Figure) -> str:
    """One line for a hover title: 来源：宣讲场次；范围：全部单位；期间：…；依据记录 12 条."""
    d = describe_source(figure)
    parts = [f"来源：{d['label']}", f"范围：{d['scope']}", f"期间：{d['period']}"]
    if d["by"]:
        parts.append(f"分组：{d['by']}")
    if d["records"]:
        parts.append(f"依据记录{d['records']}条")
    return "；".join(parts)


def _parse_day(value: Any) -> datetime.date | None:
    if isinstance(value, datetime.date):
        return value
    try:
        return datetime.date.fromisoformat(str(value)) if value else None
    except ValueError:
        return None
