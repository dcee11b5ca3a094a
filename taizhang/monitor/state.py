"""The pipeline's incremental state in a process, rebuilt from the database and kept in step with it.

The pipeline (``monitor.pipeline``) keeps its memory in a :class:`~taizhang.monitor.pipeline.base.Context`: the
dedup index, the incident clusters and the burst baselines. A process (``monitor run``, a Celery worker, the web
process running an API batch) holds one :class:`RunnerState`; before each batch, under the lock on the
:class:`~taizhang.monitor.models.PipelineState` row, it is brought up to ``PipelineState.version``:

* first use (or after a failure): **rebuilt** from the recent window — items of the last ``dedup_window_hours``
  (fingerprints and stored MinHash signatures, at most ``dedup_max_items``) go back into the dedup index, the
  content words of clustered originals give the document frequencies, every active incident is restored with
  its centroid (``Incident.state``), counts, hourly curve and members, and the burst baselines come from
  ``PipelineState.state``;
* when another process has processed batches since (``version`` moved on): **caught up** from the rows those
  batches wrote (items and incidents carry the version that wrote them);
* otherwise used as it is.

Incident candidates with a single item live only in memory until a second item joins (then the incident gets a
row and its database id becomes its pipeline id); they are not restored after a restart.
"""

from __future__ import annotations

import logging
import threading
from collections import Counter
from datetime import UTC, datetime
from typing import Any

import numpy as np
from django.utils import timezone

from taizhang.monitor.lexicon import load_model
from taizhang.monitor.models import Incident, IncidentHourly, MonitorItem, PipelineState, WatchList
from taizhang.monitor.outlets import OutletMatcher
from taizhang.monitor.pipeline import Context, Item, Pipeline, PipelineConfig, default_steps
from taizhang.monitor.pipeline.burst import DISTRICT, _Series
from taizhang.monitor.pipeline.dedup import EMPTY
from taizhang.monitor.pipeline.incidents import Incident as Cluster
from taizhang.monitor.pipeline.watchlist import WatchList as PipelineWatchList
from taizhang.monitor.pipeline.watchlist import WatchListSyntaxError

log = logging.getLogger(__name__)
CANDIDATE_PREFIX = "n"  # in-memory incident candidates: n1, n2 …; stored incidents: their primary key


def ensure_state_row() -> PipelineState:
    row, _ = PipelineState.objects.get_or_create(key="default")
    return row


def load_watchlists() -> tuple[list[PipelineWatchList], tuple[Any, ...]]:
    rows = list(WatchList.objects.filter(enabled=True).order_by("key").values_list("key", "name", "expression"))
    lists = []
    for key, name, expression in rows:
        try:
            lists.append(PipelineWatchList(key=key, name=name, expression=expression))
        except WatchListSyntaxError as exc:  # saved through the actions, so only a hand-edited row gets here
            log.warning("关注词 %s 的表达式有误，已跳过：%s", key, exc)
    return lists, tuple(rows)


