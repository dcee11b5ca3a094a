"""The in-memory analysis pipeline of online-opinion monitoring (舆情监测): no database, no Django.

Steps, in order (each a module here, each with the contract of :class:`base.Step`)::

    normalize → dedup → watchlist → sentiment → segment → incidents → burst → grading

(segment only cuts the items the incident step clusters, so it runs once the watch lists have matched.)

``analyze.analyze_items`` runs them all over a list of items; ``Pipeline(default_steps(), Context(...))`` does the
same batch by batch for a stream, keeping the dedup index, the incidents and the burst baselines between batches.
"""

from __future__ import annotations

from .base import CHINA_TZ, Context, Item, Pipeline, PipelineConfig, Step


def default_steps() -> list[Step]:
    from .burst import BurstStep
    from .dedup import DedupStep
    from .grading import GradingStep
    from .incidents import IncidentStep
    from .normalize import NormalizeStep
    from .segment import SegmentStep
    from .sentiment import SentimentStep
    from .watchlist import WatchListStep

    return [
        NormalizeStep(),
        DedupStep(),
        WatchListStep(),
        SentimentStep(),
        SegmentStep(),
        IncidentStep(),
        BurstStep(),
        GradingStep(),
    ]


__all__ = ["CHINA_TZ", "Context", "Item", "Pipeline", "PipelineConfig", "Step", "default_steps"]
