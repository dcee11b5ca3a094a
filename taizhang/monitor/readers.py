"""Turning what a source delivers into raw items: feeds (feedparser), list pages and articles (stdlib HTMLParser),
file exports (CSV, JSON, JSONL, xlsx).

A raw item is the dict the pipeline's ``item_from_dict`` reads: ``title``, ``text``, ``url``, ``published_at``
(ISO 8601), ``source`` (the outlet or site name as the source gives it), ``source_level``. Author names, account
ids and the like are never kept, whatever the export holds (public content, in aggregate: docs/monitoring.md).
"""

from __future__ import annotations

import calendar
import csv
import io
import json
import re
from collections.abc import Iterable
from datetime import UTC, datetime
from html.parser import HTMLParser
from pathlib import Path
from typing import Any
from urllib.parse import urldefrag, urljoin, urlsplit

from taizhang.monitor.pipeline.analyze import item_from_dict


class ReadError(ValueError):
    """Input that cannot be read; ``errors`` lists the problems (by row for files)."""

    def __init__(self, message: str, errors: list[str] | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.errors = errors or []

    def __str__(self) -> str:
        if not self.errors:
            return self.message
        shown = "；".join(self.errors[:10])
        more = f"……等 {len(self.errors)} 处" if len(self.errors) > 10 else ""
        return f"{self.message}：{shown}{more}"


def is_web_url(url: str) -> bool:
    """An http(s) address with a host, nothing else (the only links an item may carry)."""
    if not url or any(ord(c) < 32 or c == "\x7f" for c in url):
        return False
    try:
        parts = urlsplit(url)
        host = parts.hostname
    except ValueError:
        return False
    return parts.scheme.lower() in ("http", "https") and bool(host)


# --- canonical raw items --------------------------------------------------------------------------------------
def canonical(data: dict[str, Any], default_id: str = "x") -> dict[str, Any]:
    """Validate one raw item (the pipeline's own rules) and return it in the stored form; raises ValueError."""
    item = item_from_dict(data, default_id)
    url = item.url.strip()[:1000]
    return {
        "title": item.title.strip()[:500],
        "text": item.text,
        "url": url if is_web_url(url) else "",  # javascript:, data:, file: … are dropped here, at ingest
        "published_at": item.published_at.isoformat() if item.published_at else None,
        "source": item.source.strip()[:100],
        "source_level": item.source_level,
    }


def canonical_rows(rows: Iterable[tuple[str, dict[str, Any]]]) -> list[dict[str, Any]]:
    """All rows checked first: a :class:`ReadError` lists every bad row (where names the row), else all rows."""
    out: list[dict[str, Any]] = []
    errors: list[str] = []
    for where, data in rows:
        try:
            out.append(canonical(data))
        except ValueError as exc:
            errors.append(f"{where}：{exc}")
    if errors:
        raise ReadError("数据有误，未导入任何一条", errors)
    return out


# --- feeds --------------------------------------------------------------------------------------------------------
def _struct_iso(value: Any) -> str | None:
    if not value:
        return None
    try:
        return datetime.fromtimestamp(calendar.timegm(value), UTC).isoformat()
    except (OverflowError, ValueError, TypeError):
        return None


def parse_feed(body: bytes, base_url: str = "", *, max_items: int = 10_000) -> tuple[str, list[dict[str, Any]]]:
    """(feed title, raw items) of an RSS or Atom document. Raises ReadError for anything that is not a feed."""
    import feedparser

    # A stream, never the bytes themselves: feedparser would try to open bytes as a local file name.
    parsed = feedparser.parse(io.BytesIO(body), response_headers={"content-location": base_url} if base_url else None)
    entries = parsed.get("entries") or []
    version = parsed.get("version") or ""
    if not entries and (parsed.get("bozo") or not version):
        raise ReadError("内容不是有效的 RSS/Atom 订阅")
    feed_title = str(parsed.get("feed", {}).get("title") or "")[:100]
    items: list[dict[str, Any]] = []
    for entry in entries[:max_items]:
        title = str(entry.get("title") or "")
        text = ""
        content = entry.get("content")
        if content:
            text = str(content[0].get("value") or "")
        if not text:
            text = str(entry.get("summary") or entry.get("description") or "")
        if not title.strip() and not text.strip():
            continue
        published = _struct_iso(entry.get("published_parsed") or entry.get("updated_parsed"))
        source = entry.get("source", {}).get("title") if isinstance(entry.get("source"), dict) else None
        items.append(
            {
                "title": title[:500],
                "text": text,
                "url": str(entry.get("link") or "")[:1000],
                "published_at": published,
                "source": str(source or feed_title)[:100],
            }
        )
    return feed_title, items


# --- HTML ---------------------------------------------------------------------------------------------------------
_META_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?([A-Za-z0-9_\-]+)""", re.I)


def decode_html(body: bytes, content_type: str = "") -> str:
    charset = ""
    m = re.search(r"charset=([A-Za-z0-9_\-]+)", content_type or "", re.I)
    if m:
        charset = m.group(1)
    else:
        m2 = _META_CHARSET.search(body[:4096])
        if m2:
            charset = m2.group(1).decode("ascii", "ignore")
    for enc in (charset, "utf-8", "gb18030"):
        if not enc:
            continue
        try:
            return body.decode("gb18030" if enc.lower() in ("gb2312", "gbk") else enc)
        except (LookupError, UnicodeDecodeError):
            continue
    return body.decode("utf-8", "replace")


class _LinkParser(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.links: list[tuple[str, str]] = []
        self._href: str | None = None
        self._text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "a":
            self._href = dict(attrs).get("href") or None
            self._text = []

    def handle_data(self, data: str) -> None:
        if self._href is not None:
            self._text.append(data)

    def handle_endtag(self, tag: str) -> None:
        if tag == "a" and self._href is not None:
            self.links.append((self._href, " ".join("".join(self._text).split())))
            self._href = None


def article_links(html: str, base_url: str, *, pattern: str = "", limit: int = 20) -> list[str]:
    """Article links of a list page, in page order: same site (or matching ``pattern``), no duplicates."""
    parser = _LinkParser()
    parser.feed(html)
    parser.close()
    base_host = (urlsplit(base_url).hostname or "").lower()
    rx = re.compile(pattern) if pattern else None
    seen: set[str] = set()
    out: list[str] = []
    for href, text in parser.links:
        url, _ = urldefrag(urljoin(base_url, href.strip()))
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https") or url in seen or url.rstrip("/") == base_url.rstrip("/"):
            continue
        if rx is not None:
            if not rx.search(url):
                continue
        elif (parts.hostname or "").lower() != base_host or len(text) < 5:
            continue
        seen.add(url)
        out.append(url)
        if len(out) >= limit:
            break
    return out


_CONTAINERS = {"div", "article", "section", "main", "td", "body", "blockquote", "center", "font", "span"}
_SKIP = {"script", "style", "noscript", "nav", "header", "footer", "aside", "form", "select", "textarea", "iframe",
         "svg", "template", "button", "head"}
_BREAKS = {"p", "br", "h2", "h3", "h4", "h5", "h6", "li", "tr", "div"}
_DATE_META = ("article:published_time", "pubdate", "publishdate", "publish_date", "og:release_date", "date",
              "dc.date", "dc.date.issued", "published_time")
_DATE_TEXT = re.compile(r"(20\d\d)[-/年.](\d{1,2})[-/月.](\d{1,2})日?(?:\s*(\d{1,2}):(\d{2})(?::(\d{2}))?)?")


class _ArticleParser(HTMLParser):
    """Collects text per block container; the container with the most non-link text is the article body."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.stack: list[tuple[str, int]] = []
        self.blocks: list[list[str]] = [[]]  # block 0: text outside any container
        self.link_chars: list[int] = [0]
        self.skip = 0
        self.in_a = 0
        self.in_title = False
        self.in_h1 = False
        self.title: list[str] = []
        self.h1: list[str] = []
        self.meta: dict[str, str] = {}
        self.times: list[str] = []

    def _current(self) -> int:
        return self.stack[-1][1] if self.stack else 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k.lower(): (v or "") for k, v in attrs}
        if tag == "meta":
            name = (a.get("property") or a.get("name") or a.get("itemprop") or "").lower()
            if name and a.get("content"):
                self.meta.setdefault(name, a["content"])
            return
        if tag == "time" and a.get("datetime"):
            self.times.append(a["datetime"])
        if tag in _SKIP:
            self.skip += 1
            return
        if tag == "title":
            self.in_title = True
        elif tag == "h1":
            self.in_h1 = True
        elif tag == "a":
            self.in_a += 1
        if tag in _CONTAINERS:
            self.blocks.append([])
            self.link_chars.append(0)
            self.stack.append((tag, len(self.blocks) - 1))
        if tag in _BREAKS:
            self.blocks[self._current()].append("\n")

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "meta" or tag not in _CONTAINERS:
            self.handle_starttag(tag, attrs)

    def handle_endtag(self, tag: str) -> None:
        if tag in _SKIP:
            self.skip = max(0, self.skip - 1)
            return
        if tag == "title":
            self.in_title = False
        elif tag == "h1":
            self.in_h1 = False
        elif tag == "a":
            self.in_a = max(0, self.in_a - 1)
        if tag in _CONTAINERS:
            for i in range(len(self.stack) - 1, -1, -1):
                if self.stack[i][0] == tag:
                    del self.stack[i:]
                    break
        if tag in ("p", "h2", "h3", "h4", "li"):
            self.blocks[self._current()].append("\n")

    def handle_data(self, data: str) -> None:
        if self.in_title:
            self.title.append(data)
            return
        if self.skip:
            return
        if self.in_h1:
            self.h1.append(data)
        block = self._current()
        self.blocks[block].append(data)
        if self.in_a:
            self.link_chars[block] += len(data.strip())

    def result(self) -> tuple[str, str]:
        best, best_score = 0, -1
        for i, parts in enumerate(self.blocks):
            chars = sum(len(p.strip()) for p in parts)
            score = chars - 2 * self.link_chars[i]
            if score > best_score:
                best, best_score = i, score
        lines = ("".join(self.blocks[best])).split("\n")
        text = "\n".join(" ".join(line.split()) for line in lines if line.strip())
        title = " ".join(
            (self.meta.get("og:title") or "".join(self.h1) or "".join(self.title)).split()
        )
        return title, text


