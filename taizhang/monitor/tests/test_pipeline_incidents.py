"""incidents step: items about one matter cluster together, different matters do not."""

from datetime import datetime, timedelta

from taizhang.monitor.pipeline import CHINA_TZ, Context, Item, Pipeline, PipelineConfig
from taizhang.monitor.pipeline.dedup import DedupStep
from taizhang.monitor.pipeline.incidents import IncidentStep
from taizhang.monitor.pipeline.normalize import NormalizeStep
from taizhang.monitor.pipeline.segment import SegmentStep
from taizhang.monitor.pipeline.watchlist import WatchList, WatchListStep

DEMOLITION = [
    "万柏林区西山片区城中村拆迁补偿标准引发居民关注，有居民反映补偿款偏低。",
    "西山片区拆迁户聚集在街道办事处门口，要求提高拆迁补偿标准。",
    "关于西山片区城中村拆迁补偿，区住建局回应称补偿方案依法制定，欢迎居民监督。",
    "西山片区拆迁补偿问题后续：居民质疑评估价格，住建局表示可以申请复核。",
]
POISONING = [
    "西关小学多名学生午餐后出现呕吐腹泻症状，疑似食物中毒，已送医院救治。",
    "西关小学食物中毒事件后续：市场监管局封存食堂留样食品，学生病情稳定。",
    "西关小学学生食物中毒，家长质疑学校食堂管理，教育局成立调查组彻查。",
]
OTHER = [
    "全区图书馆推出暑期阅读推广活动，少儿借阅量同比增长三成。",
    "冷空气来袭，本周后半段最低气温降至零下五度，市民注意防寒保暖。",
    "区体育中心游泳馆完成改造，下月起向市民免费开放。",
    "新能源汽车充电桩建设提速，全区新增公共充电桩八百个。",
]
START = datetime(2024, 5, 1, 9, 0, tzinfo=CHINA_TZ)


def run(items, config=None, watchlists=None):
    ctx = Context(config or PipelineConfig(incident_scope="all"), watchlists=watchlists)
    steps = [NormalizeStep(), DedupStep(), SegmentStep(), WatchListStep(), IncidentStep()]
    Pipeline(steps, ctx).process(items)
    return ctx


def stream():
    texts = [
        DEMOLITION[0], POISONING[0], OTHER[0], DEMOLITION[1], OTHER[1], POISONING[1],
        DEMOLITION[2], OTHER[2], POISONING[2], DEMOLITION[3], OTHER[3],
    ]  # fmt: skip
    return [Item(id=f"i{n}", text=t, published_at=START + timedelta(minutes=7 * n)) for n, t in enumerate(texts)]


def by_text(items, texts):
    return {it.incident for it in items if it.text in texts}


def test_items_about_the_same_matter_join_one_incident():
    items = stream()
    run(items)
    demolition = by_text(items, DEMOLITION)
    poisoning = by_text(items, POISONING)
    assert len(demolition) == 1
    assert None not in demolition
    assert len(poisoning) == 1
    assert None not in poisoning
    assert demolition != poisoning


def test_different_matters_do_not_join():
    items = stream()
    run(items)
    others = [it.incident for it in items if it.text in OTHER]
    assert len(set(others)) == len(OTHER)
    assert not set(others) & (by_text(items, DEMOLITION) | by_text(items, POISONING))


def test_an_incident_is_labelled_by_its_key_terms():
    items = stream()
    ctx = run(items)
    (iid,) = by_text(items, DEMOLITION)
    inc = ctx.incidents.incidents[iid]
    assert inc.size == 4
    assert {"拆迁", "补偿"} <= set(inc.key_terms(5)) or "西山" in inc.label()
    assert len(inc.key_terms(5)) == 5
    assert inc.label().count("·") == 2


def test_a_duplicate_joins_its_originals_incident():
    items = stream()
    items.append(Item(id="dup", text="转发：" + DEMOLITION[1], published_at=START + timedelta(hours=2)))
    ctx = run(items)
    assert items[-1].duplicate_of == "i3"
    assert items[-1].incident == items[3].incident
    assert ctx.incidents.incidents[items[3].incident].n_duplicates == 1


