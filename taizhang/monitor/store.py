"""Analysing one ingest batch and storing the result: the storage steps after the pipeline.

``process_batch(batch_id)`` is the one entry point (the embedded runner, the Celery task and the API all call
it). In one transaction, holding the lock on the ``PipelineState`` row (``select_for_update``; on SQLite the
write transaction itself serialises), it

1. brings this process's pipeline state up to the database (``state.RunnerState.sync``),
2. skips items whose link is already stored (idempotent by URL; by fingerprint and source for items without one),
3. recognises each item's outlet from the registry (source's outlet, link host, source name) and so its level,
4. runs the pipeline (normalize → dedup → segment → watchlist → sentiment → incidents → burst → grading) in
   publication order,
5. stores incidents that reached ``incident_min_items`` (their id becomes the pipeline's incident id), items,
   per-hour aggregates for the district and per incident (curves and the daily brief read only these), timeline
   events, alerts for bursts and grade rises, and placement proposals for articles about the district in outside
   outlets,
6. bumps ``PipelineState.version`` and saves the burst baselines and the stream clock.

A failure rolls everything back, marks the batch failed and drops the in-memory state (rebuilt next time).
"""

from __future__ import annotations

import hashlib
import logging
import threading
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from django.db import connection, transaction
from django.db.models import F
from django.utils import timezone

from taizhang.monitor.alerts import after_commit_deliver, raise_alert
from taizhang.monitor.models import (
    GRADE_NAMES,
    GRADE_RANK,
    LEVEL_NAMES,
    Alert,
    HourlyStat,
    Incident,
    IncidentEvent,
    IncidentHourly,
    IngestBatch,
    MonitorItem,
    PipelineState,
    PlacementProposal,
    Source,
    WatchList,
)
from taizhang.monitor.pipeline import Item
from taizhang.monitor.pipeline.analyze import parse_time
from taizhang.monitor.pipeline.base import from_timestamp
from taizhang.monitor.pipeline.incidents import Incident as Cluster
from taizhang.monitor.pipeline.normalize import fingerprint, normalize_text
from taizhang.monitor.state import RunnerState, ensure_state_row, get_runner

log = logging.getLogger(__name__)
LEVEL_RANK = {"national": 0, "provincial": 1, "municipal": 2, "district": 3}
OUTSIDE_LEVELS = ("national", "provincial", "municipal")
REPRESENTATIVES = 5
_PROCESS_LOCK = threading.Lock()


@dataclass
class BatchOutcome:
    batch_id: int
    status: str = "done"
    received: int = 0
    stored: int = 0
    known: int = 0
    duplicates: int = 0
    incidents_created: list[int] = field(default_factory=list)
    incidents_updated: int = 0
    alerts: list[int] = field(default_factory=list)
    proposals: int = 0
    error: str = ""


def url_hash(url: str) -> str:
    return hashlib.blake2b(url.strip().encode(), digest_size=16).hexdigest() if url else ""


