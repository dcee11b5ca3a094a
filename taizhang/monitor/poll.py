"""Polling a source: fetch (fetch.py), read (readers.py), and put what is new into an :class:`IngestBatch`.

Scheduling per source: ``next_poll_at`` = now + the current interval. With ``adaptive`` on, the interval follows
the share of fetched items that were already stored (the duplicate rate, smoothed over polls): nothing new (304
or all known) → ×1.5, up to 8× the schedule; a rate under 0.2 → ×0.75, down to a quarter of the schedule (at least
one minute); a rate over 0.8 → ×1.25; otherwise back toward the schedule. A failure backs off exponentially:
schedule × 2^failures (at most a day), with ±10 % jitter so sources do not fail in step.

Politeness: at least ``TAIZHANG_MONITOR_HOST_INTERVAL`` seconds (default 5) between the starts of two requests to
one host, shared by every worker through the :class:`HostSlot` row of the host. A list page and its articles are
fetched one after the other under the same rule.
"""

from __future__ import annotations

import hashlib
import logging
import random
import time
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone

from taizhang.monitor import conf
from taizhang.monitor.fetch import FetchError, fetch
from taizhang.monitor.models import HostSlot, IngestBatch, MonitorItem, Source
from taizhang.monitor.readers import (
    ReadError,
    article_links,
    canonical,
    decode_html,
    extract_article,
    parse_feed,
    read_import_file,
)
from taizhang.monitor.readers import read_file as read_export

log = logging.getLogger(__name__)
MAX_POLITE_WAIT = 120.0  # seconds a poll may wait for its host before it is put off to the next cycle
DUP_ALPHA = 0.3  # smoothing of the duplicate rate


class HostBusy(Exception):
    pass


def reserve_host(host: str, interval: float | None = None) -> float:
    """Book the next request slot of ``host``; returns the seconds to wait before it starts."""
    interval = conf.get_float("TAIZHANG_MONITOR_HOST_INTERVAL") if interval is None else interval
    if interval <= 0:
        return 0.0
    host = host.lower()
    for _ in range(3):
        try:
            with transaction.atomic():
                slot = HostSlot.objects.select_for_update().filter(host=host).first()
                if slot is None:
                    slot = HostSlot.objects.create(host=host, next_at=timezone.now())
                now = timezone.now()
                start = max(now, slot.next_at)
                slot.next_at = start + timedelta(seconds=interval)
                slot.save(update_fields=["next_at"])
                return (start - now).total_seconds()
        except IntegrityError:  # two workers created the row at once: try again
            continue
    return interval


def polite_gate(host: str) -> None:
    wait = reserve_host(host)
    if wait > MAX_POLITE_WAIT:
        raise HostBusy(host)
    if wait > 0:
        time.sleep(wait)


@dataclass
class PollResult:
    source_id: int
    status: str  # new / not_modified / nothing_new / error / skipped
    batch_id: int | None = None
    received: int = 0
    fresh: int = 0
    message: str = ""


def due_sources(now: datetime | None = None) -> list[Source]:
    now = now or timezone.now()
    qs = Source.objects.filter(enabled=True, kind__in=[Source.Kind.FEED, Source.Kind.PAGE, Source.Kind.FILE])
    return [s for s in qs.order_by("next_poll_at", "id") if s.next_poll_at is None or s.next_poll_at <= now]


def _known_urls(urls: list[str]) -> set[str]:
    from taizhang.monitor.store import url_hash

    by_hash = {url_hash(u): u for u in urls if u}
    known: set[str] = set()
    keys = list(by_hash)
    for start in range(0, len(keys), 500):
        for h in MonitorItem.objects.filter(url_hash__in=keys[start : start + 500]).values_list("url_hash", flat=True):
            known.add(by_hash[h])
    return known


