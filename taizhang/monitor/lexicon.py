"""Which sentiment model the stored pipeline uses, and a small word-list stand-in.

``load_model()`` returns ``taizhang.monitor.sentiment.get_model()`` (the model trained here on shipped data) unless
``TAIZHANG_MONITOR_SENTIMENT=lexicon``, or the model module is missing, in which case :class:`LexiconModel` stands
in (and says so in the log). The stand-in follows the same contract (``score(texts) -> P(positive)``,
``label(score)``); it only counts words of public-affairs praise and complaint, so tests are fast and
deterministic. It is not meant to be accurate.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import Any

import numpy as np

from taizhang.monitor import conf

log = logging.getLogger(__name__)

NEGATIVE = (
    "投诉", "举报", "维权", "上访", "拆迁", "强拆", "欠薪", "讨薪", "拖欠", "事故", "伤亡", "死亡", "受伤", "污染",
    "臭味", "噪音", "塌陷", "坍塌", "火灾", "爆炸", "中毒", "变质", "涨价", "暴跌", "亏损", "下跌", "跌", "诈骗", "骗",
    "腐败", "贪污", "违规", "违法", "不满", "质疑", "愤怒", "抗议", "曝光", "乱收费", "堵", "拥堵", "积水", "停水",
    "停电", "差评", "糟糕", "失望", "难", "纠纷", "冲突", "打人", "伤", "负面", "问题", "隐患", "整改", "失败",
)
POSITIVE = (
    "点赞", "表扬", "满意", "感谢", "好评", "提升", "成功", "荣获", "先进", "便民", "惠民", "暖心", "优秀", "创新",
    "发展", "增长", "上涨", "获奖", "冠军", "胜", "赢", "喜", "美好", "幸福", "文明", "志愿", "服务", "改善", "开心",
    "精彩", "热烈", "祝贺", "圆满", "首秀", "突破", "升级", "完成", "领先", "欢迎", "受益", "安全",
)


class LexiconModel:
    """P(positive) = (1 + positive hits) / (2 + positive hits + negative hits), on the first 300 characters."""

    name = "lexicon"

    def __init__(self, positive: Sequence[str] = POSITIVE, negative: Sequence[str] = NEGATIVE) -> None:
        self.positive = tuple(positive)
        self.negative = tuple(negative)

    def score(self, texts: Sequence[str]) -> np.ndarray:
        out = np.empty(len(texts), dtype=np.float64)
        for i, text in enumerate(texts):
            head = text[:300]
            pos = sum(head.count(w) for w in self.positive)
            neg = sum(head.count(w) for w in self.negative)
            out[i] = (1.0 + pos) / (2.0 + pos + neg)
        return out

    def label(self, score: float) -> str:
        return "neg" if score < 0.4 else "pos" if score > 0.6 else "neu"


def load_model() -> Any:
    if conf.get_str("TAIZHANG_MONITOR_SENTIMENT") == "lexicon":
        return LexiconModel()
    try:
        from taizhang.monitor.sentiment import get_model
    except ImportError:
        log.warning("情感模型模块 taizhang.monitor.sentiment 不可用，暂以词表代替")
        return LexiconModel()
    try:
        return get_model()
    except (OSError, ValueError) as exc:
        log.warning("情感模型无法加载（%s），暂以词表代替", exc)
        return LexiconModel()