def hour_of(ts: float) -> datetime:
    return datetime.fromtimestamp(int(ts // 3600) * 3600, UTC)


def process_batch(batch_id: int) -> BatchOutcome:
    ensure_state_row()
    runner = get_runner()
    with _PROCESS_LOCK, runner.lock:
        try:
            with transaction.atomic():
                row = PipelineState.objects.select_for_update().get(key="default")
                locked = IngestBatch.objects.select_for_update(of=("self",)).select_related("source")
                batch = locked.filter(pk=batch_id).first()
                if batch is None or batch.status != IngestBatch.Status.PENDING:
                    return BatchOutcome(batch_id, status="skipped")
                outcome = _process(batch, row, runner)
                after_commit_deliver(outcome.alerts)
                return outcome
        except Exception as exc:
            runner.invalidate()
            log.exception("采集批次 %s 分析失败", batch_id)
            message = f"分析失败：{exc.__class__.__name__}: {exc}"[:1000]
            IngestBatch.objects.filter(pk=batch_id, status=IngestBatch.Status.PENDING).update(
                status=IngestBatch.Status.FAILED, error=message, processed_at=timezone.now()
            )
            return BatchOutcome(batch_id, status="failed", error=message)


def _fresh(raw: list[dict[str, Any]], source: Source | None) -> tuple[list[dict[str, Any]], int]:
    """Raw items not stored before: by link, or (no link) by fingerprint within the same source."""
    hashes = [url_hash(r.get("url") or "") for r in raw]
    known: set[str] = set()
    wanted = [h for h in set(hashes) if h]
    for start in range(0, len(wanted), 500):
        known.update(
            MonitorItem.objects.filter(url_hash__in=wanted[start : start + 500]).values_list("url_hash", flat=True)
        )
    prints: dict[int, str] = {}
    for i, r in enumerate(raw):
        if not hashes[i]:
            prints[i] = fingerprint(normalize_text(r.get("title") or ""), normalize_text(r.get("text") or ""))
    known_prints: set[str] = set()
    if prints:
        qs = MonitorItem.objects.filter(url="", fingerprint__in=set(prints.values()))
        known_prints = set((qs.filter(source=source) if source else qs.filter(source__isnull=True))
                           .values_list("fingerprint", flat=True))
    out: list[dict[str, Any]] = []
    seen: set[str] = set()
    skipped = 0
    for i, r in enumerate(raw):
        key = hashes[i] or f"fp:{prints[i]}"
        if key in seen or hashes[i] in known or prints.get(i) in known_prints:
            skipped += 1
            continue
        seen.add(key)
        r["_url_hash"] = hashes[i]
        out.append(r)
    return out, skipped


def _items(batch: IngestBatch, raw: list[dict[str, Any]], runner: RunnerState, now: datetime) -> list[Item]:
    source = batch.source
    matcher = runner.outlets
    items: list[Item] = []
    for i, r in enumerate(raw):
        try:
            published = parse_time(r.get("published_at"))
        except (ValueError, OverflowError, OSError):
            published = None
        if published is not None and published > now + timedelta(hours=1):
            published = None  # a clock or zone error in the source: treated as undated
        url = str(r.get("url") or "")
        name = str(r.get("source") or (source.name if source else ""))
        outlet = source.outlet if source is not None and source.outlet_id else None
        if outlet is None and matcher is not None:
            outlet = matcher.match(url, name)
        level = (outlet.level if outlet else None) or r.get("source_level") or (source.level if source else None)
        item = Item(
            id=f"{batch.pk:x}-{i:x}", url=url, title=str(r.get("title") or ""), text=str(r.get("text") or ""),
            published_at=published or now, source=(outlet.name if outlet else name), source_level=level or None,
        )
        item.extra = {"published": published, "outlet": outlet, "name": name, "url_hash": r.get("_url_hash", "")}
        items.append(item)
    items.sort(key=lambda it: it.published_at or now)
    return items


def _process(batch: IngestBatch, row: PipelineState, runner: RunnerState) -> BatchOutcome:
    now = timezone.now()
    ctx = runner.sync(row)
    assert runner.pipeline is not None
    version = row.version + 1
    outcome = BatchOutcome(batch.pk, received=len(batch.payload or []))
    raw, outcome.known = _fresh(list(batch.payload or []), batch.source)
    items = _items(batch, raw, runner, now)
    ctx.bursts.events.clear()
    if items:
        runner.pipeline.process(items)
    cl = ctx.incidents
    closed = [int(c.id) for c in cl.drop_closed() if c.id.isdigit()]
    if closed:
        Incident.objects.filter(pk__in=closed).update(active=False, seq=version)
    # incidents: new rows for candidates that reached the minimum size, updates for stored ones
    touched = list(dict.fromkeys(it.incident for it in items if it.incident is not None))
    renamed: dict[str, str] = {}
    created: dict[str, Incident] = {}
    for iid in touched:
        inc = cl.incidents.get(iid)
        if inc is None or iid.isdigit() or inc.size < ctx.config.incident_min_items:
            continue
        fields = _incident_fields(inc, version)
        db = Incident.objects.create(**fields)
        runner.rename_incident(iid, str(db.pk))
        renamed[iid] = str(db.pk)
        created[str(db.pk)] = db
    for it in items:
        if it.incident in renamed:
            it.incident = renamed[it.incident]
    batch_keys = {it.id for it in items}
    stored_ids = [iid for iid in dict.fromkeys(renamed.get(i, i) for i in touched) if iid.isdigit()]
    _store_items(batch, items, version, now)
    for iid, db in created.items():
        earlier = [k for k in cl.incidents[iid].items if k not in batch_keys]
        if earlier:
            MonitorItem.objects.filter(key__in=earlier).update(incident=db)
    _hourly(items, created)
    alerts = _update_incidents(ctx, stored_ids, created, items, version, now)
    alerts += _burst_alerts(ctx, renamed, now)
    outcome.alerts = [a.pk for a in alerts]
    outcome.proposals = _proposals(items)
    outcome.stored = len(items)
    outcome.duplicates = sum(1 for it in items if it.duplicate_of is not None)
    outcome.incidents_created = [db.pk for db in created.values()]
    outcome.incidents_updated = len(stored_ids) - len(created)
    row.version = version
    row.state = runner.export_state()
    row.updated_at = now
    row.save(update_fields=["version", "state", "updated_at"])
    runner.version = version
    if batch.source_id:
        Source.objects.filter(pk=batch.source_id).update(
            items_total=F("items_total") + outcome.stored, duplicates_total=F("duplicates_total") + outcome.duplicates
        )
    IngestBatch.objects.filter(pk=batch.pk).update(
        status=IngestBatch.Status.DONE, payload=[], stored=outcome.stored, known=outcome.known,
        duplicates=outcome.duplicates, processed_at=now, error="",
    )
    return outcome


def _incident_fields(inc: Cluster, version: int) -> dict[str, Any]:
    ranked = sorted(inc.centroid.items(), key=lambda kv: kv[1], reverse=True)[:120]
    return {
        "label": inc.headline()[:200],  # a readable headline (pipeline/headline.py); key terms beside it
        "key_terms": inc.key_terms(8),
        "first_seen": from_timestamp(inc.first_seen),
        "last_seen": from_timestamp(inc.last_seen),
        "items_count": inc.size,
        "duplicates_count": inc.n_duplicates,
        "negative_count": inc.n_negative,
        "labelled_count": inc.n_labelled,
        "negative_share": round(inc.negative_share, 4),
        "peak_per_hour": inc.peak_per_hour,
        "grade": inc.grade or "general",
        "score": inc.score or 0.0,
        "sources": dict(inc.sources.most_common(30)),
        "levels": {k or "other": v for k, v in inc.source_levels.items()},
        "matches": dict(inc.matches),
        "state": {"centroid": {t: round(w, 5) for t, w in ranked}, "norm": inc.norm,
                  "index_terms": sorted(inc.index_terms)},
        "seq": version,
        "active": not inc.closed,
    }


def _store_items(batch: IngestBatch, items: list[Item], version: int, now: datetime) -> None:
    reprints = Counter(it.duplicate_of for it in items if it.duplicate_of is not None)
    keys = {it.id for it in items}
    rows = []
    for it in items:
        extra = it.extra
        outlet = extra.get("outlet")
        inc = it.incident if it.incident is not None and it.incident.isdigit() else None
        rows.append(
            MonitorItem(
                key=it.id, source_id=batch.source_id, batch_id=batch.pk, url=it.url[:1000],
                url_hash=extra.get("url_hash", ""), title=(it.norm_title or it.title)[:500], text=it.norm_text,
                source_name=extra.get("name", "")[:100], published_at=extra.get("published"), fetched_at=now,
                at=from_timestamp(it.ts), fingerprint=it.fingerprint,
                signature=it.signature.tobytes() if it.signature is not None else None,
                duplicate_of_id=it.duplicate_of, duplicate_kind=it.duplicate_kind or "", similarity=it.similarity,
                sentiment=it.sentiment, label=it.label or "", matches=it.matches,
                terms=list(dict.fromkeys(it.words))[:50], incident_id=int(inc) if inc else None,
                outlet=outlet, level=it.source_level or "", reach=1 + reprints.get(it.id, 0), seq=version,
            )
        )
    insert_rows(MonitorItem, rows)
    for original, n in reprints.items():
        if original not in keys:
            MonitorItem.objects.filter(key=original).update(reach=F("reach") + n)


def insert_rows(model: Any, objs: list[Any]) -> None:
    """INSERT the objects with one prepared statement (executemany): like bulk_create without returning keys, about
    twice as fast for wide rows (no giant VALUES list to build and parse). Values go through each field's
    ``get_db_prep_save``, as the ORM does."""
    if not objs:
        return
    fields = [f for f in model._meta.concrete_fields if not f.primary_key]
    quote = connection.ops.quote_name
    # Table and column names come from the model; values go as parameters.
    columns = ", ".join(quote(f.column) for f in fields)
    placeholders = ", ".join(["%s"] * len(fields))
    sql = f"INSERT INTO {quote(model._meta.db_table)} ({columns}) VALUES ({placeholders})"  # noqa: S608
    params = [[f.get_db_prep_save(f.pre_save(obj, True), connection) for f in fields] for obj in objs]
    with connection.cursor() as cursor:
        cursor.executemany(sql, params)


def _bump(target: dict[str, int], it: Item) -> None:
    target["items"] += 1
    if it.duplicate_of is not None:
        target["duplicates"] += 1
    target[{"pos": "positive", "neg": "negative"}.get(it.label or "", "neutral")] += 1


def _hourly(items: list[Item], created: dict[str, Incident]) -> None:
    """District and incident counts per hour; a new incident also counts its members from earlier batches."""
    district: dict[datetime, dict[str, Any]] = defaultdict(lambda: defaultdict(int))
    per_incident: dict[tuple[int, datetime], dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for it in items:
        hour = hour_of(it.ts)
        d = district[hour]
        _bump(d, it)
        if it.matches:
            d["matched"] += 1
        d.setdefault("by_level", Counter())[it.source_level or "other"] += 1
        d.setdefault("by_source", Counter())[it.source or "其他"] += 1
        if it.incident is not None and it.incident.isdigit() and it.incident not in created:
            _bump(per_incident[(int(it.incident), hour)], it)
    if created:
        members = MonitorItem.objects.filter(incident_id__in=[db.pk for db in created.values()])
        for iid, at, dup, label in members.values_list("incident_id", "at", "duplicate_of_id", "label"):
            fake = Item(id="", duplicate_of=str(dup) if dup else None, label=label or None)
            _bump(per_incident[(iid, hour_of(at.timestamp()))], fake)
    existing = {h.hour: h for h in HourlyStat.objects.select_for_update().filter(hour__in=list(district))}
    new: list[HourlyStat] = []
    changed: list[HourlyStat] = []
    for hour, counts in district.items():
        h = existing.get(hour) or HourlyStat(hour=hour, by_level={}, by_source={})
        for name in ("items", "duplicates", "matched", "positive", "negative", "neutral"):
            setattr(h, name, getattr(h, name) + counts.get(name, 0))
        h.by_level = dict(Counter(h.by_level) + counts.get("by_level", Counter()))
        merged = Counter(h.by_source) + counts.get("by_source", Counter())
        h.by_source = dict(merged.most_common(50))
        (changed if hour in existing else new).append(h)
    HourlyStat.objects.bulk_create(new)
    if changed:
        HourlyStat.objects.bulk_update(
            changed, ["items", "duplicates", "matched", "positive", "negative", "neutral", "by_level", "by_source"]
        )
    if not per_incident:
        return
    ids = {iid for iid, _ in per_incident}
    hours = {h for _, h in per_incident}
    rows = IncidentHourly.objects.filter(incident_id__in=ids, hour__in=hours)
    have = {(r.incident_id, r.hour): r for r in rows}
    new_rows: list[IncidentHourly] = []
    changed_rows: list[IncidentHourly] = []
    for (iid, hour), counts in per_incident.items():
        r = have.get((iid, hour)) or IncidentHourly(incident_id=iid, hour=hour)
        for name in ("items", "duplicates", "positive", "negative", "neutral"):
            setattr(r, name, getattr(r, name) + counts.get(name, 0))
        (changed_rows if (iid, hour) in have else new_rows).append(r)
    IncidentHourly.objects.bulk_create(new_rows)
    if changed_rows:
        IncidentHourly.objects.bulk_update(changed_rows, ["items", "duplicates", "positive", "negative", "neutral"])


def _snapshot(it: Item) -> dict[str, Any]:
    return {
        "key": it.id, "title": (it.norm_title or it.norm_text[:60])[:200], "url": it.url, "source": it.source,
        "level": it.source_level or "", "at": from_timestamp(it.ts).isoformat(), "label": it.label or "",
    }


def _representatives(current: list[dict[str, Any]], new: list[Item]) -> list[dict[str, Any]]:
    pool = {r["key"]: r for r in current}
    for it in new:
        if it.duplicate_of is None:
            pool.setdefault(it.id, _snapshot(it))
    ranked = sorted(pool.values(), key=lambda r: (LEVEL_RANK.get(r.get("level") or "", 9), r.get("at") or ""))
    return ranked[:REPRESENTATIVES]


def _update_incidents(
    ctx: Any, ids: list[str], created: dict[str, Incident], items: list[Item], version: int, now: datetime
) -> list[Alert]:
    by_incident: dict[str, list[Item]] = defaultdict(list)
    for it in items:
        if it.incident is not None:
            by_incident[it.incident].append(it)
    old: dict[str, dict[str, Any]] = {
        str(r["pk"]): dict(r)
        for r in Incident.objects.filter(pk__in=[int(i) for i in ids]).values("pk", "grade", "representatives")
    }
    alerts: list[Alert] = []
    events: list[IncidentEvent] = []
    for iid in ids:
        inc = ctx.incidents.incidents.get(iid)
        if inc is None:
            continue
        fields = _incident_fields(inc, version)
        prev = old.get(iid, {})
        fields["representatives"] = _representatives(prev.get("representatives") or [], by_incident[iid])
        fields["label"] = inc.headline([r.get("title") or "" for r in fields["representatives"]])[:200]
        Incident.objects.filter(pk=int(iid)).update(**fields, updated_at=now)
        db = Incident(pk=int(iid), label=fields["label"], grade=fields["grade"])
        if iid in created:
            events.append(IncidentEvent(incident_id=int(iid), at=from_timestamp(inc.first_seen), kind="created",
                                        text=f"发现舆情事件，{inc.size}条信息"))
            before = ""
        else:
            before = prev.get("grade") or "general"
        now_grade = fields["grade"]
        if GRADE_RANK.get(now_grade, 0) > GRADE_RANK.get(before or "general", 0):
            name = GRADE_NAMES.get(now_grade, now_grade)
            if before:
                events.append(IncidentEvent(incident_id=int(iid), at=now, kind="grade",
                                            text=f"等级由{GRADE_NAMES.get(before, before)}升为{name}"))
            alert = raise_alert(
                kind=Alert.Kind.GRADE_UP, dedupe_key=f"grade:{iid}:{now_grade}", incident=db, grade=now_grade,
                title=f"{fields['label']}（{name}）",
                body=_summary(inc, fields), now=now,
            )
            if alert is not None:
                alerts.append(alert)
    IncidentEvent.objects.bulk_create(events)
    return alerts


def _summary(inc: Cluster, fields: dict[str, Any]) -> str:
    levels = "、".join(f"{LEVEL_NAMES.get(k, k)}{v}条" for k, v in sorted(fields["levels"].items(),
                                                                      key=lambda kv: LEVEL_RANK.get(kv[0], 9)))
    return (f"共{inc.size}条信息（转载{inc.n_duplicates}条），负面占比{inc.negative_share:.0%}，"
            f"一小时内最多{inc.peak_per_hour}条；来源：{levels or '—'}；关键词：{'、'.join(inc.key_terms(5))}")


def _burst_alerts(ctx: Any, renamed: dict[str, str], now: datetime) -> list[Alert]:
    alerts: list[Alert] = []
    for event in list(ctx.bursts.events):
        series = renamed.get(event.series, event.series)
        when = from_timestamp(event.bucket_start)
        text = (f"{timezone.localtime(when):%H:%M}起{ctx.config.burst_bucket_minutes}分钟内{event.count}条，"
                f"基线{event.mean:.1f}条")
        if series == "*":
            alert = raise_alert(kind=Alert.Kind.BURST, dedupe_key=f"burst:*:{int(event.bucket_start)}",
                                title="全区信息量突增", body=text, grade="major", now=now)
        elif series.isdigit():
            inc = ctx.incidents.incidents.get(series)
            grade = (inc.grade if inc is not None else None) or "general"
            label = inc.headline() if inc is not None else f"事件{series}"
            Incident.objects.filter(pk=int(series)).update(burst=True, last_burst_at=when)
            IncidentEvent.objects.create(incident_id=int(series), at=when, kind="burst", text=f"突发：{text}")
            alert = raise_alert(kind=Alert.Kind.BURST, dedupe_key=f"burst:{series}:{int(event.bucket_start)}",
                                incident=Incident(pk=int(series)), title=f"{label}：信息量突增", body=text,
                                grade=grade, now=now)
        else:
            continue
        if alert is not None:
            alerts.append(alert)
    ctx.bursts.events.clear()
    return alerts


def _proposals(items: list[Item]) -> int:
    """Original articles in outside outlets (national to municipal) about the district that read as good news
    (`placements.is_placement_candidate`)."""
    places = set(WatchList.objects.filter(purpose=WatchList.Purpose.PLACE, enabled=True).values_list("key", flat=True))
    from taizhang.monitor.placements import guess_unit, is_placement_candidate

    chosen = [it for it in items if is_placement_candidate(it, places, OUTSIDE_LEVELS)]
    if not chosen:
        return 0

    pks = dict(MonitorItem.objects.filter(key__in=[it.id for it in chosen]).values_list("key", "pk"))
    rows = []
    for it in chosen:
        text = f"{it.norm_title} {it.norm_text}"
        unit = guess_unit(text)
        if unit is None:
            continue
        published = it.extra.get("published") or from_timestamp(it.ts)
        rows.append(PlacementProposal(
            item_id=pks.get(it.id), item_key=it.id, outlet=it.extra["outlet"], unit=unit,
            title=(it.norm_title or it.norm_text[:60])[:300], url=it.url[:500],
            published_on=timezone.localtime(published).date(), word_count=len(it.norm_text) or None,
            story_key=it.id,
        ))
    PlacementProposal.objects.bulk_create(rows, ignore_conflicts=True)
    return len(rows)
