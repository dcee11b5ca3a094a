"""Sentiment of posts for online-opinion monitoring (舆情监测): P(positive) from a model trained here.

The model (``models_data/sentiment.npz``, rebuilt by ``python -m taizhang.monitor.train_sentiment``) is a logistic
regression over Naive-Bayes-weighted features (NB-LR, after Wang & Manning 2012) of up to two kinds, each hashed
into its own table:

- character n-grams, n = 1 .. ``ngram_max`` (at most 5; ``2**char_bits`` buckets);
- rjieba word tokens (``2**word_bits`` buckets), only when the model was trained with them. The shipped model has
  none: scoring then needs no segmentation, which is what lets the pipeline cut only the posts it clusters.

A small domain lexicon (``dict/sentiment_lexicon.txt``: complaint and praise words) was one feature per group in
training; its learned weight is folded into the rows of the lexicon words' char buckets, and the Platt
calibration into the weights, so neither costs anything here.

Text is prepared by :func:`prepare` (Weibo ``{% %}`` markup removed, full-width ASCII folded, A–Z lower-cased).
A post's feature vector is ``x_f = count_f * r_f / sqrt(sum over the post's feature occurrences of r**2)``, ``r``
being the NB log-count ratio, so that the score is computed occurrence by occurrence, without finding the
distinct features of each post::

    P(positive) = sigmoid(b + sum_occ v[f] / sqrt(sum_occ q[f]))     v = coef * r,  q = r**2

A model may be an ensemble of such NB-LRs ("heads", each over its own n-gram range, e.g. 1–3 and 2–5) averaged in
logit space: then P = sigmoid(b + sum_h V_h / sqrt(Q_h)), the heads' (v, q) side by side in one table row, an
n-gram adding only to the heads whose range holds its length (see :class:`SentimentModel`).

Only numpy and rjieba are needed at run time. A batch is scored as whole arrays: the texts are joined with NUL
separators, n-gram keys are built from the code points by shifts (a code point fits in 21 bits, so a 1–3-gram is
exactly one 64-bit integer; 4- and 5-grams are mixed in by a multiplication), word keys by polynomial prefix sums
over the same code points; both are hashed by a multiplication (Fibonacci hashing: stable across processes,
unlike ``hash()``), looked up, and summed per post with ``np.add.reduceat``. Nothing is downloaded.
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import threading
import zipfile
from collections.abc import Sequence
from pathlib import Path
from typing import Any, Final, Literal

import numpy as np
import numpy.typing as npt

__all__ = [
    "DEFAULT_PATH",
    "FORMAT",
    "FORMATS",
    "SentimentModel",
    "char_ngram_ids",
    "code_points",
    "file_sha256",
    "get_model",
    "prepare",
    "reset_model",
    "weights_digest",
    "word_ids",
    "word_tokens",
    "write_npz",
]

DEFAULT_PATH: Final = Path(__file__).resolve().parent / "models_data" / "sentiment.npz"
FORMAT: Final = "taizhang-sentiment-nblr/2"
FORMATS: Final = ("taizhang-sentiment-nblr/1", FORMAT)  # /1: one head, 1-D tables

SEP: Final = "\x00"  # between posts in a batch; NULs inside a text are replaced by spaces
_GOLDEN: Final = np.uint64(0x9E3779B97F4A7C15)  # 2**64 / golden ratio, odd
_MIX4: Final = np.uint64(0x100000001B3)  # 4- and 5-grams no longer fit 63 bits: mixed in by a multiplication
NGRAM_LIMIT: Final = 5
_CHUNK: Final = 4096  # posts per internal batch: keeps the arrays in cache and rjieba's token list small

Label = Literal["pos", "neg", "neu"]
FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.intp]


# --- features (shared with the training script, so training and scoring see exactly the same thing) ---------------
def code_points(texts: Sequence[str]) -> npt.NDArray[np.uint64]:
    """The code points of the batch ``SEP t1 SEP t2 ... SEP tn SEP`` (``SEP`` is 0), normalised as :func:`prepare`
    says; what char n-gram scoring needs (it skips turning them back into a string)."""
    return _normalised(texts).astype(np.uint64)


def prepare(texts: Sequence[str]) -> tuple[str, npt.NDArray[np.uint64]]:
    """The batch as one string ``SEP t1 SEP t2 ... SEP tn SEP`` and its code points (``SEP`` is 0).

    Weibo's ``{%``/``%}`` markup is removed; full-width ASCII (U+FF01–FF5E) and the ideographic space become their
    ASCII forms; A–Z become a–z. Done on the code-point array: ``unicodedata.normalize("NFKC")`` would cost more
    than everything else together.
    """
    cps = _normalised(texts)
    return cps.tobytes().decode("utf-32-le"), cps.astype(np.uint64)


def _normalised(texts: Sequence[str]) -> npt.NDArray[np.uint32]:
    joined = SEP.join(texts)
    if joined.count(SEP) != max(len(texts) - 1, 0):
        joined = SEP.join(t.replace(SEP, " ") for t in texts)
    joined = (SEP + joined + SEP).replace("{%", "").replace("%}", "")
    try:
        raw = joined.encode("utf-32-le")
    except UnicodeEncodeError:  # lone surrogates
        joined = joined.encode("utf-8", "replace").decode("utf-8")
        raw = joined.encode("utf-32-le")
    cps = np.frombuffer(raw, dtype=np.uint32).copy()
    full = (cps >= 0xFF01) & (cps <= 0xFF5E)
    cps[full] -= 0xFEE0
    cps[cps == 0x3000] = 0x20
    upper = (cps >= 0x41) & (cps <= 0x5A)
    cps[upper] += 0x20
    return cps


def char_ngram_ids(cps: npt.NDArray[np.uint64], bits: int, null: int, nmax: int = 3) -> list[IntArray]:
    """For n = 1..nmax, the bucket of the n-gram starting at each position (``null`` where it would cross a SEP).

    An n-gram's key is its code points packed 21 bits each (exact for n <= 3; for n = 4, 5 the key is the
    (n-1)-gram key times 0x100000001B3 plus the n-th code point, mod 2**64); bucket = top ``bits`` bits of
    key * 0x9E3779B97F4A7C15 (mod 2**64).
    """
    if not 1 <= nmax <= NGRAM_LIMIT:
        raise ValueError(f"nmax must be in 1..{NGRAM_LIMIT}")
    size = cps.size
    if size == 0 or cps[0] != 0 or cps[-1] != 0:
        raise ValueError("the code points must begin and end with SEP (see code_points())")
    shift = np.uint64(64 - bits)
    # an n-gram starting at i crosses a SEP at s when s - n < i <= s: a few positions per post, not a mask
    crossing = np.flatnonzero(cps == 0)[:, None] - np.arange(nmax)
    np.maximum(crossing, 0, out=crossing)
    key = cps.copy()
    out: list[IntArray] = []
    for n in range(1, nmax + 1):
        if n > 1:
            # the keys of the last n-1 positions are left as they were: those n-grams cross the final SEP anyway
            head = key[: size - n + 1]
            if n <= 3:
                head <<= np.uint64(21)
                head |= cps[n - 1 :]
            else:
                head *= _MIX4
                head += cps[n - 1 :]
        hashed = key * _GOLDEN
        hashed >>= shift
        ids: IntArray = hashed.view(np.intp)  # < 2**30: the same value as a signed integer
        ids[crossing[:, :n]] = null
        out.append(ids)
    return out


def word_tokens(prepared: str) -> list[str]:
    """rjieba tokens of a prepared batch: they concatenate back to it, and each ``SEP`` is a token of its own."""
    import rjieba

    tokens: list[str] = rjieba.cut(prepared, True)
    return tokens


class _Powers:
    """P**i and P**-i (mod 2**64) for i < n, grown on demand; P is odd, so it has an inverse.

    Both arrays live in one tuple, swapped in one assignment, so concurrent threads always see a matching pair.
    """

    P: Final = 0x100000001B3
    P_INV: Final = pow(0x100000001B3, -1, 1 << 64)

    def __init__(self) -> None:
        one = np.ones(1, dtype=np.uint64)
        self.pair: tuple[npt.NDArray[np.uint64], npt.NDArray[np.uint64]] = (one, one)

    def upto(self, n: int) -> tuple[npt.NDArray[np.uint64], npt.NDArray[np.uint64]]:
        pair = self.pair
        if pair[0].size < n:
            size = max(n, 2 * pair[0].size)
            pw = np.empty(size, dtype=np.uint64)
            inv = np.empty(size, dtype=np.uint64)
            pw[0] = inv[0] = 1
            pw[1:] = np.uint64(self.P)
            inv[1:] = np.uint64(self.P_INV)
            np.cumprod(pw, out=pw)  # wraps around mod 2**64, as intended
            np.cumprod(inv, out=inv)
            pair = self.pair = (pw, inv)
        return pair


_powers = _Powers()


def word_ids(tokens: Sequence[str], cps: npt.NDArray[np.uint64], bits: int, null: int) -> tuple[IntArray, IntArray]:
    """The bucket of each token (``null`` for SEP tokens) and the indices of the SEP tokens.

    A token's key is the polynomial sum(c_j * P**j) over its code points (mod 2**64), computed for all tokens at
    once from prefix sums over the batch's code points; bucket = top ``bits`` bits of
    (key ^ key >> 32) * 0x9E3779B97F4A7C15.
    """
    lens = np.fromiter(map(len, tokens), dtype=np.intp, count=len(tokens))
    if not lens.all():  # rjieba does not give empty tokens; if one ever did, it would carry no feature
        lens = lens[lens > 0]
    ends = np.cumsum(lens)
    if ends.size == 0 or ends[-1] != cps.size:
        raise RuntimeError("rjieba tokens do not cover the text")
    starts = ends - lens
    pw, inv = _powers.upto(cps.size + 1)
    prefix = np.zeros(cps.size + 1, dtype=np.uint64)
    np.cumsum(cps * pw[: cps.size], out=prefix[1:])
    key = (prefix[ends] - prefix[starts]) * inv[starts]
    key ^= key >> np.uint64(32)
    ids = ((key * _GOLDEN) >> np.uint64(64 - bits)).astype(np.intp)
    is_sep = cps[starts] == 0
    ids[is_sep] = null
    return ids, np.flatnonzero(is_sep)


# --- the model ------------------------------------------------------------------------------------------------------
def _table(index: npt.ArrayLike, v: npt.ArrayLike, q: npt.ArrayLike, size: int) -> npt.NDArray[np.float32]:
    """Rows ``(v_1, q_1, .. v_H, q_H)`` per bucket for H heads, plus a last all-zero row for the null bucket; one
    gather fetches all of them. ``v``/``q`` are (rows,) for one head or (rows, H)."""
    vv = np.asarray(v, dtype=np.float32)
    qq = np.asarray(q, dtype=np.float32)
    if vv.ndim == 1:
        vv, qq = vv[:, None], qq[:, None]
    if vv.shape != qq.shape:
        raise ValueError("v and q tables differ in shape")
    heads = vv.shape[1]
    table = np.zeros((size + 1, 2 * heads), dtype=np.float32)
    rows = np.asarray(index, dtype=np.intp)
    table[rows, 0::2] = vv
    table[rows, 1::2] = qq
    return table


class SentimentModel:
    """Scores texts: :meth:`score` gives P(positive) in [0, 1]; :meth:`label` turns a score into pos/neg/neu.

    The model has one or more heads (an ensemble of NB-LRs over different n-gram ranges ``heads``, e.g.
    ``[(1, 3), (2, 5)]``, averaged in logit space): ``char_v``/``char_q`` have one column per head, the heads share
    the hash buckets, an n-gram adds only to the heads whose range holds its n (as in training: a 4-gram that falls
    in a bucket of a 1–3-gram head adds nothing to that head), and each head is normalised by its own
    ``sqrt(sum q)``. The heads' weights and the calibration are folded into the tables, so
    ``P = sigmoid(b + sum_h V_h / sqrt(Q_h))``.
    """

    def __init__(
        self,
        *,
        char_bits: int,
        word_bits: int,
        char_index: npt.ArrayLike,
        char_v: npt.ArrayLike,
        char_q: npt.ArrayLike,
        word_index: npt.ArrayLike,
        word_v: npt.ArrayLike,
        word_q: npt.ArrayLike,
        intercept: float,
        ngram_max: int = 3,
        heads: Sequence[tuple[int, int]] | None = None,
        metadata: dict[str, Any] | None = None,
        neutral_low: float = 0.4,
        neutral_high: float = 0.6,
        path: Path | None = None,
    ) -> None:
        for bits in (char_bits, word_bits):
            if not 8 <= bits <= 30:
                raise ValueError(f"hash bits must be in 8..30, got {bits}")
        if not 1 <= ngram_max <= NGRAM_LIMIT:
            raise ValueError(f"ngram_max must be in 1..{NGRAM_LIMIT}, got {ngram_max}")
        if not 0.0 <= neutral_low <= neutral_high <= 1.0:
            raise ValueError("the neutral band must satisfy 0 <= low <= high <= 1")
        self.char_bits = char_bits
        self.word_bits = word_bits
        self.ngram_max = ngram_max
        self.intercept = float(intercept)
        self.metadata: dict[str, Any] = dict(metadata or {})
        self.neutral_low = neutral_low
        self.neutral_high = neutral_high
        self.path = path
        self._char_null = 1 << char_bits
        self._word_null = 1 << word_bits
        self._char_table = _table(char_index, char_v, char_q, self._char_null)
        self.heads = self._char_table.shape[1] // 2
        ranges = [(1, ngram_max)] if heads is None else [(int(lo), int(hi)) for lo, hi in heads]
        if len(ranges) != self.heads or any(not 1 <= lo <= hi <= ngram_max for lo, hi in ranges):
            raise ValueError(f"{self.heads} table columns, n-gram ranges {ranges} (n in 1..{ngram_max})")
        self.head_ranges = ranges
        # For each n, the table its n-grams are looked up in: the full one when every head takes n-grams of that
        # length, else a copy with the other heads' columns zeroed (one copy per pattern; whole-row adds stay
        # contiguous, which column-slice adds are not).
        self._tables: list[npt.NDArray[np.float32]] = []
        copies: dict[tuple[int, ...], npt.NDArray[np.float32]] = {}
        for n in range(1, ngram_max + 1):
            cover = tuple(h for h, (lo, hi) in enumerate(ranges) if lo <= n <= hi)
            if len(cover) == len(ranges):
                self._tables.append(self._char_table)
                continue
            if cover not in copies:
                masked = np.zeros_like(self._char_table)
                for h in cover:
                    masked[:, 2 * h : 2 * h + 2] = self._char_table[:, 2 * h : 2 * h + 2]
                copies[cover] = masked
            self._tables.append(copies[cover])
        self._word_table = _table(word_index, word_v, word_q, self._word_null)
        if self._word_table.shape[1] != 2:
            raise ValueError("word features belong to the first head only")
        self._use_words = bool(np.asarray(word_index).size)

    # -- loading ------------------------------------------------------------------------------------------------------
    @classmethod
    def load(
        cls, path: str | Path | None = None, *, neutral_low: float = 0.4, neutral_high: float = 0.6
    ) -> SentimentModel:
        """The model stored at ``path`` (default: the shipped ``models_data/sentiment.npz``).

        ``neutral_low``/``neutral_high`` set the band that :meth:`label` calls neutral. Files of the previous
        format (one head) load too.
        """
        where = Path(path) if path is not None else DEFAULT_PATH
        with np.load(where, allow_pickle=False) as data:
            meta: dict[str, Any] = json.loads(data["metadata"].tobytes().decode("utf-8"))
            if meta.get("format") not in FORMATS:
                raise ValueError(f"{where}: not a {FORMAT} model (format {meta.get('format')!r})")
            return cls(
                char_bits=int(meta["char_bits"]),
                word_bits=int(meta["word_bits"]),
                ngram_max=int(meta["ngram_max"]),
                heads=[_head_range(h) for h in meta["heads"]] if "heads" in meta else None,
                char_index=data["char_index"],
                char_v=data["char_v"],
                char_q=data["char_q"],
                word_index=data["word_index"],
                word_v=data["word_v"],
                word_q=data["word_q"],
                intercept=float(data["intercept"][0]),
                metadata=meta,
                neutral_low=neutral_low,
                neutral_high=neutral_high,
                path=where,
            )

    # -- scoring ------------------------------------------------------------------------------------------------------
    def score(self, texts: Sequence[str]) -> FloatArray:
        """P(positive) for each text, as a float64 array of ``len(texts)`` values in [0, 1]."""
        if isinstance(texts, str):
            raise TypeError("score() takes a sequence of texts; use score_one() for a single text")
        n = len(texts)
        out = np.empty(n, dtype=np.float64)
        for start in range(0, n, _CHUNK):
            chunk = texts[start : start + _CHUNK]
            out[start : start + len(chunk)] = self._score_chunk(chunk)
        return out

    def score_one(self, text: str) -> float:
        """P(positive) for one text."""
        return float(self._score_chunk([text])[0])

    def label(self, score: float, low: float | None = None, high: float | None = None) -> Label:
        """``neg`` below the neutral band, ``pos`` above it, ``neu`` inside (default band 0.4..0.6, inclusive)."""
        lo = self.neutral_low if low is None else low
        hi = self.neutral_high if high is None else high
        if score < lo:
            return "neg"
        if score > hi:
            return "pos"
        return "neu"

    def labels(self, texts: Sequence[str]) -> list[Label]:
        """:meth:`label` of :meth:`score` for each text."""
        return [self.label(s) for s in self.score(texts).tolist()]

    def _score_chunk(self, texts: Sequence[str]) -> FloatArray:
        n = len(texts)
        if n == 0:
            return np.empty(0, dtype=np.float64)
        if self._use_words:
            prepared, cps = prepare(texts)
        else:
            cps = code_points(texts)
        seps = np.flatnonzero(cps == 0)
        if seps.size != n + 1:  # cannot happen: prepare() keeps exactly one SEP per boundary
            raise RuntimeError("separator count mismatch in sentiment features")
        ids = char_ngram_ids(cps, self.char_bits, self._char_null, self.ngram_max)
        vq = np.take(self._tables[0], ids[0], axis=0)  # np.take: several times faster than table[ids] here
        for table, more in zip(self._tables[1:], ids[1:], strict=True):
            vq += np.take(table, more, axis=0)
        # Post k's segment runs from the SEP before it up to the next SEP; SEPs score 0. Summed in float64, so
        # that a post's score does not depend (beyond ~1e-15) on where it sits in the batch.
        sums = np.add.reduceat(vq.astype(np.float64), seps[:-1], axis=0)
        if self._use_words:
            wids, wseps = word_ids(word_tokens(prepared), cps, self.word_bits, self._word_null)
            if wseps.size != n + 1:
                raise RuntimeError("separator count mismatch in sentiment word tokens")
            wvq = np.add.reduceat(np.take(self._word_table, wids, axis=0).astype(np.float64), wseps[:-1], axis=0)
            sums[:, 0:2] += wvq
        z = np.full(n, self.intercept, dtype=np.float64)
        for h in range(self.heads):
            sum_q = sums[:, 2 * h + 1]
            has = sum_q > 0
            z[has] += sums[has, 2 * h] / np.sqrt(sum_q[has])
        np.clip(z, -700.0, 700.0, out=z)  # exp() stays finite
        return 1.0 / (1.0 + np.exp(-z))


# --- writing the model file (the training script) ---------------------------------------------------------------------
def weights_digest(arrays: dict[str, npt.NDArray[Any]]) -> str:
    h = hashlib.sha256()
    for name in sorted(arrays):
        if name == "metadata":
            continue
        h.update(name.encode())
        h.update(np.ascontiguousarray(arrays[name]).tobytes())
    return h.hexdigest()


def write_npz(path: Path, arrays: dict[str, npt.NDArray[Any]]) -> None:
    """Like ``np.savez_compressed`` but with fixed zip timestamps, so equal arrays give an equal file."""
    tmp = path.with_name(path.name + ".tmp")
    with zipfile.ZipFile(tmp, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=9) as zf:
        for name in sorted(arrays):
            buf = io.BytesIO()
            np.lib.format.write_array(buf, np.ascontiguousarray(arrays[name]), allow_pickle=False)
            info = zipfile.ZipInfo(f"{name}.npy", date_time=(1980, 1, 1, 0, 0, 0))
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            zf.writestr(info, buf.getvalue(), compresslevel=9)
    os.replace(tmp, path)


def file_sha256(path: str | Path) -> str:
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


def _head_range(name: str) -> tuple[int, int]:
    lo, _, hi = name.partition("-")
    return int(lo), int(hi or lo)


# --- the shared instance --------------------------------------------------------------------------------------------
_model: SentimentModel | None = None
_lock = threading.Lock()


def get_model() -> SentimentModel:
    """The shipped model, loaded once per process."""
    global _model
    if _model is None:
        with _lock:
            if _model is None:
                _model = SentimentModel.load()
    return _model


def reset_model() -> None:
    """Forget the cached model (tests)."""
    global _model
    with _lock:
        _model = None