class RunnerState:
    """One process's pipeline, its context and what it knows of the database."""

    def __init__(self, config: PipelineConfig | None = None) -> None:
        self.config = config or PipelineConfig()
        self.ctx: Context | None = None
        self.pipeline: Pipeline | None = None
        self.version = -1
        self.watch_signature: tuple[Any, ...] | None = None
        self.outlets: OutletMatcher | None = None
        self.lock = threading.RLock()

    def invalidate(self) -> None:
        self.ctx = None
        self.pipeline = None
        self.version = -1
        self.outlets = None

    # --- bringing the state up to the database ------------------------------------------------------------------
    def sync(self, row: PipelineState) -> Context:
        lists, signature = load_watchlists()
        if self.ctx is None or row.version < self.version:
            self.rebuild(row, lists)
        elif row.version > self.version:
            self.catch_up(row, self.version)
        assert self.ctx is not None
        if signature != self.watch_signature:
            from taizhang.monitor.pipeline.watchlist import WatchListMatcher

            self.ctx.watchlists = WatchListMatcher(lists)
            self.watch_signature = signature
        self.outlets = OutletMatcher.load()  # small table; outlets edited by staff take effect at the next batch
        self.version = row.version
        return self.ctx

    def rebuild(self, row: PipelineState, lists: list[PipelineWatchList]) -> None:
        ctx = Context(self.config, watchlists=lists, sentiment_model=load_model())
        ctx.incidents.id_prefix = CANDIDATE_PREFIX
        self.ctx = ctx
        self.pipeline = Pipeline(default_steps(), ctx)
        self.watch_signature = None
        stream = (row.state or {}).get("stream_time")
        ctx.stream_time = float(stream) if stream is not None else None
        now = ctx.stream_time if ctx.stream_time is not None else timezone.now().timestamp()
        cfg = self.config
        since = datetime.fromtimestamp(now - cfg.dedup_window_hours * 3600, UTC)
        recent = MonitorItem.objects.filter(at__gte=since).order_by("-at", "-id")[: cfg.dedup_max_items]
        self._index_items(list(recent.values_list("key", "fingerprint", "signature", "at", "duplicate_of_id"))[::-1])
        window = datetime.fromtimestamp(now - cfg.incident_window_hours * 3600, UTC)
        terms = MonitorItem.objects.filter(at__gte=window, duplicate_of__isnull=True).exclude(terms=[])
        ctx.incidents.observe([t for t in terms.values_list("terms", flat=True).iterator(2000) if t])
        self._load_incidents(Incident.objects.filter(active=True))
        self._load_bursts(row)
        self.version = row.version
        log.info("舆情分析状态已从数据库重建：版本 %s，去重索引 %s 条，活跃事件 %s 个",
                 row.version, len(ctx.dedup), len(ctx.incidents.active))

    def catch_up(self, row: PipelineState, since_version: int) -> None:
        ctx = self.ctx
        assert ctx is not None
        stream = (row.state or {}).get("stream_time")
        if stream is not None:
            ctx.stream_time = max(float(stream), ctx.stream_time or float(stream))
        rows = MonitorItem.objects.filter(seq__gt=since_version).order_by("at", "id")
        self._index_items(list(rows.values_list("key", "fingerprint", "signature", "at", "duplicate_of_id")))
        originals = rows.filter(duplicate_of__isnull=True).exclude(terms=[])
        ctx.incidents.observe([t for t in originals.values_list("terms", flat=True) if t])
        changed = Incident.objects.filter(seq__gt=since_version)
        for iid in changed.filter(active=False).values_list("pk", flat=True):
            self._forget_incident(str(iid))
        self._load_incidents(changed.filter(active=True))
        self._load_bursts(row)

    # --- pieces -----------------------------------------------------------------------------------------------
    def _index_items(self, rows: list[tuple[Any, ...]]) -> None:
        ctx = self.ctx
        assert ctx is not None
        k = ctx.config.num_perm
        for start in range(0, len(rows), 50_000):
            chunk = rows[start : start + 50_000]
            items: list[Item] = []
            sig = np.full((len(chunk), k), EMPTY, dtype=np.uint32)
            valid = np.zeros(len(chunk), dtype=bool)
            for i, (key, fp, signature, at, _dup) in enumerate(chunk):
                item = Item(id=key)
                item.fingerprint = fp
                item.ts = at.timestamp()
                items.append(item)
                if signature:
                    arr = np.frombuffer(bytes(signature), dtype=np.uint32)
                    if len(arr) == k:
                        sig[i] = arr
                        valid[i] = True
            if items:
                bkeys = ctx.hasher.band_keys(sig, ctx.dedup.bands)
                ctx.dedup.add_batch(items, sig, valid, bkeys)

    def _load_incidents(self, qs: Any) -> None:
        ctx = self.ctx
        assert ctx is not None
        cl = ctx.incidents
        rows = list(qs)
        if not rows:
            return
        ids = [r.pk for r in rows]
        members: dict[int, list[str]] = {i: [] for i in ids}
        for key, member_of in MonitorItem.objects.filter(incident_id__in=ids).values_list("key", "incident_id"):
            members[member_of].append(key)
        hours: dict[int, dict[int, int]] = {i: {} for i in ids}
        curves = IncidentHourly.objects.filter(incident_id__in=ids).values_list("incident_id", "hour", "items")
        for pk, hour, n in curves:
            hours[pk][int(hour.timestamp() // 3600)] = n
        for r in rows:
            iid = str(r.pk)
            self._forget_incident(iid)
            state = r.state or {}
            keys = members[r.pk]
            if len(keys) < r.items_count:  # members pruned: keep the volume the grading sees
                keys += [f"p{r.pk}-{i}" for i in range(r.items_count - len(keys))]
            inc = Cluster(
                id=iid, first_seen=r.first_seen.timestamp(), last_seen=r.last_seen.timestamp(), items=keys,
                n_duplicates=r.duplicates_count, n_negative=r.negative_count, n_labelled=r.labelled_count,
                centroid={str(t): float(w) for t, w in (state.get("centroid") or {}).items()},
                norm=float(state.get("norm") or 0.0),
                source_levels=Counter(r.levels or {}), sources=Counter(r.sources or {}),
                matches=Counter(r.matches or {}), hour_counts=hours[r.pk], burst=r.burst, grade=r.grade,
                score=r.score,
            )
            index_terms = frozenset(state.get("index_terms") or [])
            inc.index_terms = index_terms
            cl.incidents[iid] = inc
            cl.active[iid] = inc
            for t in index_terms:
                cl.postings.setdefault(t, set()).add(iid)
            for key in keys:
                cl.item_incident[key] = iid

    def _forget_incident(self, iid: str) -> None:
        ctx = self.ctx
        assert ctx is not None
        cl = ctx.incidents
        inc = cl.incidents.pop(iid, None)
        cl.active.pop(iid, None)
        if inc is None:
            return
        for t in inc.index_terms:
            ids = cl.postings.get(t)
            if ids is not None:
                ids.discard(iid)
                if not ids:
                    del cl.postings[t]
        for key in inc.items:
            if cl.item_incident.get(key) == iid:
                del cl.item_incident[key]

    def _load_bursts(self, row: PipelineState) -> None:
        ctx = self.ctx
        assert ctx is not None
        series = {}
        for key, values in ((row.state or {}).get("bursts") or {}).items():
            bucket, count, mean, var, n, flagged = values
            s = _Series(int(bucket))
            s.count, s.mean, s.var, s.n, s.flagged = int(count), float(mean), float(var), int(n), bool(flagged)
            series[str(key)] = s
        # candidates of this process keep their series; stored ones follow the database
        for key, s in ctx.bursts.series.items():
            if key.startswith(CANDIDATE_PREFIX):
                series[key] = s
        ctx.bursts.series = series

    # --- after a batch ----------------------------------------------------------------------------------------
    def rename_incident(self, old: str, new: str) -> None:
        """A candidate got its row: its pipeline id becomes the row's primary key everywhere in the state."""
        ctx = self.ctx
        assert ctx is not None
        cl = ctx.incidents
        inc = cl.incidents.pop(old)
        inc.id = new
        cl.incidents[new] = inc
        if cl.active.pop(old, None) is not None:
            cl.active[new] = inc
        for t in inc.index_terms:
            ids = cl.postings.get(t)
            if ids is not None and old in ids:
                ids.discard(old)
                ids.add(new)
        for key in inc.items:
            if cl.item_incident.get(key) == old:
                cl.item_incident[key] = new
        s = ctx.bursts.series.pop(old, None)
        if s is not None:
            ctx.bursts.series[new] = s

    def export_state(self) -> dict[str, Any]:
        ctx = self.ctx
        assert ctx is not None
        bursts = {
            key: [s.bucket, s.count, round(s.mean, 6), round(s.var, 6), s.n, s.flagged]
            for key, s in ctx.bursts.series.items()
            if key == DISTRICT or key.isdigit()
        }
        return {"stream_time": ctx.stream_time, "bursts": bursts}


_RUNNER: RunnerState | None = None
_RUNNER_LOCK = threading.Lock()


def get_runner() -> RunnerState:
    global _RUNNER
    with _RUNNER_LOCK:
        if _RUNNER is None:
            _RUNNER = RunnerState()
        return _RUNNER


def reset_runner() -> None:
    """Forget the in-memory state (tests, and after a failed batch): the next batch rebuilds it."""
    global _RUNNER
    with _RUNNER_LOCK:
        _RUNNER = None