def extract_article(html: str, url: str = "") -> dict[str, Any]:
    """Title, body text (largest text block) and publication time of an article page, as a raw item."""
    parser = _ArticleParser()
    parser.feed(html)
    parser.close()
    title, text = parser.result()
    published = None
    for name in _DATE_META:
        if name in parser.meta:
            published = _parse_date(parser.meta[name])
            if published:
                break
    if published is None:
        for value in parser.times:
            published = _parse_date(value)
            if published:
                break
    if published is None:
        m = _DATE_TEXT.search(text[:2000]) or _DATE_TEXT.search(html[:20000])
        if m:
            published = _date_from_match(m)
    site = parser.meta.get("og:site_name", "")
    return {"title": title[:500], "text": text, "url": url, "published_at": published, "source": site[:100]}


def _parse_date(value: str) -> str | None:
    value = value.strip()
    try:
        return datetime.fromisoformat(value.replace("Z", "+00:00")).isoformat()
    except ValueError:
        m = _DATE_TEXT.search(value)
        return _date_from_match(m) if m else None


def _date_from_match(m: re.Match[str]) -> str | None:
    try:
        y, mo, d = int(m.group(1)), int(m.group(2)), int(m.group(3))
        hh, mm, ss = int(m.group(4) or 0), int(m.group(5) or 0), int(m.group(6) or 0)
        return datetime(y, mo, d, hh, mm, ss).isoformat()  # no zone: China Standard Time (pipeline rule)
    except ValueError:
        return None


