"""The contract every monitoring step follows, the item it works on and the state shared between batches.

After paperless-ngx's document plugins: a :class:`Pipeline` passes each batch of :class:`Item` through an ordered
list of :class:`Step` objects. A step reads and writes item fields and keeps whatever must outlive a batch (the
dedup index, the incident clusters, the burst baselines) in the :class:`Context`, so the pipeline is incremental:
feeding a stream batch by batch gives the same result as feeding it at once (within the configured windows).

Nothing here needs Django or a database; the storage layer turns items into rows afterwards.
"""

from __future__ import annotations

import gc
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta, timezone
from typing import TYPE_CHECKING, Any, Protocol, runtime_checkable

if TYPE_CHECKING:
    import numpy as np

    from .burst import BurstDetector
    from .dedup import DedupIndex, MinHasher
    from .grading import Grader
    from .incidents import IncidentClusterer
    from .segment import Segmenter
    from .watchlist import WatchList, WatchListMatcher

# Chinese public content is dated in China Standard Time; a naive datetime is read as that.
CHINA_TZ = timezone(timedelta(hours=8), "CST")


@dataclass(slots=True)
class Item:
    """One public post or article as it passes the pipeline. The first block is input, the rest is set by steps."""

    id: str
    url: str = ""
    title: str = ""
    text: str = ""
    published_at: datetime | None = None
    source: str = ""
    source_level: str | None = None  # national / provincial / municipal / district / other, when the feed knows it
    # set by the pipeline clock
    ts: float = 0.0  # seconds since the epoch: published_at, or the stream time when it is missing
    # normalize
    norm_title: str = ""
    norm_text: str = ""
    fingerprint: str = ""  # blake2b of the normalised title and text: equal means exact duplicate
    # dedup
    signature: np.ndarray | None = None  # MinHash signature (uint32), None when the text is too short
    duplicate_of: str | None = None  # id of the first-seen item (the original) this one reprints
    duplicate_kind: str | None = None  # "exact" or "near"
    similarity: float | None = None  # estimated Jaccard similarity to the item it was matched with
    reprint_chain: list[str] = field(default_factory=list)  # original → … → this item, for a duplicate
    # segment
    tokens: list[str] = field(default_factory=list)  # every token of title and text, as rjieba cuts them
    words: list[str] = field(default_factory=list)  # content words (no stopwords, punctuation, single characters);
    # set by the incidents step for the items it clusters
    # watchlist
    matches: list[str] = field(default_factory=list)  # keys of the watch lists whose expression is true
    # sentiment
    sentiment: float | None = None  # P(positive), 0..1
    label: str | None = None  # "pos" / "neg" / "neu"
    # incidents
    incident: str | None = None  # id of the incident the item joined
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def is_duplicate(self) -> bool:
        return self.duplicate_of is not None


@dataclass
class PipelineConfig:
    """Every tunable of the pipeline in one place. Defaults are the ones chosen in bench/bench_pipeline.py."""

    batch_size: int = 4096
    # normalize
    html: bool = True
    # dedup (see dedup.py for the measurement behind these)
    shingle_size: int = 3
    num_perm: int = 64
    bands: int = 16  # rows per band = num_perm // bands
    minhash_scheme: str = "oph"  # "oph" (one permutation + densification) or "kperm" (num_perm hash functions)
    near_dup_threshold: float = 0.5  # estimated Jaccard of character shingles
    dedup_min_chars: int = 20  # shorter texts are only deduplicated exactly
    dedup_max_chars: int = 2000  # only the start of long articles is shingled
    dedup_max_items: int = 100_000  # the index forgets the oldest items beyond this …
    dedup_window_hours: float = 72.0  # … and items older than this before the newest one
    # segment
    segment_max_chars: int = 1000
    segment_hmm: bool = True
    userdict_path: str | None = None  # None: the shipped dict/userdict.txt
    stopwords_path: str | None = None  # None: the shipped dict/stopwords.txt
    # sentiment
    sentiment_max_chars: int = 512
    neutral_band: tuple[float, float] | None = None  # None: the model's own label()
    # incidents
    incident_scope: str = "auto"  # "matched", "all", or "auto" (matched when there are watch lists, else all)
    incident_threshold: float = 0.25  # cosine similarity to an incident centroid (short posts share few words)
    incident_window_hours: float = 72.0
    incident_vector_terms: int = 20
    incident_centroid_terms: int = 60
    incident_index_terms: int = 12
    incident_min_items: int = 2  # smaller clusters are not reported as incidents
    # burst
    burst_bucket_minutes: int = 10
    burst_alpha: float = 0.1
    burst_z: float = 3.5
    burst_min_count: int = 5
    burst_warmup_buckets: int = 3
    burst_new_series_count: int = 20
    burst_district_share: float = 0.05
    # grading
    grading_path: str | None = None  # None: the shipped dict/grading.json
    grading_rules: dict[str, Any] | None = None  # overrides grading_path when given

    @property
    def rows_per_band(self) -> int:
        return self.num_perm // self.bands


