"""burst step: a planted burst is detected, a steady stream is not."""

import random
from datetime import datetime, timedelta

from taizhang.monitor.pipeline import CHINA_TZ, Context, Item, Pipeline, PipelineConfig
from taizhang.monitor.pipeline.burst import DISTRICT, BurstDetector, BurstStep

T0 = datetime(2024, 5, 1, 0, 0, tzinfo=CHINA_TZ).timestamp()
BUCKET = 600


def steady(rng, key, detector, buckets, rate, start=0):
    events = []
    for b in range(start, start + buckets):
        n = max(0, round(rng.gauss(rate, rate**0.5)))
        for k in range(n):
            ev = detector.observe(key, T0 + b * BUCKET + k)
            if ev:
                events.append(ev)
    return events


def test_a_steady_stream_raises_no_burst():
    rng = random.Random(1)
    det = BurstDetector(bucket_seconds=BUCKET)
    assert steady(rng, DISTRICT, det, 36 * 6, 12) == []


def test_a_planted_burst_is_detected_once_with_its_time_and_count():
    rng = random.Random(2)
    det = BurstDetector(bucket_seconds=BUCKET)
    steady(rng, DISTRICT, det, 24, 12)
    events = [det.observe(DISTRICT, T0 + 24 * BUCKET + k) for k in range(60)]
    events = [e for e in events if e]
    assert len(events) == 1
    ev = events[0]
    assert ev.bucket_start == T0 + 24 * BUCKET
    assert ev.z >= 3
    assert ev.count >= 5
    assert ev.incident is None
    assert steady(rng, DISTRICT, det, 24, 12, start=25) == []  # back to normal: no more events


def test_a_quiet_series_is_not_a_burst_for_a_few_items():
    det = BurstDetector(bucket_seconds=BUCKET, min_count=5)
    for b in range(10):
        det.observe("I1", T0 + b * BUCKET)
    assert [det.observe("I1", T0 + 10 * BUCKET + k) for k in range(4)] == [None] * 4


def test_a_new_incident_is_a_burst_only_when_it_is_born_big():
    det = BurstDetector(bucket_seconds=BUCKET, new_series_count=20)
    small = [det.observe("I1", T0 + k) for k in range(10)]
    big = [det.observe("I2", T0 + k) for k in range(25)]
    assert not any(small)
    assert sum(1 for e in big if e) == 1


def test_an_incident_burst_must_matter_against_the_district_baseline():
    rng = random.Random(3)
    det = BurstDetector(bucket_seconds=BUCKET, district_share=0.05)
    steady(rng, DISTRICT, det, 12, 400)  # a busy district: 400 posts per bucket
    for b in range(12):
        det.observe("I1", T0 + b * BUCKET)  # a quiet incident
    events = [det.observe("I1", T0 + 12 * BUCKET + k) for k in range(12)]
    assert not any(events)  # 12 posts is no burst beside 400 a bucket


def test_the_step_flags_the_incident_and_keeps_events():
    ctx = Context(PipelineConfig(incident_scope="all"))
    inc = ctx.incidents
    from taizhang.monitor.pipeline.incidents import Incident

    inc.incidents["I1"] = inc.active["I1"] = Incident(id="I1", first_seen=T0, last_seen=T0)
    items = []
    for b in range(6):
        items += [
            Item(id=f"s{b}-{k}", published_at=datetime.fromtimestamp(T0 + b * BUCKET + k, CHINA_TZ)) for k in range(2)
        ]
    items += [Item(id=f"b{k}", published_at=datetime.fromtimestamp(T0 + 6 * BUCKET + k, CHINA_TZ)) for k in range(30)]
    for it in items:
        it.incident = "I1"
    Pipeline([BurstStep()], ctx).process(items)
    assert inc.incidents["I1"].burst
    assert any(e.series == "I1" for e in ctx.bursts.events)
    assert ctx.bursts.events[-1].as_dict()["time"].startswith("2024-05-01T01:00")


def test_late_items_are_not_counted():
    det = BurstDetector(bucket_seconds=BUCKET)
    det.observe("x", T0 + 5 * BUCKET)
    assert det.observe("x", T0) is None
    assert det.series["x"].count == 1
    assert timedelta(seconds=BUCKET).total_seconds() == det.bucket_seconds


def test_empty_buckets_update_the_baseline_like_one_zero_count_each():
    # rolling over a gap does the arithmetic of _update(series, 0) per empty bucket without the call: same floats
    from taizhang.monitor.pipeline.burst import _Series

    counts = [3, 1, 7, 2, 9, 1]
    fast, slow = BurstDetector(), BurstDetector()
    for b, count in enumerate(counts):
        for k in range(count):
            fast.observe("x", T0 + b * 37 * BUCKET + k)
    ref = _Series(0)
    for count in counts[:-1]:
        slow._update(ref, count)  # the bucket that closes
        for _ in range(36):  # the empty ones up to the next
            slow._update(ref, 0)
    s = fast.series["x"]
    assert (s.mean, s.var, s.n) == (ref.mean, ref.var, ref.n)
    assert s.n == 5 * 37
    assert 0 < s.mean < 1
