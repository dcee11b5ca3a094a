"""Trains the shipped sentiment model (``models_data/sentiment.npz``) on the weibo2018 training split.

    python -m taizhang.monitor.train_sentiment --train weibo2018_train.txt --test weibo2018_test.txt \\
        --out taizhang/monitor/models_data/sentiment.npz

Input files: ``id,label,text`` per line (label 1 positive, 0 negative; the text may contain commas). The test file
is only scored, never trained on. The run is deterministic (fixed folds, liblinear with a fixed seed, one thread):
the same inputs and library versions give the same weights (``weights_sha256`` in the metadata); the zip entries
carry a fixed timestamp, so only ``trained_at`` changes from one day to the next (``--date`` or SOURCE_DATE_EPOCH
fix it too).

Model (see :mod:`taizhang.monitor.sentiment`): NB-weighted counts of hashed character 1–3-grams and of rjieba
words, scaled per post by sqrt(sum of r² over the post's feature occurrences), logistic regression (liblinear, L2).
Hyper-parameters were chosen by cross-validation on the training split only (``--validate`` reruns the grid; the
test split is later in time than all training posts, so folds of contiguous time blocks are the closer rehearsal):
C=10, min_df=2, NB smoothing 1, 2**20 char buckets, 2**18 word buckets.

Writes the ``.npz`` (weights + metadata JSON inside) and the same metadata beside it as ``sentiment.json``.
Needs scikit-learn (dev dependency); scoring the shipped model does not.
"""

from __future__ import annotations

import argparse
import datetime as dt
import hashlib
import io
import json
import os
import sys
import zipfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from taizhang.monitor.sentiment import (
    DEFAULT_PATH,
    FORMAT,
    SentimentModel,
    char_ngram_ids,
    prepare,
    word_ids,
    word_tokens,
)

CHAR_BITS = 20
WORD_BITS = 18
NGRAM_MAX = 3
C = 10.0
MIN_DF = 2
NB_ALPHA = 1.0
CHUNK = 2000


# --- data -----------------------------------------------------------------------------------------------------------
@dataclass
class Split:
    ids: list[str]
    texts: list[str]
    labels: npt.NDArray[np.int64]

    def time_order(self) -> npt.NDArray[np.intp]:
        """Row indices by post id: Weibo ids grow with time (file order if the ids are not all numbers)."""
        if all(i.isdigit() for i in self.ids):
            return np.argsort(np.asarray([int(i) for i in self.ids], dtype=np.float64), kind="stable")
        return np.arange(len(self.ids))


def read_rows(path: str | Path) -> Split:
    """The rows of an ``id,label,text`` file."""
    ids: list[str] = []
    texts: list[str] = []
    labels: list[int] = []
    with open(path, encoding="utf-8-sig") as fh:
        for lineno, line in enumerate(fh, 1):
            line = line.rstrip("\r\n")
            if not line.strip():
                continue
            parts = line.split(",", 2)
            if len(parts) != 3 or parts[1] not in ("0", "1"):
                raise ValueError(f"{path}:{lineno}: expected id,label,text with label 0 or 1")
            ids.append(parts[0])
            labels.append(int(parts[1]))
            texts.append(parts[2])
    return Split(ids=ids, texts=texts, labels=np.asarray(labels, dtype=np.int64))


def read_split(path: str | Path) -> tuple[list[str], npt.NDArray[np.int64]]:
    """Texts and labels of an ``id,label,text`` file."""
    rows = read_rows(path)
    return rows.texts, rows.labels


def metrics(y_true: npt.ArrayLike, y_pred: npt.ArrayLike) -> dict[str, float]:
    """Accuracy and macro-F1 (mean of the F1 of both classes)."""
    t = np.asarray(y_true).astype(bool)
    p = np.asarray(y_pred).astype(bool)
    f1s = []
    for cls in (True, False):
        tp = float(np.sum((p == cls) & (t == cls)))
        fp = float(np.sum((p == cls) & (t != cls)))
        fn = float(np.sum((p != cls) & (t == cls)))
        f1s.append(2 * tp / (2 * tp + fp + fn) if tp else 0.0)
    return {"accuracy": float(np.mean(t == p)), "macro_f1": float(np.mean(f1s))}


