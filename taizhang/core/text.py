"""Quoting user text inside Chinese sentences without doubling the marks the user typed."""

from __future__ import annotations

import re

_PAIRS = {"“": "”", '"': '"', "「": "」", "『": "』", "‘": "’", "'": "'"}
_ASCII_QUOTED = re.compile(r'"([^"]*)"')


def inner_quotes(text: str) -> str:
    """Quotes inside a quoted phrase become single quotes (‘’), as Chinese typesetting nests them; ASCII and
    corner quotes are read as the user's quotation marks."""
    text = _ASCII_QUOTED.sub(r"‘\1’", text)
    return (text.replace("“", "‘").replace("”", "’").replace("「", "‘").replace("」", "’")
            .replace("『", "‘").replace("』", "’"))


def unwrap(text: str) -> str:
    """A text wholly inside one pair of quotation marks loses them ("“学习”" → "学习")."""
    text = text.strip()
    while len(text) >= 2 and _PAIRS.get(text[0]) == text[-1] and text[0] not in text[1:-1] \
            and text[-1] not in text[1:-1]:
        text = text[1:-1].strip()
    return text


def quoted(text: object) -> str:
    """“text”, with the user's own quotation marks neither doubled nor lost."""
    return f"“{inner_quotes(unwrap(str(text)))}”"


def nest_quotes(text: str) -> str:
    """Quotation marks inside quotation marks become single ones: “开展“十五五”宣讲” → “开展‘十五五’宣讲”."""
    out = []
    depth = 0
    for ch in text:
        if ch == "“":
            out.append("“" if depth == 0 else "‘")
            depth += 1
        elif ch == "”" and depth > 0:
            depth -= 1
            out.append("”" if depth == 0 else "’")
        else:
            out.append(ch)
    return "".join(out)