def test_only_matched_items_are_clustered_when_there_are_watch_lists():
    items = stream()
    run(items, PipelineConfig(), watchlists=[WatchList("d", "拆迁", "拆迁 OR 补偿")])
    assert {it.incident is not None for it in items if it.text in DEMOLITION} == {True}
    assert all(it.incident is None for it in items if it.text not in DEMOLITION)


def test_incidents_close_after_the_window():
    items = stream()
    ctx = Context(PipelineConfig(incident_scope="all", incident_window_hours=72))
    pipe = Pipeline([NormalizeStep(), DedupStep(), SegmentStep(), IncidentStep()], ctx)
    pipe.process(items)
    late = Item(id="late", text=DEMOLITION[0] + "此事再次引发讨论。", published_at=START + timedelta(days=5))
    pipe.process([late])
    assert late.incident not in by_text(items, DEMOLITION)
    assert ctx.incidents.incidents[items[0].incident].closed
    assert items[0].incident not in ctx.incidents.active


def test_an_item_after_the_window_opens_a_new_incident_even_in_the_same_batch():
    items = stream()
    late = Item(id="late", text=DEMOLITION[0] + "此事再次引发讨论。", published_at=START + timedelta(days=5))
    run([*items, late])
    assert late.incident not in by_text(items, DEMOLITION)


def test_state_persists_across_batches():
    items = stream()
    run(items, PipelineConfig(incident_scope="all", batch_size=3))
    assert len(by_text(items, DEMOLITION)) == 1
    assert len(by_text(items, POISONING)) == 1


# --- the batch computation of vectors and the scoring, against simple reference computations ---------------------
def _reference_vector(words, df, n_docs, top=20):
    """TF-IDF as the module docstring states it, written out plainly."""
    import math

    tf = {}
    for w in words:
        tf[w] = tf.get(w, 0) + 1
    weights = [(t, (1 + math.log(c)) * (math.log((n_docs + 2000 + 1) / (df.get(t, 0) + 1)) + 1)) for t, c in tf.items()]
    weights.sort(key=lambda p: p[1], reverse=True)  # stable: ties keep the order of first use
    weights = weights[:top]
    norm = math.sqrt(sum(w * w for _, w in weights)) or 1.0
    return {t: w / norm for t, w in weights}


def test_batch_vectors_equal_the_per_item_vector_and_the_formula():
    import random

    from taizhang.monitor.pipeline.incidents import IncidentClusterer

    rng = random.Random(3)
    vocab = [f"词{i}" for i in range(60)]
    lists = [[rng.choice(vocab) for _ in range(rng.randint(0, 70))] for _ in range(40)]
    lists += [[], ["拆迁"] * 70, ["甲", "乙", "丙", "甲", "乙", "丙"]]  # empty, one term past the tf table, ties
    cl = IncidentClusterer(PipelineConfig())
    cl.observe(lists[:25])
    batch = cl.vectors(lists)
    assert len(batch) == len(lists)
    for words, vec in zip(lists, batch, strict=True):
        one = cl.vector(words)
        assert vec == one  # the same floats
        assert list(vec) == list(one)  # the same order: heaviest first, ties in order of first use
        ref = _reference_vector(words, cl.df, cl.n_docs)
        assert list(vec) == list(ref)
        assert all(abs(vec[t] - ref[t]) < 1e-12 for t in ref)
        assert len(vec) <= 20
    assert batch[-3] == {}
    assert list(batch[-1]) == ["甲", "乙", "丙"]


def test_the_similarity_to_an_incident_is_the_cosine_computed_by_hand():
    import math

    from taizhang.monitor.pipeline.incidents import IncidentClusterer

    cl = IncidentClusterer(PipelineConfig(incident_scope="all"))
    a = ["拆迁", "补偿", "西山", "居民", "补偿"]
    b = ["拆迁", "补偿", "标准", "街道"]
    cl.observe([a, b])
    va, vb = cl.vectors([a, b])
    first = Item(id="a", ts=0.0)
    first.words = a
    inc = cl.add(first, va)
    found, sim = cl.best_match(vb, 10.0)
    assert found is inc
    # the centroid of a one-item incident is that item's unit vector: cosine = dot product
    by_hand = sum(w * va.get(t, 0.0) for t, w in vb.items())
    assert math.isclose(sim, by_hand, rel_tol=1e-12)
    assert math.isclose(math.sqrt(sum(w * w for w in va.values())), 1.0)
    assert 0.0 < sim < 1.0