# --- features -------------------------------------------------------------------------------------------------------
def count_features(
    texts: Sequence[str], char_bits: int = CHAR_BITS, word_bits: int = WORD_BITS, ngram_max: int = NGRAM_MAX
) -> Any:
    """Feature counts, a scipy CSR matrix (posts × (2**char_bits + 2**word_bits)): char buckets, then word buckets.

    Built with the very functions SentimentModel scores with.
    """
    import scipy.sparse as sp

    cdims = 1 << char_bits
    wdims = 1 << word_bits
    rows: list[npt.NDArray[np.intp]] = []
    cols: list[npt.NDArray[np.intp]] = []
    for start in range(0, len(texts), CHUNK):
        chunk = texts[start : start + CHUNK]
        prepared, cps = prepare(chunk)
        seps = np.flatnonzero(cps == 0)
        doc = np.cumsum(cps == 0) - 1 + start
        for ids in char_ngram_ids(cps, char_bits, cdims, ngram_max):
            keep = ids != cdims
            rows.append(doc[keep])
            cols.append(ids[keep])
        wids, wseps = word_ids(word_tokens(prepared), cps, word_bits, wdims)
        if seps.size != len(chunk) + 1 or wseps.size != len(chunk) + 1:
            raise RuntimeError("separator count mismatch")
        wdoc = np.cumsum(wids == wdims) - 1 + start
        keep = wids != wdims
        rows.append(wdoc[keep])
        cols.append(cdims + wids[keep])
    r = np.concatenate(rows)
    c = np.concatenate(cols)
    m = sp.csr_matrix((np.ones(r.size, dtype=np.float64), (r, c)), shape=(len(texts), cdims + wdims))
    m.sum_duplicates()
    return m


# --- fitting --------------------------------------------------------------------------------------------------------
@dataclass
class Fit:
    r: npt.NDArray[np.float64]  # NB ratio per column (0: not a feature)
    coef: npt.NDArray[np.float64]
    intercept: float


def nb_ratio(m: Any, y: npt.NDArray[np.int64], min_df: int, alpha: float) -> npt.NDArray[np.float64]:
    """|log ratio| of the smoothed share of positive vs negative posts containing each feature; 0 below min_df."""
    present = m.copy()
    present.data[:] = 1.0
    df = np.asarray(present.sum(axis=0), dtype=np.float64).ravel()
    seen = df > 0
    p = np.asarray(present[y == 1].sum(axis=0), dtype=np.float64).ravel() + alpha
    q = np.asarray(present[y == 0].sum(axis=0), dtype=np.float64).ravel() + alpha
    r: npt.NDArray[np.float64] = np.abs(np.log(p / p[seen].sum()) - np.log(q / q[seen].sum()))
    r[df < min_df] = 0.0
    return r


def transform(m: Any, r: npt.NDArray[np.float64]) -> Any:
    """x = count * r / sqrt(sum over occurrences of r²): what SentimentModel computes occurrence by occurrence."""
    import scipy.sparse as sp

    norm = np.sqrt(m @ (r * r))
    scale = np.divide(1.0, norm, out=np.zeros_like(norm), where=norm > 0)
    return (sp.diags(scale) @ m @ sp.diags(r)).tocsr()


def fit(m: Any, y: npt.NDArray[np.int64], c: float, min_df: int, alpha: float) -> Fit:
    from sklearn.linear_model import LogisticRegression

    r = nb_ratio(m, y, min_df, alpha)
    clf = LogisticRegression(C=c, solver="liblinear", dual=True, max_iter=5000, random_state=0)
    clf.fit(transform(m, r), y)
    return Fit(r=r, coef=clf.coef_.ravel().astype(np.float64), intercept=float(clf.intercept_[0]))


def predict_proba(f: Fit, m: Any) -> npt.NDArray[np.float64]:
    z = transform(m, f.r) @ f.coef + f.intercept
    return np.asarray(1.0 / (1.0 + np.exp(-z)), dtype=np.float64)