class Context:
    """State shared by the steps and kept across batches."""

    def __init__(
        self,
        config: PipelineConfig | None = None,
        watchlists: Sequence[WatchList] | None = None,
        sentiment_model: Any = None,
        now: datetime | None = None,
    ) -> None:
        from .burst import BurstDetector
        from .dedup import DedupIndex, MinHasher
        from .grading import Grader
        from .incidents import IncidentClusterer
        from .watchlist import WatchListMatcher

        self.config = config or PipelineConfig()
        cfg = self.config
        self.hasher: MinHasher = MinHasher(
            num_perm=cfg.num_perm,
            shingle_size=cfg.shingle_size,
            scheme=cfg.minhash_scheme,
            min_chars=cfg.dedup_min_chars,
            max_chars=cfg.dedup_max_chars,
        )
        self.dedup: DedupIndex = DedupIndex(
            num_perm=cfg.num_perm,
            bands=cfg.bands,
            threshold=cfg.near_dup_threshold,
            max_items=cfg.dedup_max_items,
            window_seconds=cfg.dedup_window_hours * 3600,
        )
        self.watchlists: WatchListMatcher = WatchListMatcher(watchlists or [])
        self._segmenter: Segmenter | None = None
        self._sentiment_model = sentiment_model
        self.incidents: IncidentClusterer = IncidentClusterer(cfg)
        self.bursts: BurstDetector = BurstDetector(
            bucket_seconds=cfg.burst_bucket_minutes * 60,
            alpha=cfg.burst_alpha,
            z_threshold=cfg.burst_z,
            min_count=cfg.burst_min_count,
            warmup_buckets=cfg.burst_warmup_buckets,
            new_series_count=cfg.burst_new_series_count,
            district_share=cfg.burst_district_share,
        )
        self.grader: Grader = (
            Grader(cfg.grading_rules) if cfg.grading_rules is not None else Grader.load(cfg.grading_path)
        )
        self.started_at = (now or datetime.now(UTC)).timestamp()
        self.stream_time: float | None = None  # latest published_at seen
        self.items_seen = 0
        self.duplicates_seen = 0
        self.timings: dict[str, float] = {}

    # Lazily built: loading the dictionary and the model costs time that an index-only run does not need.
    @property
    def segmenter(self) -> Segmenter:
        if self._segmenter is None:
            from .segment import Segmenter

            cfg = self.config
            self._segmenter = Segmenter(
                userdict_path=cfg.userdict_path,
                stopwords_path=cfg.stopwords_path,
                hmm=cfg.segment_hmm,
                max_chars=cfg.segment_max_chars,
            )
            gc.freeze()  # the dictionary and caches live as long as the process: later collections skip them
        return self._segmenter

    @property
    def sentiment_model(self) -> Any:
        if self._sentiment_model is None:
            from taizhang.monitor.sentiment import get_model  # written separately; imported only when needed

            self._sentiment_model = get_model()
            gc.freeze()
        return self._sentiment_model

    def incident_scope_all(self) -> bool:
        scope = self.config.incident_scope
        if scope == "auto":
            return not self.watchlists
        return scope == "all"

    def now(self) -> float:
        """Stream time: the latest publication time seen, so old exports are analysed as of their own time."""
        return self.stream_time if self.stream_time is not None else self.started_at


def to_timestamp(value: datetime | None) -> float | None:
    if value is None:
        return None
    if value.tzinfo is None:
        value = value.replace(tzinfo=CHINA_TZ)
    return value.timestamp()


def from_timestamp(ts: float) -> datetime:
    return datetime.fromtimestamp(ts, CHINA_TZ)


@runtime_checkable
class Step(Protocol):
    """One stage of the pipeline. ``run`` changes the items of the batch in place and may update ``ctx``."""

    name: str

    def able_to_run(self, batch: list[Item], ctx: Context) -> bool: ...

    def run(self, batch: list[Item], ctx: Context) -> None: ...


class Pipeline:
    """An ordered list of steps run over batches of items, with state kept in one :class:`Context`."""

    def __init__(
        self,
        steps: Sequence[Step] | None = None,
        ctx: Context | None = None,
        clock: Callable[[], float] = time.perf_counter,
    ) -> None:
        if steps is None:
            from . import default_steps

            steps = default_steps()
        self.steps = list(steps)
        self.ctx = ctx or Context()
        self.clock = clock  # for ctx.timings; a benchmark on a busy machine passes time.process_time

    def process(self, items: Iterable[Item]) -> list[Item]:
        """Run every step over ``items`` in batches of ``config.batch_size``; returns the items, changed in place."""
        out: list[Item] = []
        size = max(1, self.ctx.config.batch_size)
        batch: list[Item] = []
        for item in items:
            batch.append(item)
            if len(batch) >= size:
                self.process_batch(batch)
                out.extend(batch)
                batch = []
        if batch:
            self.process_batch(batch)
            out.extend(batch)
        return out

    def process_batch(self, batch: list[Item]) -> None:
        """Run every step over one batch. The cyclic garbage collector is paused meanwhile: the steps make many
        short-lived objects and no cycles, and its passes over them cost ~8 % of the time (it runs again after)."""
        ctx = self.ctx
        self._clock(batch)
        paused = gc.isenabled()
        gc.disable()
        try:
            for step in self.steps:
                if not step.able_to_run(batch, ctx):
                    continue
                started = self.clock()
                step.run(batch, ctx)
                ctx.timings[step.name] = ctx.timings.get(step.name, 0.0) + self.clock() - started
        finally:
            if paused:
                gc.enable()
        ctx.items_seen += len(batch)
        ctx.duplicates_seen += sum(1 for item in batch if item.duplicate_of is not None)

    def _clock(self, batch: list[Item]) -> None:
        ctx = self.ctx
        latest = ctx.stream_time
        for item in batch:
            published = item.published_at
            if published is None:
                item.ts = ctx.now() if latest is None else latest  # ctx.now(), with the stream time so far
                continue
            if published.tzinfo is None:
                published = published.replace(tzinfo=CHINA_TZ)
            ts = item.ts = published.timestamp()
            if latest is None or ts > latest:
                latest = ts
        ctx.stream_time = latest
