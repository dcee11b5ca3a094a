"""Word segmentation with rjieba (jieba's algorithm in Rust) and the shipped user dictionary and stopword list.

Choice (measured in bench/bench_pipeline.py and MEASURED.md): rjieba 0.2 cuts ~80,000 posts/s on one core, jieba
~3,000. rjieba's ``Jieba.add_word(word, freq, tag)`` works like jieba's, so the user dictionary (jieba format,
``word [freq] [tag]`` per line) is loaded into a private ``rjieba.Jieba()`` instance: no pre-splitting needed, and
the module-level default instance other code may use is left alone. A missing frequency lets rjieba pick one high
enough for the word to be kept whole (jieba's ``suggest_freq``).

The step stores every token (``item.tokens``) of the items that will be clustered; ``Segmenter.content`` keeps
the content words used for clustering: stopwords, single characters, numbers and punctuation dropped, Latin words
lower-cased.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from pathlib import Path

from .base import Context, Item

DICT_DIR = Path(__file__).resolve().parent.parent / "dict"
USERDICT_PATH = DICT_DIR / "userdict.txt"
STOPWORDS_PATH = DICT_DIR / "stopwords.txt"

# a token worth keeping has at least one CJK character or Latin letter
_CONTENT = re.compile(r"[\u3400-\u9fff\uf900-\ufaffA-Za-z]")


def read_userdict(path: str | Path) -> list[tuple[str, int | None, str | None]]:
    """Entries of a jieba user dictionary: ``word [freq] [tag]``; blank lines and ``#`` comments skipped."""
    entries: list[tuple[str, int | None, str | None]] = []
    with open(path, encoding="utf-8") as fh:
        for lineno, raw in enumerate(fh, 1):
            line = raw.strip()
            if not line or line.startswith("#"):
                continue
            parts = line.split()
            word, freq, tag = parts[0], None, None
            if len(parts) >= 2:
                if parts[1].isdigit():
                    freq = int(parts[1])
                    tag = parts[2] if len(parts) >= 3 else None
                else:
                    tag = parts[1]
            if len(parts) > 3 or (len(parts) == 3 and freq is None):
                raise ValueError(f"用户词典 {path} 第 {lineno} 行格式错误：应为“词语 [词频] [词性]”")
            entries.append((word, freq, tag))
    return entries


def read_wordlist(path: str | Path) -> set[str]:
    with open(path, encoding="utf-8") as fh:
        return {w for line in fh if (w := line.strip()) and not w.startswith("#")}


class Segmenter:
    def __init__(
        self,
        userdict_path: str | Path | None = None,
        stopwords_path: str | Path | None = None,
        *,
        hmm: bool = True,
        max_chars: int = 1000,
        extra_words: Iterable[str] = (),
    ) -> None:
        import rjieba

        self._jieba = rjieba.Jieba()
        self.hmm = hmm
        self.max_chars = max_chars
        self.user_words: list[str] = []
        for word, freq, tag in read_userdict(userdict_path or USERDICT_PATH):
            self._jieba.add_word(word, freq, tag)
            self.user_words.append(word)
        for word in extra_words:
            self.add_word(word)
        self.stopwords = read_wordlist(stopwords_path or STOPWORDS_PATH)
        self._keep_cache: dict[str, str] = {}  # token → kept form, "" when dropped

    def add_word(self, word: str, freq: int | None = None, tag: str | None = None) -> None:
        self._jieba.add_word(word, freq, tag)
        self.user_words.append(word)
        self._keep_cache.pop(word, None)

    def cut(self, text: str) -> list[str]:
        """All tokens, as rjieba cuts them."""
        return self._jieba.cut(text, self.hmm)

    def _kept_form(self, token: str) -> str:
        """The token as kept ("" when dropped): stopwords, single characters, numbers, punctuation go."""
        if len(token) < 2 or token in self.stopwords or _CONTENT.search(token) is None:
            return ""
        return token.lower() if token.isascii() else token

    def content(self, raw: list[str]) -> list[str]:
        """The content words among rjieba tokens, in order, with repeats (the decision per word is cached)."""
        cache = self._keep_cache
        try:  # usually every word has been decided before: one pass in C
            return list(filter(None, map(cache.__getitem__, raw)))
        except KeyError:
            pass
        kept = list(map(cache.get, raw))
        if None in kept:  # words not seen before: decide once, remember
            if len(cache) > 500_000:
                cache.clear()
            for i, tok in enumerate(raw):
                if kept[i] is None:
                    kept[i] = cache[tok] = self._kept_form(tok)
        return list(filter(None, kept))

    def tokens(self, text: str) -> list[str]:
        """Content words of ``text`` (the first ``max_chars`` characters), in order, with repeats."""
        return self.content(self._jieba.cut(text[: self.max_chars], self.hmm))


def segment_items(items: Iterable[Item], seg: Segmenter) -> None:
    """Sets ``item.tokens`` of the items that have none: rjieba's cut of title and text (the first ``max_chars``
    characters). Exact duplicates among them share their original's cut."""
    limit = seg.max_chars
    cut = seg.cut
    done: dict[str, list[str]] = {}
    for item in items:
        if item.tokens:
            continue
        toks = done.get(item.fingerprint) if item.fingerprint else None
        if toks is None:
            text = f"{item.norm_title} {item.norm_text}" if item.norm_title else item.norm_text
            toks = cut(text[:limit])
            if item.fingerprint:
                done[item.fingerprint] = toks
            item.tokens = toks
        else:
            item.tokens = list(toks)


class SegmentStep:
    """Sets ``item.tokens`` to every token of title and text, as rjieba cuts them, for the items the incident step
    will cluster (all of them, or those that matched a watch list: ``Context.incident_scope_all``). Nothing else
    reads tokens, and cutting is the largest cost of the pipeline, so the other items are not cut. Placed before
    the watch-list step (as in older step lists), it cannot know the matches yet and leaves the matched items to the
    incident step, which cuts what it clusters on demand (:func:`segment_items`). The content words for clustering
    are picked from the tokens later, by the incident step (:meth:`Segmenter.content`)."""

    name = "segment"

    def able_to_run(self, batch: list[Item], ctx: Context) -> bool:
        return bool(batch)

    def run(self, batch: list[Item], ctx: Context) -> None:
        everything = ctx.incident_scope_all()
        chosen = batch if everything else [item for item in batch if item.matches]
        if chosen:
            segment_items(chosen, ctx.segmenter)