def cross_validate(
    counts: Any,
    y: npt.NDArray[np.int64],
    time_order: npt.NDArray[np.intp],
    cs: Sequence[float],
    min_dfs: Sequence[int],
    alpha: float,
) -> list[dict[str, Any]]:
    """Cross-validation on the training split only, two ways: stratified 5-fold, and 5 contiguous blocks in time
    order (the test split is later than all of the training split, so the second is the closer rehearsal)."""
    from sklearn.model_selection import StratifiedKFold

    everything = np.arange(len(y))
    schemes = {
        "random": list(StratifiedKFold(5, shuffle=True, random_state=0).split(np.zeros(len(y)), y)),
        "time": [(np.setdiff1d(everything, blk), np.sort(blk)) for blk in np.array_split(time_order, 5)],
    }
    results = []
    for min_df in min_dfs:
        for c in cs:
            row: dict[str, Any] = {"C": c, "min_df": min_df}
            for scheme, folds in schemes.items():
                accs = []
                for tr, va in folds:
                    f = fit(counts[tr], y[tr], c, min_df, alpha)
                    accs.append(metrics(y[va], predict_proba(f, counts[va]) > 0.5)["accuracy"])
                row[f"cv_{scheme}"] = round(float(np.mean(accs)), 4)
            print(
                f"  C={c:<6g} min_df={min_df}  accuracy: stratified 5-fold {row['cv_random']:.4f}, "
                f"time blocks {row['cv_time']:.4f}",
                flush=True,
            )
            results.append(row)
    return results


# --- the model file -------------------------------------------------------------------------------------------------
def model_arrays(f: Fit, char_bits: int) -> dict[str, npt.NDArray[Any]]:
    cdims = 1 << char_bits
    v = f.coef * f.r
    q = f.r * f.r
    char_index = np.flatnonzero(f.r[:cdims] > 0)
    word_index = np.flatnonzero(f.r[cdims:] > 0)
    return {
        "char_index": char_index.astype(np.uint32),
        "char_v": v[char_index].astype(np.float32),
        "char_q": q[char_index].astype(np.float32),
        "word_index": word_index.astype(np.uint32),
        "word_v": v[cdims + word_index].astype(np.float32),
        "word_q": q[cdims + word_index].astype(np.float32),
        "intercept": np.asarray([f.intercept], dtype=np.float64),
    }


def weights_digest(arrays: dict[str, npt.NDArray[Any]]) -> str:
    h = hashlib.sha256()
    for name in sorted(arrays):
        if name == "metadata":
            continue
        h.update(name.encode())
        h.update(np.ascontiguousarray(arrays[name]).tobytes())
    return h.hexdigest()


def model_from_arrays(arrays: dict[str, npt.NDArray[Any]], char_bits: int, word_bits: int) -> SentimentModel:
    return SentimentModel(
        char_bits=char_bits,
        word_bits=word_bits,
        ngram_max=NGRAM_MAX,
        char_index=arrays["char_index"],
        char_v=arrays["char_v"],
        char_q=arrays["char_q"],
        word_index=arrays["word_index"],
        word_v=arrays["word_v"],
        word_q=arrays["word_q"],
        intercept=float(arrays["intercept"][0]),
    )


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


def training_date(arg: str | None) -> str:
    if arg:
        return dt.date.fromisoformat(arg).isoformat()
    epoch = os.environ.get("SOURCE_DATE_EPOCH")
    if epoch:
        return dt.datetime.fromtimestamp(int(epoch), dt.UTC).date().isoformat()
    return dt.date.today().isoformat()