# --- files --------------------------------------------------------------------------------------------------------
# Column names seen in the exports of common monitoring tools and platforms, Chinese and English.
COLUMNS: dict[str, tuple[str, ...]] = {
    "title": ("title", "标题", "题目", "新闻标题", "文章标题"),
    "text": ("text", "content", "body", "正文", "内容", "摘要", "summary", "文本", "微博内容", "全文"),
    "url": ("url", "link", "链接", "网址", "原文链接", "地址"),
    "published_at": ("published_at", "time", "date", "pubdate", "发布时间", "时间", "日期", "发表时间", "发文时间"),
    "source": ("source", "site", "outlet", "来源", "媒体", "站点", "网站", "来源网站", "媒体名称", "平台"),
    "source_level": ("source_level", "level", "媒体级别", "级别"),
}
_LOOKUP = {alias.lower(): key for key, aliases in COLUMNS.items() for alias in aliases}


def _map_row(row: dict[Any, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for name, value in row.items():
        key = _LOOKUP.get(str(name or "").strip().lower())
        if key is None or key in out:
            continue
        if isinstance(value, datetime):
            value = value.isoformat()
        elif value is not None and not isinstance(value, str):
            value = str(value) if key != "published_at" or not isinstance(value, int | float) else value
        out[key] = value.strip() if isinstance(value, str) else value
    return out


def _decode_text(data: bytes) -> str:
    for enc in ("utf-8-sig", "gb18030"):
        try:
            return data.decode(enc)
        except UnicodeDecodeError:
            continue
    raise ReadError("文件编码无法识别（应为 UTF-8 或 GB18030）")


def read_file(data: bytes, filename: str) -> list[dict[str, Any]]:
    """Raw items of an export file (CSV, JSON array, JSON lines or xlsx), all rows checked first."""
    suffix = Path(filename).suffix.lower()
    rows: list[tuple[str, dict[str, Any]]]
    if suffix == ".csv":
        reader = csv.DictReader(io.StringIO(_decode_text(data)))
        if not reader.fieldnames or not any(_LOOKUP.get(str(f).strip().lower()) for f in reader.fieldnames):
            raise ReadError("CSV 文件缺少可识别的列（标题/正文/链接/发布时间/来源）")
        rows = [(f"第 {n} 行", _map_row(r)) for n, r in enumerate(reader, 2)]
    elif suffix == ".jsonl":
        rows = []
        errors = []
        for n, line in enumerate(_decode_text(data).splitlines(), 1):
            if not line.strip():
                continue
            try:
                obj = json.loads(line)
            except json.JSONDecodeError as exc:
                errors.append(f"第 {n} 行：不是有效的 JSON（第 {exc.colno} 列）")
                continue
            rows.append((f"第 {n} 行", _map_row(obj) if isinstance(obj, dict) else obj))
        if errors:
            raise ReadError("数据有误，未导入任何一条", errors)
    elif suffix == ".json":
        try:
            obj = json.loads(_decode_text(data))
        except json.JSONDecodeError as exc:
            raise ReadError(f"不是有效的 JSON：第 {exc.lineno} 行第 {exc.colno} 列") from exc
        if isinstance(obj, dict):
            obj = obj.get("items") or obj.get("data") or obj.get("list")
        if not isinstance(obj, list):
            raise ReadError('JSON 文件应为数组，或 {"items": [...]}')
        rows = [(f"第 {n} 条", _map_row(o) if isinstance(o, dict) else o) for n, o in enumerate(obj, 1)]
    elif suffix in (".xlsx", ".xlsm"):
        rows = _xlsx_rows(data)
    else:
        raise ReadError(f"不支持的文件类型：{suffix or filename}（支持 CSV、JSON、JSONL、xlsx）")
    return canonical_rows(rows)


def _xlsx_rows(data: bytes) -> list[tuple[str, dict[str, Any]]]:
    from openpyxl import load_workbook

    try:
        wb = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception as exc:
        raise ReadError("不是有效的 xlsx 文件") from exc
    try:
        ws = wb.worksheets[0]
        it = ws.iter_rows(values_only=True)
        header = next(it, None)
        if not header or not any(_LOOKUP.get(str(h or "").strip().lower()) for h in header):
            raise ReadError("xlsx 第一行应为列名（标题/正文/链接/发布时间/来源）")
        rows = []
        for n, values in enumerate(it, 2):
            if values is None or all(v in (None, "") for v in values):
                continue
            rows.append((f"第 {n} 行", _map_row(dict(zip(header, values, strict=False)))))
        return rows
    finally:
        wb.close()


# --- file sources: only inside the import directory ---------------------------------------------------------------
_BAD_NAME_CHARS = set('/\\:*?"<>|') | {chr(c) for c in range(32)} | {"\x7f"}


def import_name_error(name: str) -> str | None:
    """Why ``name`` cannot name a file of the import directory (a bare file name: no path, no hidden file)."""
    if not name or not name.strip():
        return "请填写导入目录中的文件名"
    if len(name) > 255 or name != name.strip() or name.startswith(".") or set(name) & _BAD_NAME_CHARS:
        return "只能填写导入目录中的文件名（不含路径、斜杠、控制字符，不以点开头）"
    return None


def read_import_file(directory: Path, name: str, max_bytes: int) -> bytes:
    """The bytes of file ``name`` directly inside ``directory``; raises ReadError with one message for every
    failure (missing, not a regular file, a link leading out, unreadable, too large), so the message never tells
    whether or how large a file exists anywhere."""
    import os
    import stat

    refused = ReadError(
        f"无法读取导入目录中的文件“{name[:100]}”：文件不存在、不是普通文件、不可读或超过 {max_bytes:,} 字节的上限"
    )
    if import_name_error(name):
        raise refused
    base = directory.resolve()
    try:
        target = (base / name).resolve(strict=True)
    except (OSError, RuntimeError):
        raise refused from None
    if target.parent != base:  # a symbolic link that leads anywhere else
        raise refused
    flags = os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_NONBLOCK", 0)
    try:
        fd = os.open(target, flags)
    except OSError:
        raise refused from None
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode) or info.st_size > max_bytes:
            raise refused
        with os.fdopen(fd, "rb", closefd=False) as fh:
            data = fh.read(max_bytes + 1)
    except OSError:
        raise refused from None
    finally:
        os.close(fd)
    if len(data) > max_bytes:
        raise refused
    return data
