"""Sentiment step: scores the batch with the shipped model (``taizhang.monitor.sentiment``) in one call.

The model is loaded lazily by :attr:`Context.sentiment_model` (``get_model()``), or injected into the Context.
Contract: ``model.score(texts) -> numpy array of P(positive)`` and ``model.label(score) -> "pos" | "neg" | "neu"``.
Texts are the normalised title and the first ``sentiment_max_chars`` characters of the body; exact duplicates in a
batch are scored once.
"""

from __future__ import annotations

import numpy as np

from .base import Context, Item


class SentimentStep:
    name = "sentiment"

    def able_to_run(self, batch: list[Item], ctx: Context) -> bool:
        return bool(batch)

    def run(self, batch: list[Item], ctx: Context) -> None:
        model = ctx.sentiment_model
        limit = ctx.config.sentiment_max_chars
        position: dict[str, int] = {}
        texts: list[str] = []
        rows: list[int] = []
        for item in batch:
            pos = position.get(item.fingerprint)
            if pos is None:
                pos = position[item.fingerprint] = len(texts)
                body = item.norm_text[:limit]
                texts.append(f"{item.norm_title} {body}" if item.norm_title else body)
            rows.append(pos)
        scores = np.asarray(model.score(texts), dtype=np.float64).reshape(-1)
        if len(scores) != len(texts):
            raise RuntimeError(f"情感模型返回 {len(scores)} 个分数，应为 {len(texts)} 个")
        band = ctx.config.neutral_band
        label = model.label
        values = scores.tolist()  # Python floats, without a numpy scalar per item
        for item, pos in zip(batch, rows, strict=True):
            score = values[pos]
            item.sentiment = score
            if band is not None:
                item.label = "neg" if score < band[0] else "pos" if score > band[1] else "neu"
            else:
                item.label = label(score)
