"""dedup step: exact duplicates, planted near duplicates, reprint chains, bounds."""

import random
from datetime import datetime, timedelta

import pytest

from taizhang.monitor.pipeline import CHINA_TZ, Context, Item, Pipeline, PipelineConfig
from taizhang.monitor.pipeline.dedup import DedupStep, MinHasher
from taizhang.monitor.pipeline.normalize import NormalizeStep

BASE = [
    "万柏林区住建局今日就西山片区城中村拆迁补偿标准作出回应，称补偿方案已经区政府常务会议研究通过，将于下月公示，"
    "居民可到街道办事处咨询具体安置政策，对评估结果有异议的可以申请复核。",
    "今年一季度全区市场监管局共检查食品生产经营单位一千二百余家次，查处违法案件四十六起，"
    "对校园周边小卖部开展专项整治，下架过期食品三百余件，并向社会公布了十起典型案例。",
    "区教育局发布通知，今年秋季学期全区新增公办学位三千个，新建改扩建中小学六所，"
    "义务教育阶段招生入学政策与去年保持稳定，随迁子女入学材料进一步精简。",
    "受冷空气影响，本周后半段全市将出现大风降温天气，最低气温降至零下五度，"
    "城管局提醒市民注意防范高空坠物，供暖单位已做好提前供热准备。",
    "区卫健委组织二十余家医疗机构开展义诊活动，为社区老年人提供血压血糖检测和健康咨询，"
    "并发放健康科普资料两千余份，现场还开展了家庭医生签约服务。",
]


def run(items, config=None):
    ctx = Context(config or PipelineConfig())
    Pipeline([NormalizeStep(), DedupStep()], ctx).process(items)
    return ctx


def mutate(rng, text, n_edits):
    chars = list(text)
    for _ in range(n_edits):
        op = rng.choice("sid")
        pos = rng.randrange(len(chars))
        if op == "s":
            chars[pos] = rng.choice("的了是在和有我他这中大来上个国到说们为子")
        elif op == "i":
            chars.insert(pos, rng.choice("的了是在和有我他这中大来上个国到说们为子"))
        else:
            del chars[pos]
    return "".join(chars)


def test_an_exact_copy_points_to_the_first_seen_item():
    items = [Item(id="a", text=BASE[0]), Item(id="b", text=BASE[1]), Item(id="c", text=BASE[0])]
    run(items)
    assert items[2].duplicate_of == "a"
    assert items[2].duplicate_kind == "exact"
    assert items[0].duplicate_of is None
    assert items[1].duplicate_of is None


def test_copies_that_differ_only_in_html_and_full_width_characters_are_exact_duplicates():
    items = [Item(id="a", text=BASE[0]), Item(id="b", text="<p>" + BASE[0].replace("，", "，") + "</p>")]
    run(items)
    assert items[1].duplicate_of == "a"


@pytest.mark.parametrize("n_edits", [1, 2, 3, 4, 5])
def test_near_duplicates_with_one_to_five_edits_are_found(n_edits):
    rng = random.Random(n_edits)
    items = [Item(id=f"o{i}", text=t) for i, t in enumerate(BASE)]
    items += [Item(id=f"d{i}", text=mutate(rng, t, n_edits)) for i, t in enumerate(BASE)]
    run(items)
    for i in range(len(BASE)):
        assert items[len(BASE) + i].duplicate_of == f"o{i}"
        assert items[len(BASE) + i].duplicate_kind == "near"
    assert all(it.duplicate_of is None for it in items[: len(BASE)])


@pytest.mark.parametrize("wrap", ["转发：{}", "【转】{}（转载）", "//@网友：{} 原文链接", "{}!!"])
def test_reposts_with_a_prefix_or_suffix_are_found(wrap):
    items = [Item(id="o", text=BASE[0]), Item(id="d", text=wrap.format(mutate(random.Random(1), BASE[0], 2)))]
    run(items)
    assert items[1].duplicate_of == "o"


def test_unrelated_items_are_not_duplicates():
    items = [Item(id=f"o{i}", text=t) for i, t in enumerate(BASE)]
    run(items)
    assert [it.duplicate_of for it in items] == [None] * len(BASE)


def test_a_reprint_of_a_reprint_points_to_the_original_and_keeps_the_chain():
    rng = random.Random(3)
    first = mutate(rng, BASE[0], 3)
    second = mutate(rng, first, 3)
    items = [Item(id="a", text=BASE[0]), Item(id="b", text=first), Item(id="c", text=second)]
    ctx = run(items)
    assert items[1].duplicate_of == "a"
    assert items[2].duplicate_of == "a"
    assert items[2].reprint_chain[0] == "a"
    assert items[2].reprint_chain[-1] == "c"
    assert ctx.dedup.chain("a") == ["a", "b", "c"]


def test_the_index_is_incremental_across_batches():
    ctx = Context(PipelineConfig(batch_size=2))
    pipe = Pipeline([NormalizeStep(), DedupStep()], ctx)
    pipe.process([Item(id=f"o{i}", text=t) for i, t in enumerate(BASE)])
    later = [Item(id="d", text=mutate(random.Random(9), BASE[3], 3))]
    pipe.process(later)
    assert later[0].duplicate_of == "o3"