def _read_source(source: Source) -> tuple[str, list[dict[str, Any]], dict[str, str]]:
    """(status, raw items, conditional-GET values to keep) for one source; raises FetchError/ReadError."""
    common: dict[str, Any] = {
        "timeout": float(source.timeout_seconds), "max_bytes": int(source.max_bytes),
        "allow_private": source.is_internal, "before_request": polite_gate,
    }
    if source.kind == Source.Kind.FILE:
        # Only a file of TAIZHANG_MONITOR_IMPORT_DIR, by name (docs/security.md, "Monitoring sources").
        data = read_import_file(conf.import_dir(), source.url, int(source.max_bytes))
        digest = hashlib.sha256(data).hexdigest()
        if digest == source.etag:
            return "not_modified", [], {}
        return "new", read_export(data, source.url), {"etag": digest, "last_modified": ""}
    result = fetch(source.url, etag=source.etag, last_modified=source.last_modified, **common)
    keep = {"etag": result.etag[:300], "last_modified": result.last_modified[:100]}
    if result.not_modified:
        return "not_modified", [], {}
    if source.kind == Source.Kind.FEED:
        _title, items = parse_feed(result.body, result.url)
        return "new", items, keep
    # list page: its article links, then each new article
    html = decode_html(result.body, result.content_type)
    links = article_links(html, result.url, pattern=source.link_pattern, limit=max(1, source.max_articles) * 3)
    known = _known_urls(links)
    items = []
    for link in [u for u in links if u not in known][: source.max_articles]:
        try:
            page = fetch(link, accept="text/html, */*;q=0.5", **common)
        except FetchError as exc:
            if exc.kind == "blocked":
                raise
            log.info("文章 %s 未能抓取：%s", link, exc)
            continue
        article = extract_article(decode_html(page.body, page.content_type), page.url)
        if article["text"] or article["title"]:
            article["source"] = article["source"] or source.name
            items.append(article)
    return "new", items, keep


def poll_source(source_id: int, *, now: datetime | None = None) -> PollResult:
    """Fetch one source and store what is new as a pending batch (not analysed here)."""
    source = Source.objects.filter(pk=source_id).first()
    if source is None or not source.enabled or not source.polled:
        return PollResult(source_id, "skipped")
    now = now or timezone.now()
    try:
        status, raw, keep = _read_source(source)
        items = []
        for n, r in enumerate(raw, 1):
            try:
                r.setdefault("source", source.name)
                items.append(canonical(r, f"R{n}"))
            except ValueError:
                continue  # a feed entry without title and text: nothing to analyse
    except HostBusy as exc:
        Source.objects.filter(pk=source.pk).update(next_poll_at=now + timedelta(seconds=MAX_POLITE_WAIT / 2))
        return PollResult(source.pk, "skipped", message=f"站点 {exc} 访问排队中")
    except (FetchError, ReadError) as exc:
        return _failed(source, now, str(exc))
    known = _known_urls([i["url"] for i in items])
    fresh = [i for i in items if not i["url"] or i["url"] not in known]
    batch = None
    if fresh:
        batch = IngestBatch.objects.create(
            source=source, origin=IngestBatch.Origin.POLL, payload=fresh, received=len(items)
        )
    observed = (len(items) - len(fresh)) / len(items) if items else 1.0
    rate = observed
    if source.last_success_at is not None:
        rate = (1 - DUP_ALPHA) * source.duplicate_rate + DUP_ALPHA * observed
    interval = next_interval(source, rate, bool(fresh))
    fields: dict[str, Any] = {
        "last_polled_at": now, "last_success_at": now, "failures": 0, "last_error": "",
        "last_status": {"not_modified": "未更新（304）"}.get(status, f"新增{len(fresh)}条" if fresh else "无新内容"),
        "duplicate_rate": round(rate, 4), "interval_minutes": interval,
        "next_poll_at": now + timedelta(minutes=interval),
    }
    if keep:
        fields.update(keep)
    Source.objects.filter(pk=source.pk).update(**fields)
    return PollResult(
        source.pk, "new" if fresh else ("not_modified" if status == "not_modified" else "nothing_new"),
        batch.pk if batch else None, len(items), len(fresh),
    )


def next_interval(source: Source, rate: float, got_new: bool) -> float:
    schedule = float(max(1, source.schedule_minutes))
    if not source.adaptive:
        return schedule
    current = float(source.interval_minutes or schedule)
    low, high = max(1.0, schedule / 4), schedule * 8
    if not got_new:
        value = current * 1.5
    elif rate < 0.2:
        value = current * 0.75
    elif rate > 0.8:
        value = current * 1.25
    else:
        value = (current + schedule) / 2
    return round(min(high, max(low, value)), 2)


def _failed(source: Source, now: datetime, message: str) -> PollResult:
    failures = source.failures + 1
    minutes = min(float(max(1, source.schedule_minutes)) * 2**failures, 24 * 60.0)
    minutes *= random.uniform(0.9, 1.1)
    Source.objects.filter(pk=source.pk).update(
        failures=failures, last_polled_at=now, last_status="失败", last_error=message[:2000],
        next_poll_at=now + timedelta(minutes=minutes),
    )
    log.warning("信息源 %s 采集失败（连续第 %s 次）：%s", source.name, failures, message)
    return PollResult(source.pk, "error", message=message)
