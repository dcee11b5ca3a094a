"""Press, government new media and correspondents (新闻发布、政务新媒体、通讯员)."""

from taizhang.press.models.conferences import Conference, ConferenceMaterial, ConferencePlan, Spokesperson
from taizhang.press.models.correspondents import Correspondent, PointRule, Submission
from taizhang.press.models.newmedia import (
    PLATFORM_NAMES,
    AccountCheck,
    AccountFiling,
    AccountStat,
    NewMediaAccount,
    Platform,
    PostReview,
    PostReviewStep,
)

__all__ = [
    "PLATFORM_NAMES",
    "AccountCheck",
    "AccountFiling",
    "AccountStat",
    "Conference",
    "ConferenceMaterial",
    "ConferencePlan",
    "Correspondent",
    "NewMediaAccount",
    "Platform",
    "PointRule",
    "PostReview",
    "PostReviewStep",
    "Spokesperson",
    "Submission",
]
