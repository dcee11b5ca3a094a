"""Readable headlines for incidents (舆情事件): a sentence from the most representative post, with the place.

An incident used to be named by its three heaviest key terms ("积水·下雨·高峰"), which says little to a reader.
:func:`headline` picks, among the incident's sample posts (their titles, else their first sentence), the one that
covers most of the incident's key terms (weighted by rank, ties to the earlier post), cleans it (reposting marks,
hashtags, links, brackets of the kind 【…】 are removed; cut at the end of the first sentence or at a comma before
``max_chars``) and, when the sentence does not already name a place, puts the first place that the posts name
before it: "万柏林区：和平南路下穿桥积水严重，车辆绕行". Places are the ``ns`` entries of the user dictionary
(``dict/userdict.txt``, the gazetteer the segmenter loads) plus any given by the caller (place watch lists).
Without any usable text the key terms stay the name. The key terms are kept beside the headline as secondary text.

Pure functions, no Django: used by the pipeline, by the store and by the data migration that renamed stored
incidents.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from functools import lru_cache
from pathlib import Path

USERDICT_PATH = Path(__file__).resolve().parent.parent / "dict" / "userdict.txt"

MAX_CHARS = 40
_REPOST = re.compile(r"^(转发微博|转发|转载|转|分享|原文)[：:]\s*|//@[^:：\s]{1,30}[:：]|（转载）|\(转载\)")
_NOISE = re.compile(r"https?://\S+|#[^#]{1,30}#|【|】|\[[^\]]{0,12}\]|\(组图\)|\(图\)|（组图）|（图）|\s+")
_END = re.compile(r"[。！？!?；;]")
_COMMA = re.compile(r"[，,、：:]")


@lru_cache(maxsize=4)
def gazetteer(path: str = str(USERDICT_PATH)) -> tuple[str, ...]:
    """Place names (``ns``) of a jieba user dictionary, longest first."""
    places: list[str] = []
    try:
        with open(path, encoding="utf-8") as fh:
            for line in fh:
                parts = line.split()
                if len(parts) >= 2 and not parts[0].startswith("#") and parts[-1] == "ns":
                    places.append(parts[0])
    except OSError:
        return ()
    return tuple(sorted(set(places), key=lambda p: (-len(p), p)))


def clean(text: str, max_chars: int = MAX_CHARS) -> str:
    """The first sentence of ``text`` without reposting marks and markup, at most ``max_chars`` characters."""
    text = _REPOST.sub("", text.strip())
    text = _REPOST.sub("", text)
    text = _NOISE.sub(" ", text).strip()
    text = re.sub(r"\s+", " ", text)
    end = _END.search(text)
    if end is not None and end.start() >= 6:
        text = text[: end.start()]
    text = text.strip(" ，,、：:")
    if len(text) > max_chars:
        cut = [m.start() for m in _COMMA.finditer(text, 0, max_chars + 1) if m.start() >= 8]
        text = text[: cut[-1]] if cut else text[: max_chars - 1] + "…"
    return text


def find_place(texts: Iterable[str], places: Sequence[str]) -> str:
    """The first place (longest name first at each text) that one of ``texts`` names, or ""."""
    for text in texts:
        for place in places:
            if place in text:
                return place
    return ""


def headline(
    samples: Sequence[str],
    key_terms: Sequence[str],
    *,
    places: Iterable[str] = (),
    max_chars: int = MAX_CHARS,
) -> str:
    """A readable headline for an incident from its sample posts (titles or texts, earliest first).

    Returns "" when no sample yields a sentence of at least 6 characters (the caller keeps the key terms).
    """
    weights = {t: 1.0 / (1 + i) for i, t in enumerate(key_terms[:8])}
    best, best_score = "", -1.0
    for raw in samples:
        sentence = clean(raw or "", max_chars)
        if len(sentence) < 6:
            continue
        score = sum(w for t, w in weights.items() if t in sentence)
        if score > best_score:
            best, best_score = sentence, score
    if not best:
        return ""
    gaz = tuple(dict.fromkeys([*sorted(set(places), key=lambda p: (-len(p), p)), *gazetteer()]))
    if find_place([best], gaz):
        return best
    place = find_place(samples, gaz)
    return f"{place}：{best}" if place else best


def incident_name(samples: Sequence[str], key_terms: Sequence[str], *, places: Iterable[str] = ()) -> str:
    """The headline, or the key-term triple when there is no usable text (never empty when there are terms)."""
    return headline(samples, key_terms, places=places) or "·".join(key_terms[:3])