def test_the_index_forgets_items_older_than_the_window():
    start = datetime(2024, 5, 1, tzinfo=CHINA_TZ)
    ctx = Context(PipelineConfig(dedup_window_hours=24))
    pipe = Pipeline([NormalizeStep(), DedupStep()], ctx)
    pipe.process([Item(id="old", text=BASE[0], published_at=start)])
    pipe.process([Item(id="new", text=BASE[1], published_at=start + timedelta(hours=30))])
    late = [Item(id="copy", text=mutate(random.Random(2), BASE[0], 2), published_at=start + timedelta(hours=31))]
    pipe.process(late)
    assert late[0].duplicate_of is None
    assert len(ctx.dedup) == 2  # "new" and "copy"


def test_the_index_keeps_at_most_max_items():
    rng = random.Random(5)
    ctx = Context(PipelineConfig(dedup_max_items=50, batch_size=16))
    alphabet = "".join(chr(c) for c in range(0x4E00, 0x4E00 + 3000))
    texts = ["".join(rng.choice(alphabet) for _ in range(60)) for _ in range(200)]
    Pipeline([NormalizeStep(), DedupStep()], ctx).process([Item(id=str(i), text=t) for i, t in enumerate(texts)])
    assert len(ctx.dedup) <= 50
    assert len(ctx.dedup.exact) <= 50


def test_short_texts_are_only_deduplicated_exactly():
    items = [
        Item(id="a", text="支持区政府的决定"),
        Item(id="b", text="支持区政府的决定!"),
        Item(id="c", text="支持区政府的决定"),
    ]
    run(items)
    assert items[1].duplicate_of is None
    assert items[2].duplicate_of == "a"


@pytest.mark.parametrize("scheme", ["oph", "kperm"])
def test_signatures_estimate_jaccard_similarity(scheme):
    hasher = MinHasher(num_perm=128, scheme=scheme)
    a = BASE[0]
    b = mutate(random.Random(4), a, 4)
    sig, valid = hasher.signatures([a, b, BASE[1]])
    assert valid.all()
    assert (sig[0] == sig[1]).mean() > 0.6
    assert (sig[0] == sig[2]).mean() < 0.15


def test_signatures_are_stable_across_processes():
    # no salted builtin hash(): the same text gets the same signature in every process (stored signatures stay valid)
    sig, _ = MinHasher().signatures([BASE[0]])
    assert sig[0, :4].tolist() == [144826296, 4066063659, 3383087903, 4002147986]


def test_the_band_index_stays_sorted_and_finds_what_a_brute_force_search_finds():
    # many batches: every batch merges its band keys into the sorted arrays of the last batches, which merge into the
    # main arrays in turn; the candidates found must be the indexed items that share a band key, as a scan finds
    import numpy as np

    from taizhang.monitor.pipeline.dedup import DedupIndex

    rng = np.random.default_rng(12)
    index = DedupIndex(num_perm=8, bands=4, threshold=0.0, max_items=100_000)
    all_keys = np.empty((0, 4), dtype=np.uint32)
    all_sigs = np.empty((0, 8), dtype=np.uint32)
    for batch in range(30):
        n = 400
        sig = rng.integers(0, 6, size=(n, 8)).astype(np.uint32)  # few values: many equal similarities
        bkeys = rng.integers(0, 3000, size=(n, 4)).astype(np.uint32)
        found = index._index_candidates(sig, np.arange(n), bkeys)
        for r in range(n):
            shared = np.flatnonzero((all_keys == bkeys[r]).any(axis=1))  # sequence numbers: 0, 1, … in order
            if len(shared) == 0:
                assert r not in found
                continue
            sims = (all_sigs[shared] == sig[r]).mean(axis=1)
            best = sims.max()
            assert found[r] == (best, int(shared[sims == best].min()))
        items = [Item(id=f"b{batch}-{i}") for i in range(n)]
        index._insert(items, sig, bkeys, list(range(n)), [it.id for it in items], [(it.id,) for it in items])
        all_keys = np.concatenate([all_keys, bkeys])
        all_sigs = np.concatenate([all_sigs, sig])
        for b in range(4):
            entries = []
            for keys, seqs in ((index._keys[b], index._seqs[b]), (index._recent_keys[b], index._recent_seqs[b])):
                assert (np.diff(keys.astype(np.int64)) >= 0).all()
                entries += zip(keys.tolist(), seqs.tolist(), strict=True)
            assert sorted(entries) == sorted(zip(all_keys[:, b].tolist(), range(len(all_keys)), strict=True))
    assert len(index._keys[0]) > 0  # both levels were used
    assert len(index._recent_keys[0]) > 0


def test_crafted_near_duplicates_across_batches_form_the_expected_groups():
    rng = random.Random(21)
    originals = [Item(id=f"o{i}", text=t) for i, t in enumerate(BASE)]
    copies = [Item(id=f"c{i}-{k}", text=mutate(rng, t, k + 1)) for i, t in enumerate(BASE) for k in range(3)]
    ctx = Context(PipelineConfig(batch_size=4))
    Pipeline([NormalizeStep(), DedupStep()], ctx).process([*originals, *copies])
    groups = {}
    for it in copies:
        groups.setdefault(it.duplicate_of, set()).add(it.id)
    assert groups == {f"o{i}": {f"c{i}-{k}" for k in range(3)} for i in range(len(BASE))}
    assert all(it.duplicate_of is None for it in originals)
