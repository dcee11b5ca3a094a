"""Taxonomy as data: lines of work, metric definitions (versioned), activity types, outlets."""

from __future__ import annotations

from decimal import Decimal

from django.db import models

from taizhang.core.models import TimestampedModel, VersionedModel


class LineOfWork(TimestampedModel, VersionedModel):
    key = models.SlugField("标识", max_length=40, unique=True)
    name = models.CharField("名称", max_length=40)
    sort_order = models.IntegerField("排序", default=0)
    is_active = models.BooleanField("启用", default=True)
    phrases = models.JSONField("总结句式", default=list, blank=True)
    problem_phrases = models.JSONField("问题句式", default=list, blank=True)
    plan_phrases = models.JSONField("计划句式", default=list, blank=True)

    class Meta:
        verbose_name = "工作线"
        verbose_name_plural = "工作线"
        ordering = ["sort_order", "key"]

    def __str__(self) -> str:
        return self.name


class MetricDefinition(TimestampedModel, VersionedModel):
    """A counted quantity. Editing bumps `version` and keeps the old definition as a revision;
    figures keep the version they were validated against, so a changed bound never rewrites history."""

    class Kind(models.TextChoices):
        COUNT = "count", "数量"
        PEOPLE = "people", "人数"
        HOURS = "hours", "时长"
        MONEY = "money", "金额"
        PERCENT = "percent", "比率"

    class ValueType(models.TextChoices):
        INTEGER = "integer", "整数"
        DECIMAL = "decimal", "小数"

    class Aggregation(models.TextChoices):
        SUM = "sum", "求和"
        AVG = "avg", "平均"
        MAX = "max", "各单位取最大值后求和"

    class Source(models.TextChoices):
        REPORTED = "reported", "台账填报"
        COMPUTED = "computed", "系统计算"

    key = models.SlugField("标识", max_length=60, unique=True)
    line = models.ForeignKey(LineOfWork, verbose_name="工作线", related_name="metrics", on_delete=models.PROTECT)
    name = models.CharField("名称", max_length=60)
    measure_word = models.CharField("量词/单位", max_length=8)
    kind = models.CharField("类别", max_length=12, choices=Kind.choices, default=Kind.COUNT)
    value_type = models.CharField("数值类型", max_length=12, choices=ValueType.choices, default=ValueType.INTEGER)
    min_value = models.DecimalField("最小值", max_digits=18, decimal_places=4, null=True, blank=True)
    max_value = models.DecimalField("最大值", max_digits=18, decimal_places=4, null=True, blank=True)
    aggregation = models.CharField("汇总方式", max_length=8, choices=Aggregation.choices, default=Aggregation.SUM)
    # reported: summed from ledger records; computed: answered by a provider an app registers
    # (`ledger.providers`), whose rows live in that app's tables. Computed rows are kept in step with the
    # registry by `ledger.taxonomy.sync_computed_metrics` (run by `taizhang setup` / load_defaults).
    source = models.CharField("数据来源", max_length=10, choices=Source.choices, default=Source.REPORTED)
    aliases = models.JSONField("别称", default=list, blank=True)
    sort_order = models.IntegerField("排序", default=0)
    is_active = models.BooleanField("启用", default=True)

    class Meta:
        verbose_name = "指标"
        verbose_name_plural = "指标"
        ordering = ["line__sort_order", "sort_order", "key"]

    def __str__(self) -> str:
        return self.name

    @property
    def label(self) -> str:
        return f"{self.name}（{self.measure_word}）"

    @property
    def is_computed(self) -> bool:
        return self.source == self.Source.COMPUTED

    def validate_value(self, value: Decimal) -> str | None:
        """The Chinese error for a value that breaks this definition, or None."""
        if self.value_type == self.ValueType.INTEGER and value != value.to_integral_value():
            return f"“{self.name}”应为整数，不能是 {value}"
        if self.min_value is not None and value < self.min_value:
            return f"“{self.name}”不能小于 {self.min_value.normalize():f}{self.measure_word}"
        if self.max_value is not None and value > self.max_value:
            return f"“{self.name}”不能大于 {self.max_value.normalize():f}{self.measure_word}"
        return None


