"""Incremental clustering of items into incidents (舆情事件): one cluster per matter, in a sliding time window.

An item is a TF-IDF vector over its content words (``Segmenter.content``): weight ``(1 + ln tf) · idf``, idf from
document frequencies counted over the clustered items so far (with a prior of 2,000 documents, so a short stream
is not skewed), the ``incident_vector_terms`` heaviest terms kept, unit length. Each active incident keeps the sum
of its members' vectors (its centroid, pruned to the ``incident_centroid_terms`` heaviest terms). An item joins the
active incident whose centroid is most similar (cosine) if that reaches ``incident_threshold``, else it opens a
new incident. Incidents not seen for ``incident_window_hours`` (stream time) close and take no more items.

Candidates come from an inverted index over each incident's ``incident_index_terms`` heaviest terms, looked up with
the item's terms; terms shared by more than 60 active incidents are skipped (they carry no signal) and only the 10
candidates sharing the most terms are scored exactly, so the cost per item stays flat as incidents accumulate.

A duplicate joins its original's incident without changing the centroid (a reprint adds reach, not content).
Which items are clustered: those that matched a watch list, or all items (``incident_scope``).
"""

from __future__ import annotations

import heapq
import math
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from itertools import chain, count, repeat
from operator import itemgetter, mul

import numpy as np

from .base import Context, Item, PipelineConfig
from .headline import incident_name
from .segment import segment_items

_MAX_POSTING = 60
_SAMPLES = 6  # originals kept per incident as headline candidates
_MAX_CANDIDATES = 10
_MAX_VOCABULARY = 400_000
# idf = ln((N + prior + 1) / (df + 1)) + 1: as if the stream began with this many documents that share no word, so
# the words of the first incidents (frequent in a short stream) are not discounted before there are statistics.
_PRIOR_DOCS = 2000
_LOG = [0.0, *(1.0 + math.log(c) for c in range(1, 64))]  # 1 + ln tf
_second = itemgetter(1)
_ZEROS = repeat(0.0)  # the default of dict.get when looked up through map()
_UNSEEN = repeat(0)  # the document frequency of a term never observed, through map()


@dataclass
class Incident:
    id: str
    first_seen: float
    last_seen: float
    items: list[str] = field(default_factory=list)
    n_duplicates: int = 0
    n_negative: int = 0
    n_labelled: int = 0
    centroid: dict[str, float] = field(default_factory=dict)
    norm: float = 0.0
    index_terms: frozenset[str] = frozenset()
    source_levels: Counter = field(default_factory=Counter)
    sources: Counter = field(default_factory=Counter)
    matches: Counter = field(default_factory=Counter)
    hour_counts: dict[int, int] = field(default_factory=dict)
    burst: bool = False
    grade: str | None = None
    grade_name: str | None = None
    score: float | None = None
    closed: bool = False
    samples: list[str] = field(default_factory=list)  # titles (else text starts) of the first originals: headline

    @property
    def size(self) -> int:
        return len(self.items)

    @property
    def negative_share(self) -> float:
        return self.n_negative / self.n_labelled if self.n_labelled else 0.0

    @property
    def peak_per_hour(self) -> int:
        return max(self.hour_counts.values(), default=0)

    def key_terms(self, n: int = 5) -> list[str]:
        return [t for t, _ in heapq.nlargest(n, self.centroid.items(), key=lambda kv: (kv[1], kv[0]))]

    def label(self, n: int = 3) -> str:
        """The key-term name ("积水·下雨·高峰"), kept as secondary text beside :meth:`headline`."""
        return "·".join(self.key_terms(n)) or self.id

    def headline(self, extra: Sequence[str] = (), places: Sequence[str] = ()) -> str:
        """A readable name: a sentence of the most representative sample post, with the place (headline.py);
        the key-term name when no post has usable text. ``extra``: more candidate titles, tried first."""
        return incident_name([*extra, *self.samples], self.key_terms(8), places=places) or self.id


