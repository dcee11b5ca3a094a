"""Watch lists (监测方案): boolean expressions over terms, matched as substrings of the normalised text.

Syntax, e.g. ``(万柏林 OR 万柏林区) AND (拆迁 OR 补偿) NOT 招聘``:

* a term is a run of characters without spaces, parentheses or quotes; ``"…"``, ``“…”`` or ``「…」`` quote a
  phrase that contains spaces or operators (``"NOT"`` is the word NOT);
* operators, from tightest to loosest: ``NOT`` (also ``非``), ``AND`` (also ``且`` or ``&``; two terms side by side
  are ANDed too), ``OR`` (also ``或`` or ``|``); ``A NOT B`` means ``A AND NOT B``; ``AND``/``OR``/``NOT`` are
  case-insensitive; the Chinese operators count only as separate words (``非法集资`` is a term);
* parentheses ``()`` or ``（）`` group.

Terms are normalised like the text (NFKC, full-width → half-width) and case-insensitive. Chinese has no spaces, so
a term matches wherever it occurs as a substring. An expression that would match a text containing none of its
terms (``NOT 招聘``) is refused: it would flag almost everything.

Matching: all terms of all watch lists go into one regular expression, longest first; the text is scanned once
(restarting one character after each hit, so overlapping terms are found) and every term contained in a found
term is added too. Each expression is compiled once to a small function over the set of found term ids and only
the watch lists that share a found term are evaluated.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from .base import Context, Item
from .normalize import normalize_text


class WatchListSyntaxError(ValueError):
    """A watch-list expression that cannot be parsed; ``position`` is 1-based, in characters."""

    def __init__(self, message: str, position: int, expression: str = "") -> None:
        self.message = message
        self.position = position
        self.expression = expression
        super().__init__(f"第 {position} 个字符处：{message}")


_OPERATORS = {
    "and": "AND",
    "且": "AND",
    "&": "AND",
    "&&": "AND",
    "or": "OR",
    "或": "OR",
    "|": "OR",
    "||": "OR",
    "not": "NOT",
    "非": "NOT",
}
_QUOTES = {'"': '"', "“": "”", "「": "」", "『": "』"}
_OPEN = "(（"
_CLOSE = ")）"
_SEPARATORS = set(" \t\r\n\u3000") | set(_OPEN) | set(_CLOSE) | set(_QUOTES) | {"&", "|"}


@dataclass(frozen=True)
class _Token:
    kind: str  # TERM, AND, OR, NOT, LPAREN, RPAREN, END
    value: str
    pos: int  # 0-based


def tokenize(expression: str) -> list[_Token]:
    tokens: list[_Token] = []
    i, n = 0, len(expression)
    while i < n:
        ch = expression[i]
        if ch.isspace():
            i += 1
        elif ch in _OPEN:
            tokens.append(_Token("LPAREN", ch, i))
            i += 1
        elif ch in _CLOSE:
            tokens.append(_Token("RPAREN", ch, i))
            i += 1
        elif ch in _QUOTES:
            end = expression.find(_QUOTES[ch], i + 1)
            if end < 0:
                raise WatchListSyntaxError(f"引号 {ch} 没有闭合", i + 1, expression)
            phrase = expression[i + 1 : end]
            if not phrase.strip():
                raise WatchListSyntaxError("引号内没有内容", i + 1, expression)
            tokens.append(_Token("TERM", phrase, i))
            i = end + 1
        elif ch in "&|":
            j = i + 1 if i + 1 < n and expression[i + 1] == ch else i
            tokens.append(_Token(_OPERATORS[ch], expression[i : j + 1], i))
            i = j + 1
        else:
            j = i
            while j < n and expression[j] not in _SEPARATORS and not expression[j].isspace():
                j += 1
            word = expression[i:j]
            op = _OPERATORS.get(word.lower())
            tokens.append(_Token(op, word, i) if op else _Token("TERM", word, i))
            i = j
    tokens.append(_Token("END", "", n))
    return tokens


# AST: ("term", text) | ("and", [nodes]) | ("or", [nodes]) | ("not", node)
Node = tuple


MAX_DEPTH = 32  # nested parentheses and NOTs: deeper input is refused, never recursed into
MAX_LENGTH = 10_000  # characters of one expression
MAX_TERMS = 1000


class _Parser:
    def __init__(self, expression: str) -> None:
        if len(expression) > MAX_LENGTH:
            raise WatchListSyntaxError(f"表达式过长（最多 {MAX_LENGTH} 个字符）", MAX_LENGTH + 1, expression[:100])
        self.expression = expression
        self.tokens = tokenize(expression)
        if sum(1 for t in self.tokens if t.kind == "TERM") > MAX_TERMS:
            raise WatchListSyntaxError(f"检索词过多（最多 {MAX_TERMS} 个）", 1, expression[:100])
        self.i = 0
        self.depth = 0

    def deeper(self, tok: _Token) -> None:
        self.depth += 1
        if self.depth > MAX_DEPTH:
            raise self.error(f"括号或“非/NOT”嵌套过深（最多 {MAX_DEPTH} 层），请简化表达式", tok)

    def error(self, message: str, tok: _Token) -> WatchListSyntaxError:
        return WatchListSyntaxError(message, tok.pos + 1, self.expression)

    @property
    def tok(self) -> _Token:
        return self.tokens[self.i]

    def parse(self) -> Node:
        if self.tok.kind == "END":
            raise WatchListSyntaxError("表达式为空", 1, self.expression)
        node = self.parse_or()
        if self.tok.kind == "RPAREN":
            raise self.error(f"多了一个右括号“{self.tok.value}”", self.tok)
        if self.tok.kind != "END":  # pragma: no cover - every other token is consumed by parse_and
            raise self.error(f"无法识别“{self.tok.value}”", self.tok)
        return node

    def parse_or(self) -> Node:
        parts = [self.parse_and()]
        while self.tok.kind == "OR":
            op = self.tok
            self.i += 1
            self.need_operand(op)
            parts.append(self.parse_and())
        return parts[0] if len(parts) == 1 else ("or", parts)

    def parse_and(self) -> Node:
        parts = [self.parse_not()]
        while True:
            kind = self.tok.kind
            if kind == "AND":
                op = self.tok
                self.i += 1
                self.need_operand(op)
                parts.append(self.parse_not())
            elif kind in ("NOT", "TERM", "LPAREN"):  # "A NOT B" and "A B" both mean AND
                parts.append(self.parse_not())
            else:
                break
        return parts[0] if len(parts) == 1 else ("and", parts)

    def parse_not(self) -> Node:
        if self.tok.kind == "NOT":
            op = self.tok
            self.i += 1
            self.need_operand(op)
            self.deeper(op)
            node = ("not", self.parse_not())
            self.depth -= 1
            return node
        return self.parse_primary()

    def parse_primary(self) -> Node:
        tok = self.tok
        if tok.kind == "TERM":
            self.i += 1
            term = normalize_text(tok.value, html_input=False).lower()
            if not term:
                raise self.error("检索词为空", tok)
            return ("term", term)
        if tok.kind == "LPAREN":
            self.i += 1
            if self.tok.kind == "RPAREN":
                raise self.error("括号内没有内容", tok)
            self.deeper(tok)
            node = self.parse_or()
            self.depth -= 1
            if self.tok.kind != "RPAREN":
                raise self.error(f"左括号“{tok.value}”没有闭合", tok)
            self.i += 1
            return node
        if tok.kind == "RPAREN":
            raise self.error(f"多了一个右括号“{tok.value}”", tok)
        if tok.kind == "END":
            raise self.error("表达式不完整，末尾缺少检索词", tok)
        raise self.error(f"运算符“{tok.value}”前面缺少检索词", tok)

    def need_operand(self, op: _Token) -> None:
        if self.tok.kind in ("END", "RPAREN", "AND", "OR"):
            raise self.error(f"运算符“{op.value}”后面缺少检索词", op)


def parse(expression: str) -> Node:
    """Parse an expression into a small tree; raises :class:`WatchListSyntaxError` with a Chinese message."""
    return _Parser(expression).parse()


def node_terms(node: Node) -> list[str]:
    kind = node[0]
    if kind == "term":
        return [node[1]]
    if kind == "not":
        return node_terms(node[1])
    return [t for child in node[1] for t in node_terms(child)]


def _compile(node: Node, ids: dict[str, int]) -> Callable[[set[int]], bool]:
    kind = node[0]
    if kind == "term":
        tid = ids[node[1]]
        return lambda found: tid in found
    if kind == "not":
        inner = _compile(node[1], ids)
        return lambda found: not inner(found)
    children = [_compile(child, ids) for child in node[1]]
    if kind == "and":
        if len(children) == 2:
            a, b = children
            return lambda found: a(found) and b(found)
        return lambda found: all(c(found) for c in children)
    if len(children) == 2:
        a, b = children
        return lambda found: a(found) or b(found)
    return lambda found: any(c(found) for c in children)


@dataclass
class WatchList:
    """A named expression; ``key`` is what items carry in ``matches``."""

    key: str
    name: str
    expression: str
    tree: Node = field(init=False, repr=False)
    terms: list[str] = field(init=False, repr=False)

    def __post_init__(self) -> None:
        self.tree = parse(self.expression)
        self.terms = list(dict.fromkeys(node_terms(self.tree)))
        ids = {t: i for i, t in enumerate(self.terms)}
        if _compile(self.tree, ids)(set()):
            raise WatchListSyntaxError("表达式只有排除条件，会命中几乎所有内容，请加上要检索的词", 1, self.expression)

    def matches(self, text: str) -> bool:
        """Evaluate on one raw text (slow path, for trying an expression out; the pipeline uses WatchListMatcher)."""
        return WatchListMatcher([self]).match(normalize_text(text)) == [self.key]

    @classmethod
    def from_dict(cls, data: dict) -> WatchList:
        try:
            return cls(key=str(data["key"]), name=str(data.get("name") or data["key"]), expression=data["expression"])
        except KeyError as exc:
            raise ValueError(f"监测方案缺少字段 {exc.args[0]}") from exc


class WatchListMatcher:
    """All watch lists compiled into one scanner."""

    def __init__(self, watchlists: Sequence[WatchList]) -> None:
        self.watchlists = list(watchlists)
        keys = [w.key for w in self.watchlists]
        if len(set(keys)) != len(keys):
            raise ValueError("监测方案的 key 重复")
        terms = list(dict.fromkeys(t for w in self.watchlists for t in w.terms))
        self.term_ids = {t: i for i, t in enumerate(terms)}
        # every term found implies every term it contains
        self._implied: dict[str, frozenset[int]] = {
            t: frozenset(self.term_ids[u] for u in terms if u in t) for t in terms
        }
        self._lists_of_term: list[list[int]] = [[] for _ in terms]
        self._answers: dict[frozenset[int], tuple[str, ...]] = {}  # set of term ids found → keys of the lists true
        self._evaluators: list[Callable[[set[int]], bool]] = []
        for li, w in enumerate(self.watchlists):
            self._evaluators.append(_compile(w.tree, self.term_ids))
            for t in w.terms:
                self._lists_of_term[self.term_ids[t]].append(li)
        if terms:
            ordered = sorted(terms, key=lambda t: (-len(t), t))
            self._search: Callable | None = re.compile("|".join(map(re.escape, ordered))).search
        else:
            self._search = None

    def __bool__(self) -> bool:
        return bool(self.watchlists)

    def __len__(self) -> int:
        return len(self.watchlists)

    def found_terms(self, text: str) -> set[int]:
        """Ids of the terms that occur in ``text`` (already lower-cased and normalised)."""
        found: set[int] = set()
        search = self._search
        if search is None:
            return found
        implied = self._implied
        pos = 0
        while (m := search(text, pos)) is not None:
            found |= implied[m.group()]
            pos = m.start() + 1
        return found

    def match(self, text: str) -> list[str]:
        """Keys of the watch lists whose expression is true on ``text`` (normalised; case does not matter)."""
        found = self.found_terms(text.lower())
        if not found:
            return []
        # the answer depends only on the set of terms found, and the same few sets come up again and again
        key = frozenset(found)
        keys = self._answers.get(key)
        if keys is None:
            if len(self._answers) >= 10_000:
                self._answers.clear()
            lists_of_term = self._lists_of_term
            candidates = sorted({li for tid in found for li in lists_of_term[tid]})
            evaluators = self._evaluators
            keys = self._answers[key] = tuple(self.watchlists[li].key for li in candidates if evaluators[li](found))
        return list(keys)


def load_watchlists(data: list[dict]) -> list[WatchList]:
    """Watch lists from parsed JSON (``[{"key", "name", "expression"}]``); errors name the list that failed."""
    if not isinstance(data, list):
        raise ValueError('监测方案文件应为 JSON 数组：[{"key": …, "name": …, "expression": …}]')
    out = []
    for n, entry in enumerate(data, 1):
        if not isinstance(entry, dict):
            raise ValueError(f"第 {n} 个监测方案应为对象")
        try:
            out.append(WatchList.from_dict(entry))
        except WatchListSyntaxError as exc:
            raise ValueError(f"第 {n} 个监测方案（{entry.get('key')}）的表达式有误：{exc}") from exc
    return out


class WatchListStep:
    name = "watchlist"

    def able_to_run(self, batch: list[Item], ctx: Context) -> bool:
        return bool(ctx.watchlists)

    def run(self, batch: list[Item], ctx: Context) -> None:
        match = ctx.watchlists.match
        for item in batch:
            text = f"{item.norm_title} {item.norm_text}" if item.norm_title else item.norm_text
            found = match(text)
            if found or item.matches:  # most items match nothing: keep their empty list (one object less to track)
                item.matches = found