class MetricDefinitionRevision(models.Model):
    metric = models.ForeignKey(MetricDefinition, related_name="revisions", on_delete=models.CASCADE)
    version = models.PositiveIntegerField("版本")
    data = models.JSONField("定义")
    created_at = models.DateTimeField("时间", auto_now_add=True)
    created_by_id = models.BigIntegerField(null=True, blank=True)

    class Meta:
        verbose_name = "指标历史版本"
        ordering = ["metric", "version"]
        constraints = [models.UniqueConstraint(fields=["metric", "version"], name="ledger_metric_revision_unique")]

    def __str__(self) -> str:
        return f"{self.metric_id} v{self.version}"


class ActivityType(TimestampedModel, VersionedModel):
    class Kind(models.TextChoices):
        ACTIVITY = "activity", "活动"
        COUNT = "count", "统计"
        PLACEMENT = "placement", "用稿"

    key = models.SlugField("标识", max_length=60, unique=True)
    line = models.ForeignKey(LineOfWork, verbose_name="工作线", related_name="activity_types", on_delete=models.PROTECT)
    name = models.CharField("名称", max_length=60)
    description = models.CharField("说明", max_length=300, blank=True)
    kind = models.CharField("类别", max_length=12, choices=Kind.choices, default=Kind.ACTIVITY)
    metrics: models.ManyToManyField[MetricDefinition, ActivityTypeMetric] = models.ManyToManyField(
        MetricDefinition, through="ActivityTypeMetric", related_name="activity_types"
    )
    sort_order = models.IntegerField("排序", default=0)
    is_active = models.BooleanField("启用", default=True)

    class Meta:
        verbose_name = "活动类型"
        verbose_name_plural = "活动类型"
        ordering = ["line__sort_order", "sort_order", "key"]

    def __str__(self) -> str:
        return self.name


class ActivityTypeMetric(models.Model):
    activity_type = models.ForeignKey(ActivityType, related_name="type_metrics", on_delete=models.CASCADE)
    metric = models.ForeignKey(MetricDefinition, related_name="type_links", on_delete=models.PROTECT)
    required = models.BooleanField("必填", default=False)
    default = models.DecimalField("默认值", max_digits=18, decimal_places=4, null=True, blank=True)
    sort_order = models.IntegerField("排序", default=0)

    class Meta:
        verbose_name = "活动类型指标"
        ordering = ["activity_type", "sort_order", "id"]
        constraints = [models.UniqueConstraint(fields=["activity_type", "metric"], name="ledger_type_metric_unique")]

    def __str__(self) -> str:
        return f"{self.activity_type} · {self.metric}"


class Outlet(TimestampedModel, VersionedModel):
    class Level(models.TextChoices):
        NATIONAL = "national", "中央"
        PROVINCIAL = "provincial", "省级"
        MUNICIPAL = "municipal", "市级"
        DISTRICT = "district", "区级"

    class Kind(models.TextChoices):
        NEWSPAPER = "newspaper", "报纸"
        TV = "tv", "电视"
        RADIO = "radio", "广播"
        WEBSITE = "website", "网站"
        APP = "app", "客户端"
        NEW_MEDIA = "new_media", "新媒体账号"

    name = models.CharField("媒体名称", max_length=100, unique=True)
    aliases = models.JSONField("别称", default=list, blank=True)
    level = models.CharField("级别", max_length=12, choices=Level.choices)
    kind = models.CharField("类型", max_length=12, choices=Kind.choices)
    is_active = models.BooleanField("启用", default=True)

    class Meta:
        verbose_name = "媒体"
        verbose_name_plural = "媒体"
        ordering = ["level", "name"]

    def __str__(self) -> str:
        return self.name


LEVEL_ORDER = {"national": 0, "provincial": 1, "municipal": 2, "district": 3}