class IncidentClusterer:
    def __init__(self, config: PipelineConfig | None = None, id_prefix: str = "I") -> None:
        cfg = config or PipelineConfig()
        self.threshold = cfg.incident_threshold
        self.window = cfg.incident_window_hours * 3600
        self.vector_terms = cfg.incident_vector_terms
        self.centroid_terms = cfg.incident_centroid_terms
        self.index_terms = cfg.incident_index_terms
        self.id_prefix = id_prefix
        self.df: Counter[str] = Counter()
        self.n_docs = 0
        self._idf_cache: dict[str, float] = {}
        self._idf_docs = -1
        self._log_n = 0.0
        self.incidents: dict[str, Incident] = {}  # every incident, open or closed, in creation order
        self.active: dict[str, Incident] = {}
        self.postings: dict[str, set[str]] = {}
        self.item_incident: dict[str, str] = {}  # item id → incident id, for items of active incidents
        self._seq = 0

    # --- document frequencies ---------------------------------------------------------------------------------
    def observe(self, token_lists: list[list[str]]) -> None:
        """Count document frequencies over a batch of token lists."""
        self.df.update(chain.from_iterable(map(set, token_lists)))
        self.n_docs += len(token_lists)
        if len(self.df) > _MAX_VOCABULARY:  # forget the words seen once
            self.df = Counter({t: c for t, c in self.df.items() if c > 1})

    def vector(self, tokens: list[str]) -> dict[str, float]:
        """Unit TF-IDF vector of the ``vector_terms`` heaviest terms, heaviest first."""
        cache = self._idf_cache
        if self._idf_docs != self.n_docs:  # idf changes only when a batch is observed
            cache.clear()
            self._idf_docs = self.n_docs
            self._log_n = math.log(self.n_docs + _PRIOR_DOCS + 1)
        tf = Counter(tokens)
        idfs = list(map(cache.get, tf))
        if None in idfs:
            log_n, df, log = self._log_n, self.df, math.log
            for i, t in enumerate(tf):
                if idfs[i] is None:
                    idfs[i] = cache[t] = log_n - log(df.get(t, 0) + 1) + 1.0
        weights = [
            (t, (_LOG[c] if c < 64 else 1.0 + math.log(c)) * (idf or 0.0))
            for (t, c), idf in zip(tf.items(), idfs, strict=True)
        ]
        weights.sort(key=_second, reverse=True)
        del weights[self.vector_terms :]
        norm = math.hypot(*map(_second, weights)) or 1.0
        return {t: w / norm for t, w in weights}

    def vectors(self, token_lists: Sequence[list[str]]) -> list[dict[str, float]]:
        """:meth:`vector` of every token list, computed for the whole batch at once with the same floats, term order
        and ties: integer term ids from a vocabulary of the batch, term frequencies from one ``np.unique`` over
        (list, term id) codes, idf of the batch's terms in one ``np.log``, and one ``np.lexsort`` ranking the terms of
        every list by weight, then first occurrence (as the stable sort of :meth:`vector` does)."""
        n = len(token_lists)
        lens = np.fromiter(map(len, token_lists), dtype=np.int64, count=n)
        if n == 0 or not lens.any():
            return [{} for _ in range(n)]
        if self._idf_docs != self.n_docs:
            self._idf_cache.clear()
            self._idf_docs = self.n_docs
            self._log_n = math.log(self.n_docs + _PRIOR_DOCS + 1)
        tokens = list(chain.from_iterable(token_lists))
        width = len(tokens)
        # a term's id is the position of its first use in the batch (one setdefault per token, in C): tokens[id]
        # is the term, and idf is computed per position
        vocab: dict[str, int] = {}
        ids = np.fromiter(map(vocab.setdefault, tokens, count()), dtype=np.int64, count=width)
        df = np.fromiter(map(self.df.get, tokens, _UNSEEN), dtype=np.float64, count=width)
        idf = self._log_n - np.log(df + 1.0) + 1.0
        terms = tokens
        doc = np.repeat(np.arange(n, dtype=np.int64), lens)
        codes, first, counts = np.unique(doc * width + ids, return_index=True, return_counts=True)
        d = codes // width
        t = codes - d * width
        top = int(counts.max())
        log_tf = np.array(_LOG[: top + 1] if top < 64 else [*_LOG, *(1.0 + math.log(c) for c in range(64, top + 1))])
        w = log_tf[counts] * idf[t]
        order = np.lexsort((first, -w, d))  # by list, then heaviest first, then first occurrence
        d, t, w = d[order], t[order], w[order]
        rank = np.arange(len(d)) - np.searchsorted(d, np.arange(n))[d]
        keep = rank < self.vector_terms
        d, w = d[keep], w[keep]
        keys = list(map(terms.__getitem__, t[keep].tolist()))
        ends = np.searchsorted(d, np.arange(n + 1)).tolist()
        wl = w.tolist()
        hypot = math.hypot
        norms = [hypot(*wl[ends[i] : ends[i + 1]]) or 1.0 for i in range(n)]
        vals = (w / np.repeat(norms, np.diff(ends))).tolist()
        return [dict(zip(keys[ends[i] : ends[i + 1]], vals[ends[i] : ends[i + 1]], strict=True)) for i in range(n)]

    # --- clustering -------------------------------------------------------------------------------------------
    def best_match(self, vec: dict[str, float], ts: float | None = None) -> tuple[Incident | None, float]:
        """The most similar active incident and its cosine similarity. Candidates share an index term with the
        item; the ``_MAX_CANDIDATES`` sharing the most are scored exactly."""
        postings = self.postings
        hits = [ids for ids in map(postings.get, vec) if ids and len(ids) <= _MAX_POSTING]
        if not hits:
            return None, 0.0
        shared: Counter[str] = Counter(chain.from_iterable(hits))  # one count over all postings, in C
        cands: Iterable[str] = shared
        if len(shared) > _MAX_CANDIDATES:  # Counter.most_common(n) is this sort (ties in first-counted order)
            ranked = sorted(shared.items(), key=_second, reverse=True)
            cands = [iid for iid, _ in ranked[:_MAX_CANDIDATES]]
        best, best_sim = None, 0.0
        cutoff = -math.inf if ts is None else ts - self.window
        terms = list(vec)
        weights = list(vec.values())
        for inc in map(self.active.__getitem__, cands):
            if not inc.norm or inc.last_seen < cutoff:  # closed by now, though not yet expired
                continue
            # the dot product in C; operator.mul costs half of float.__mul__ (no slot wrapper). Scoring the ten
            # candidates in numpy instead (term ids, one gather and np.add.reduceat) was slower: ~12 calls of
            # ~1.5 µs against ~10 dot products of 20 terms
            dot = sum(map(mul, weights, map(inc.centroid.get, terms, _ZEROS)))
            sim = dot / inc.norm
            if sim > best_sim:
                best, best_sim = inc, sim
        return best, best_sim

    def add(self, item: Item, vec: dict[str, float] | None = None) -> Incident:
        """Put ``item`` into an incident (its original's, the most similar, or a new one) and return it. ``vec``:
        its :meth:`vector`, when already computed (:meth:`vectors`)."""
        if item.duplicate_of is not None:
            iid = self.item_incident.get(item.duplicate_of)
            inc = self.active.get(iid) if iid is not None else None
            if inc is not None and inc.last_seen >= item.ts - self.window:
                self._join(inc, item, None)
                return inc
        if vec is None:
            vec = self.vector(item.words)
        inc, sim = self.best_match(vec, item.ts) if vec else (None, 0.0)
        if inc is None or sim < self.threshold:
            self._seq += 1
            inc = Incident(id=f"{self.id_prefix}{self._seq}", first_seen=item.ts, last_seen=item.ts)
            self.incidents[inc.id] = inc
            self.active[inc.id] = inc
        self._join(inc, item, vec)
        return inc

    def _join(self, inc: Incident, item: Item, vec: dict[str, float] | None) -> None:
        inc.items.append(item.id)
        item.incident = inc.id
        if item.duplicate_of is None and len(inc.samples) < _SAMPLES:
            inc.samples.append(item.norm_title or item.norm_text[:120])
        self.item_incident[item.id] = inc.id
        ts = item.ts
        if ts < inc.first_seen:
            inc.first_seen = ts
        if ts > inc.last_seen:
            inc.last_seen = ts
        if item.duplicate_of is not None:
            inc.n_duplicates += 1
        if item.label is not None:
            inc.n_labelled += 1
            if item.label == "neg":
                inc.n_negative += 1
        # counts through dict.get: Counter's ``+= 1`` on a new key goes through its Python __missing__
        levels, level = inc.source_levels, item.source_level or ""
        levels[level] = levels.get(level, 0) + 1
        if item.source:
            sources = inc.sources
            sources[item.source] = sources.get(item.source, 0) + 1
        matches = inc.matches
        for key in item.matches:
            matches[key] = matches.get(key, 0) + 1
        hour = int(item.ts // 3600)
        inc.hour_counts[hour] = inc.hour_counts.get(hour, 0) + 1
        if len(inc.hour_counts) > 24 * 30:
            for h in sorted(inc.hour_counts)[: -24 * 30]:
                del inc.hour_counts[h]
        if vec:
            self._update_centroid(inc, vec)

    def _update_centroid(self, inc: Incident, vec: dict[str, float]) -> None:
        c = inc.centroid
        get = c.get
        for t, w in vec.items():
            c[t] = get(t, 0.0) + w
        if len(c) > 2 * self.centroid_terms:  # prune to the heaviest terms (sorting only then: the rest is O(n))
            ranked = sorted(c.items(), key=_second, reverse=True)
            del ranked[self.centroid_terms :]
            inc.centroid = c = dict(ranked)
            top = frozenset(t for t, _ in ranked[: self.index_terms])
        else:  # heapq.nlargest(n, …) is sorted(…)[:n], ties included; the sort in C is faster at this size
            ranked = sorted(c.items(), key=_second, reverse=True)
            top = frozenset(t for t, _ in ranked[: self.index_terms])
        inc.norm = math.hypot(*c.values())  # sqrt of the sum of squares, in C
        if top != inc.index_terms:
            postings = self.postings
            for t in inc.index_terms - top:
                ids = postings.get(t)
                if ids is not None:
                    ids.discard(inc.id)
                    if not ids:
                        del postings[t]
            for t in top - inc.index_terms:
                postings.setdefault(t, set()).add(inc.id)
            inc.index_terms = top

    def expire(self, now: float) -> list[Incident]:
        """Close the incidents last seen before ``now - window``; returns them."""
        cutoff = now - self.window
        gone = [inc for inc in self.active.values() if inc.last_seen < cutoff]
        for inc in gone:
            inc.closed = True
            del self.active[inc.id]
            for t in inc.index_terms:
                ids = self.postings.get(t)
                if ids is not None:
                    ids.discard(inc.id)
                    if not ids:
                        del self.postings[t]
            for item_id in inc.items:
                if self.item_incident.get(item_id) == inc.id:
                    del self.item_incident[item_id]
        return gone

    def drop_closed(self) -> list[Incident]:
        """Forget closed incidents (after they have been stored) and return them."""
        closed = [inc for inc in self.incidents.values() if inc.closed]
        for inc in closed:
            del self.incidents[inc.id]
        return closed


class IncidentStep:
    name = "incidents"

    def able_to_run(self, batch: list[Item], ctx: Context) -> bool:
        return bool(batch)

    def run(self, batch: list[Item], ctx: Context) -> None:
        clusterer = ctx.incidents
        everything = ctx.incident_scope_all()
        chosen = [item for item in batch if everything or item.matches]
        if chosen:
            seg = ctx.segmenter
            segment_items([item for item in chosen if not item.words and not item.tokens], seg)
            content = seg.content
            for item in chosen:
                if not item.words and item.tokens:
                    item.words = content(item.tokens)
            # document frequencies over the clustered items (their originals): the population being compared
            clusterer.observe([item.words for item in chosen if item.duplicate_of is None and item.words])
        clusterer.expire(ctx.now())
        # vectors of the originals in one pass (a duplicate usually joins its original's incident without one)
        originals = [item for item in chosen if item.duplicate_of is None]
        vectors = dict(zip(map(id, originals), clusterer.vectors([item.words for item in originals]), strict=True))
        level_of = ctx.grader.source_level
        for item in chosen:
            if item.source_level is None:
                item.source_level = level_of(item.source, item.url)
            clusterer.add(item, vectors.get(id(item)))
