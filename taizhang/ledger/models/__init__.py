from taizhang.ledger.models.records import Evidence, ImportBatch, Placement, PlacementCredit, Record, RecordEvent, RecordFigure
from taizhang.ledger.models.taxonomy import (
    ActivityType,
    ActivityTypeMetric,
    LineOfWork,
    MetricDefinition,
    MetricDefinitionRevision,
    Outlet,
)

__all__ = [
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
