"""Ledger records, their figures (denormalised for the figures function), evidence, placements and history."""

from __future__ import annotations

import uuid
from typing import Any

from django.conf import settings
from django.db import models

from taizhang.core.models import TimestampedModel, VersionedModel
from taizhang.core.querysets import RestrictedQuerySet
from taizhang.ledger.models.taxonomy import ActivityType, MetricDefinition, Outlet
from taizhang.org.models import Unit


class Record(TimestampedModel, VersionedModel):
    class Status(models.TextChoices):
        DRAFT = "draft", "草稿"
        SUBMITTED = "submitted", "已报送"
        APPROVED = "approved", "已通过"
        RETURNED = "returned", "已退回"
        SUPERSEDED = "superseded", "已更正"

    class Source(models.TextChoices):
        MANUAL = "manual", "手工填报"
        IMPORT = "import", "Excel导入"
        API = "api", "接口"
        MONITORING = "monitoring", "舆情监测"
        SUMMARY = "summary", "总结提取"
        DEMO = "demo", "演示数据"

    scope_field = "unit"

    unit = models.ForeignKey(Unit, verbose_name="填报单位", related_name="records", on_delete=models.PROTECT)
    activity_type = models.ForeignKey(
        ActivityType, verbose_name="活动类型", related_name="records", on_delete=models.PROTECT
    )
    title = models.CharField("标题", max_length=200)
    start_date = models.DateField("日期", db_index=True)
    end_date = models.DateField("结束日期", null=True, blank=True)
    description = models.TextField("内容简介", blank=True)
    location = models.CharField("地点", max_length=200, blank=True)
    status = models.CharField("状态", max_length=12, choices=Status.choices, default=Status.DRAFT, db_index=True)
    source = models.CharField("来源", max_length=12, choices=Source.choices, default=Source.MANUAL)
    revision_of = models.ForeignKey(
        "self", verbose_name="更正自", null=True, blank=True, related_name="revisions", on_delete=models.PROTECT
    )
    idempotency_key = models.CharField(max_length=64, null=True, blank=True, unique=True, editable=False)
    import_key = models.CharField("导入键", max_length=64, null=True, blank=True, db_index=True, editable=False)
    import_batch = models.ForeignKey(
        "ImportBatch",
        verbose_name="导入批次",
        null=True,
        blank=True,
        related_name="records",
        on_delete=models.SET_NULL,
        editable=False,
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="填报人",
        null=True,
        blank=True,
        related_name="+",
        on_delete=models.SET_NULL,
    )
    submitted_at = models.DateTimeField("报送时间", null=True, blank=True)
    reviewed_at = models.DateTimeField("审核时间", null=True, blank=True)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="审核人",
        null=True,
        blank=True,
        related_name="+",
        on_delete=models.SET_NULL,
    )
    review_comment = models.TextField("审核意见", blank=True)
    flags = models.JSONField(
        "异常提示",
        default=list,
        blank=True,
        editable=False,
        help_text="报送时与本单位以往数据比较发现的异常值（提示审核人，不拒收）：ledger.outliers",
    )

    objects = RestrictedQuerySet.as_manager()

    class Meta:
        verbose_name = "台账记录"
        verbose_name_plural = "台账记录"
        ordering = ["-start_date", "-id"]
        indexes = [
            models.Index(fields=["unit", "status", "start_date"]),
            models.Index(fields=["status", "submitted_at"]),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def is_editable(self) -> bool:
        return self.status in (self.Status.DRAFT, self.Status.RETURNED)

    def figure_map(self) -> dict[str, Any]:
        return {f.metric.key: f.value for f in self.figures.all()}


class RecordFigure(models.Model):
    """One figure of a record. unit, date, effective and outlet_level are copies kept by the actions
    so that the figures function reads one narrow, indexed table."""

    record = models.ForeignKey(Record, related_name="figures", on_delete=models.CASCADE)
    metric = models.ForeignKey(MetricDefinition, verbose_name="指标", related_name="figures", on_delete=models.PROTECT)
    value = models.DecimalField("数值", max_digits=18, decimal_places=4)
    metric_version = models.PositiveIntegerField("指标版本", default=1)
    unit = models.ForeignKey(Unit, related_name="+", on_delete=models.PROTECT)
    date = models.DateField()
    effective = models.BooleanField(default=False)
    outlet_level = models.CharField(max_length=12, blank=True, default="")

    class Meta:
        verbose_name = "记录数据"
        constraints = [models.UniqueConstraint(fields=["record", "metric"], name="ledger_figure_unique")]
        indexes = [
            # Covering index: the figures function reads only these columns, so it never touches the table.
            models.Index(
                fields=["metric", "effective", "date", "unit", "record", "value", "outlet_level"],
                name="ledger_fig_cover",
            ),
            # The same columns in unit order: a breakdown by unit (and a street's figure) reads each unit's date
            # range already grouped; SQLite otherwise sorts every row of the metric-year (figures.LedgerQuery.grouped).
            models.Index(
                fields=["metric", "effective", "unit", "date", "record", "value", "outlet_level"],
                name="ledger_fig_unit_cover",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.metric_id}={self.value}"


def evidence_path(instance: Evidence, filename: str) -> str:
    # Generated name only: the user's file name is kept in `original_name`, never used on disk.
    return f"evidence/{instance.record_id % 1000:03d}/{uuid.uuid4().hex}"


class Evidence(TimestampedModel):
    class Kind(models.TextChoices):
        PHOTO = "photo", "照片"
        DOCUMENT = "document", "文档"
        LINK = "link", "链接"

    scope_field = "record__unit"

    record = models.ForeignKey(Record, related_name="evidence", on_delete=models.CASCADE)
    kind = models.CharField("类型", max_length=12, choices=Kind.choices)
    file = models.FileField("文件", upload_to=evidence_path, blank=True)
    url = models.URLField("链接", blank=True)
    original_name = models.CharField("文件名", max_length=200, blank=True)
    content_type = models.CharField(max_length=100, blank=True)
    size = models.PositiveBigIntegerField(default=0)
    sha256 = models.CharField(max_length=64, blank=True)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, related_name="+", on_delete=models.SET_NULL
    )

    objects = RestrictedQuerySet.as_manager()

    class Meta:
        verbose_name = "佐证材料"
        verbose_name_plural = "佐证材料"
        ordering = ["id"]

    def __str__(self) -> str:
        return self.original_name or self.url


class Placement(models.Model):
    """The placement details of a record of kind "placement" (对外宣传用稿)."""

    scope_field = "record__unit"

    record = models.OneToOneField(Record, related_name="placement", on_delete=models.CASCADE)
    outlet = models.ForeignKey(Outlet, verbose_name="媒体", related_name="placements", on_delete=models.PROTECT)
    outlet_level = models.CharField("媒体级别", max_length=12, choices=Outlet.Level.choices)
    article_title = models.CharField("稿件标题", max_length=300)
    url = models.URLField("链接", max_length=500, blank=True)
    page = models.CharField("版面/栏目/节目", max_length=100, blank=True)
    is_headline = models.BooleanField("头条", default=False)
    is_front_page = models.BooleanField("头版", default=False)
    is_long = models.BooleanField("千字以上长稿", default=False)
    word_count = models.PositiveIntegerField("字数", null=True, blank=True)
    story_key = models.CharField("稿件归并键", max_length=64, blank=True, db_index=True)
    credited_units: models.ManyToManyField[Unit, PlacementCredit] = models.ManyToManyField(
        Unit, through="PlacementCredit", related_name="credited_placements"
    )

    objects = RestrictedQuerySet.as_manager()

    class Meta:
        verbose_name = "用稿"
        verbose_name_plural = "用稿"

    def __str__(self) -> str:
        return f"{self.outlet}《{self.article_title}》"


class PlacementCredit(models.Model):
    placement = models.ForeignKey(Placement, related_name="credits", on_delete=models.CASCADE)
    unit = models.ForeignKey(Unit, related_name="+", on_delete=models.PROTECT)
    share = models.DecimalField("分值比例", max_digits=6, decimal_places=4, default=1)

    class Meta:
        verbose_name = "用稿署名单位"
        constraints = [models.UniqueConstraint(fields=["placement", "unit"], name="ledger_credit_unique")]

    def __str__(self) -> str:
        return f"{self.unit_id}×{self.share}"


class RecordEvent(models.Model):
    """The record's own timeline as users see it: created, edited, submitted, approved, returned (with reason)."""

    record = models.ForeignKey(Record, related_name="events", on_delete=models.CASCADE)
    action = models.CharField("操作", max_length=16)
    from_status = models.CharField(max_length=12, blank=True)
    to_status = models.CharField(max_length=12, blank=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, related_name="+", on_delete=models.SET_NULL
    )
    comment = models.TextField("说明", blank=True)
    changes = models.JSONField("变更", default=dict, blank=True)
    at = models.DateTimeField("时间", auto_now_add=True)

    class Meta:
        verbose_name = "记录历史"
        ordering = ["at", "id"]

    def __str__(self) -> str:
        return f"{self.record_id} {self.action}"


class ImportBatch(TimestampedModel):
    """One uploaded Excel file. The file hash makes a re-upload of the same file a no-op."""

    class Status(models.TextChoices):
        VALIDATING = "validating", "校验中"
        FAILED = "failed", "校验未通过"
        COMMITTED = "committed", "已导入"
        DUPLICATE = "duplicate", "重复文件"

    scope_field = "unit"

    sha256 = models.CharField(max_length=64, db_index=True)
    filename = models.CharField("文件名", max_length=200)
    unit = models.ForeignKey(Unit, null=True, blank=True, related_name="+", on_delete=models.PROTECT)
    activity_type = models.ForeignKey(ActivityType, null=True, blank=True, related_name="+", on_delete=models.PROTECT)
    status = models.CharField("状态", max_length=12, choices=Status.choices, default=Status.VALIDATING)
    rows = models.PositiveIntegerField("行数", default=0)
    created = models.PositiveIntegerField("新增", default=0)
    skipped = models.PositiveIntegerField("跳过", default=0)
    errors = models.JSONField("错误", default=list, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, related_name="+", on_delete=models.SET_NULL
    )

    objects = RestrictedQuerySet.as_manager()

    class Meta:
        verbose_name = "导入批次"
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return self.filename


class _NotDumped(models.Manager[Any]):
    """The default manager answers nothing, so `dumpdata` leaves the summaries out: loading a dump inserts the
    figures, and the triggers make the summaries again from them (loading both would count every figure twice)."""

    def get_queryset(self) -> models.QuerySet[Any]:
        return super().get_queryset().none()


class FigureMonth(models.Model):
    """Effective figures summed per metric, month, unit and outlet level: kept exact by database triggers on
    `ledger_recordfigure` (`ledger.summary`), in the transaction that writes the figures, whichever code writes
    them. The figures function reads it for whole months of sum and average metrics (`figures.LedgerQuery`), so a
    district's annual figure reads at most units × 12 rows however many records are behind it. `total_e4` is the
    sum of the values × 10⁴ (values have 4 decimal places): an exact integer on SQLite as on PostgreSQL. `max_e4`
    is the highest value × 10⁴ (maximum metrics: each unit's highest value in a period is the max of its months'
    and levels' rows); NULL when the row has no effective figure (n = 0)."""

    metric_id = models.IntegerField()
    month = models.DateField()
    unit_id = models.IntegerField()
    outlet_level = models.CharField(max_length=12, blank=True, default="")
    total_e4 = models.BigIntegerField(default=0)
    n = models.IntegerField(default=0)
    max_e4 = models.BigIntegerField(null=True, blank=True)

    objects = _NotDumped()
    rows = models.Manager()  # noqa: DJ012 - a second manager, not a field

    class Meta:
        verbose_name = "月度指标汇总"
        default_manager_name = "objects"
        base_manager_name = "rows"
        constraints = [
            models.UniqueConstraint(
                fields=["metric_id", "month", "unit_id", "outlet_level"], name="ledger_figmonth_key"
            )
        ]

    def __str__(self) -> str:
        return f"{self.metric_id}@{self.unit_id}/{self.month:%Y-%m}={self.total_e4}e-4×{self.n}"


class FigureMonthTotal(models.Model):
    """`FigureMonth` of the whole tree: effective figures summed per metric, month and outlet level over every unit,
    kept by the same triggers in the same transaction (`ledger.summary`). A viewer who sees the whole tree (the
    district's dashboard, its annual figures) reads 12 rows per metric and year here instead of units × 12."""

    metric_id = models.IntegerField()
    month = models.DateField()
    outlet_level = models.CharField(max_length=12, blank=True, default="")
    total_e4 = models.BigIntegerField(default=0)
    n = models.IntegerField(default=0)

    objects = _NotDumped()
    rows = models.Manager()  # noqa: DJ012 - a second manager, not a field

    class Meta:
        verbose_name = "月度指标全区汇总"
        default_manager_name = "objects"
        base_manager_name = "rows"
        # not unique: PostgreSQL appends a row per change (`summary.compact_totals`)
        indexes = [models.Index(fields=["metric_id", "month", "outlet_level"], name="ledger_figmonthtotal_idx")]

    def __str__(self) -> str:
        return f"{self.metric_id}/{self.month:%Y-%m}={self.total_e4}e-4×{self.n}"