# --- main -----------------------------------------------------------------------------------------------------------
def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m taizhang.monitor.train_sentiment",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--train", required=True, help="training split (id,label,text)")
    parser.add_argument("--test", required=True, help="test split, only scored")
    parser.add_argument("--out", default=str(DEFAULT_PATH), help="model file to write (.npz)")
    parser.add_argument("--C", type=float, default=C, dest="c", help="inverse regularisation (default %(default)s)")
    parser.add_argument("--min-df", type=int, default=MIN_DF, help="features seen in fewer training posts are dropped")
    parser.add_argument("--char-bits", type=int, default=CHAR_BITS, help="char n-gram buckets: 2**bits")
    parser.add_argument("--word-bits", type=int, default=WORD_BITS, help="word buckets: 2**bits")
    parser.add_argument("--nb-alpha", type=float, default=NB_ALPHA, help="Naive Bayes smoothing")
    parser.add_argument("--date", help="training date to record (YYYY-MM-DD; default SOURCE_DATE_EPOCH or today)")
    parser.add_argument(
        "--validate",
        action="store_true",
        help="first cross-validate on the training split over --c-grid × --min-df-grid",
    )
    parser.add_argument("--c-grid", default="3,10,30")
    parser.add_argument("--min-df-grid", default="1,2,3")
    args = parser.parse_args(argv)

    import sklearn

    train = read_rows(args.train)
    train_texts, y_train = train.texts, train.labels
    test_texts, y_test = read_split(args.test)
    print(
        f"train: {len(train_texts)} posts ({int(y_train.sum())} positive); "
        f"test: {len(test_texts)} posts ({int(y_test.sum())} positive)",
        flush=True,
    )
    counts = count_features(train_texts, args.char_bits, args.word_bits, NGRAM_MAX)

    validation: list[dict[str, Any]] = []
    if args.validate:
        print("cross-validation on the training split:", flush=True)
        validation = cross_validate(
            counts,
            y_train,
            train.time_order(),
            [float(x) for x in args.c_grid.split(",")],
            [int(x) for x in args.min_df_grid.split(",")],
            args.nb_alpha,
        )

    f = fit(counts, y_train, args.c, args.min_df, args.nb_alpha)
    arrays = model_arrays(f, args.char_bits)
    model = model_from_arrays(arrays, args.char_bits, args.word_bits)
    train_scores = model.score(train_texts)
    test_scores = model.score(test_texts)
    # The numpy scorer must agree with the sparse-matrix formulation it was trained in.
    gap = float(np.max(np.abs(train_scores - predict_proba(f, counts))))
    if gap > 1e-4:
        raise RuntimeError(f"scorer disagrees with the trained model (max |Δp| = {gap:.2e})")
    train_m = metrics(y_train, train_scores > 0.5)
    test_m = metrics(y_test, test_scores > 0.5)

    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    digest = weights_digest(arrays)
    meta: dict[str, Any] = {
        "format": FORMAT,
        "trained_at": training_date(args.date),
        "model": "NB-weighted logistic regression (NB-LR), liblinear L2",
        "features": {
            "text": "Weibo {% %} markup removed, full-width ASCII folded, A-Z lower-cased",
            "char_ngrams": f"1-{NGRAM_MAX} character n-grams, key = code points packed 21 bits each, "
            "bucket = (key * 0x9E3779B97F4A7C15 mod 2**64) >> (64 - char_bits)",
            "words": "rjieba.cut(text, hmm=True) tokens, key = sum(c_j * 0x100000001B3**j) mod 2**64, "
            "bucket = ((key ^ key >> 32) * 0x9E3779B97F4A7C15 mod 2**64) >> (64 - word_bits)",
            "min_df": "features in fewer than min_df training posts get no weight",
            "value": "count * r / sqrt(sum over the post's feature occurrences of r^2), r = |NB log-count ratio|",
        },
        "char_bits": args.char_bits,
        "word_bits": args.word_bits,
        "ngram_max": NGRAM_MAX,
        "hash_dims": {"char": 1 << args.char_bits, "word": 1 << args.word_bits},
        "char_buckets_used": int(arrays["char_index"].size),
        "word_buckets_used": int(arrays["word_index"].size),
        "C": args.c,
        "min_df": args.min_df,
        "nb_alpha": args.nb_alpha,
        "threshold": 0.5,
        "train": {
            "file": Path(args.train).name,
            "sha256": file_sha256(args.train),
            "rows": len(train_texts),
            "positive": int(y_train.sum()),
            **{k: round(v, 4) for k, v in train_m.items()},
        },
        "test": {
            "file": Path(args.test).name,
            "sha256": file_sha256(args.test),
            "rows": len(test_texts),
            "positive": int(y_test.sum()),
            **{k: round(v, 4) for k, v in test_m.items()},
        },
        "accuracy": round(test_m["accuracy"], 4),
        "macro_f1": round(test_m["macro_f1"], 4),
        "validation": validation,
        "versions": {"python": sys.version.split()[0], "numpy": np.__version__, "scikit-learn": sklearn.__version__},
        "weights_sha256": digest,
    }
    meta_bytes = json.dumps(meta, ensure_ascii=False, indent=1).encode("utf-8")
    write_npz(out, {**arrays, "metadata": np.frombuffer(meta_bytes, dtype=np.uint8)})
    out.with_suffix(".json").write_text(json.dumps(meta, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")

    reloaded = SentimentModel.load(out)
    if not np.array_equal(reloaded.score(test_texts), test_scores):
        raise RuntimeError("the written model does not reproduce the scores")
    size = out.stat().st_size
    print(
        f"wrote {out} ({size / 1e6:.2f} MB): {meta['char_buckets_used']} char buckets, "
        f"{meta['word_buckets_used']} word buckets; weights sha256 {digest[:16]}"
    )
    print(f"train accuracy {train_m['accuracy']:.4f}  macro-F1 {train_m['macro_f1']:.4f}")
    print(f"test  accuracy {test_m['accuracy']:.4f}  macro-F1 {test_m['macro_f1']:.4f}  ({len(test_texts)} posts)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
