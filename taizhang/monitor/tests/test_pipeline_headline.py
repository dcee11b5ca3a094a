"""Incident headlines (issue 17): a readable sentence with the place instead of a key-term triple."""

from datetime import datetime, timedelta

from taizhang.monitor.pipeline import Context, Item, Pipeline, PipelineConfig
from taizhang.monitor.pipeline.base import CHINA_TZ
from taizhang.monitor.pipeline.dedup import DedupStep
from taizhang.monitor.pipeline.headline import clean, gazetteer, headline, incident_name
from taizhang.monitor.pipeline.incidents import IncidentStep
from taizhang.monitor.pipeline.normalize import NormalizeStep
from taizhang.monitor.pipeline.segment import SegmentStep


def test_the_gazetteer_is_the_place_names_of_the_user_dictionary():
    places = gazetteer()
    assert "万柏林区" in places
    assert places.index("万柏林区") < places.index("万柏林")  # longest first


def test_clean_drops_reposting_marks_markup_and_keeps_the_first_sentence():
    assert clean("转发：【突发】#暴雨# 和平路积水严重，车辆绕行。市民称已持续两天") == "突发 和平路积水严重，车辆绕行"
    long = "某某小区居民反映楼道堆放杂物多日无人清理，存在消防隐患，物业称将尽快处理并加强巡查管理工作力度"
    out = clean(long, max_chars=30)
    assert len(out) <= 30
    assert out == "某某小区居民反映楼道堆放杂物多日无人清理，存在消防隐患"


def test_the_sample_that_covers_the_key_terms_wins_and_the_place_is_added():
    samples = ["今天天气不错", "下雨后和平路下穿桥积水严重，早高峰车辆绕行", "万柏林区：积水"]
    name = headline(samples, ["积水", "下雨", "高峰"])
    assert name == "万柏林区：下雨后和平路下穿桥积水严重，早高峰车辆绕行"


def test_a_place_already_in_the_sentence_is_not_repeated():
    name = headline(["万柏林区和平路积水严重"], ["积水"])
    assert name == "万柏林区和平路积水严重"


def test_without_usable_text_the_key_terms_stay_the_name():
    assert headline(["短"], ["积水", "下雨", "高峰"]) == ""
    assert incident_name([], ["积水", "下雨", "高峰", "车辆"]) == "积水·下雨·高峰"


def test_clustered_incidents_get_a_headline_and_keep_their_key_terms():
    start = datetime(2024, 5, 1, 8, 0, tzinfo=CHINA_TZ)
    texts = [
        "万柏林区和平南路下穿桥积水严重，早高峰车辆无法通行",
        "和平南路下穿桥积水严重，车辆无法通行，市民盼尽快排水",
        "下穿桥积水严重车辆无法通行，和平南路早高峰拥堵",
    ]
    items = [Item(id=str(i), text=t, published_at=start + timedelta(minutes=i)) for i, t in enumerate(texts)]
    ctx = Context(PipelineConfig(incident_scope="all"))
    Pipeline([NormalizeStep(), DedupStep(), SegmentStep(), IncidentStep()], ctx).process(items)
    incs = [inc for inc in ctx.incidents.incidents.values() if inc.size >= 2]
    assert incs, "the three posts should form an incident"
    inc = incs[0]
    assert "·" in inc.label(3)
    title = inc.headline()
    assert "积水" in title
    assert "·" not in title
    assert title.startswith("万柏林区")
