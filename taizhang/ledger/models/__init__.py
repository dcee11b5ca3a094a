from taizhang.ledger.models.records import (
    Evidence,
    ImportBatch,
    Placement,
    PlacementCredit,
    Record,
    RecordEvent,
    RecordFigure,
)
from taizhang.ledger.models.taxonomy import (
    LEVEL_ORDER,
    ActivityType,
    ActivityTypeMetric,
    LineOfWork,
    MetricDefinition,
    MetricDefinitionRevision,
    Outlet,
)

__all__ = [
    "LEVEL_ORDER",
    "ActivityType",
    "ActivityTypeMetric",
    "Evidence",
    "ImportBatch",
    "LineOfWork",
    "MetricDefinition",
    "MetricDefinitionRevision",
    "Outlet",
    "Placement",
    "PlacementCredit",
    "Record",
    "RecordEvent",
    "RecordFigure",
]
