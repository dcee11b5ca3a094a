from taizhang.ledger.models.records import (
    Evidence,
    FigureMonth,
    FigureMonthTotal,
    ImportBatch,
    Placement,
    PlacementCredit,
    Record,
    RecordEvent,
    RecordFigure,
)
from taizhang.ledger.models.rules import FigureBound, FigureRule
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
    "FigureBound",
    "FigureMonth",
    "FigureMonthTotal",
    "FigureRule",
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
