"""Checks on a record's figures that go beyond one metric's own range, kept as data (shipped in
`ledger/defaults/rules.json`, loaded by `taizhang setup` / load_defaults, editable by staff):

- `FigureRule`: a relation between two figures of one record ("整改问题数 ≤ 发现问题数", "交流发言人数 ≤ 参学人数");
  a record breaking it is refused with the rule's Chinese message.
- `FigureBound`: the largest value one record may carry for a metric, by the reporting unit's kind (a community does
  not report 214.5 亿元 of investment, nor 349 national 好人 in one record); refused with a Chinese message.

Outliers against the unit's own history are not refused: they are flagged to the reviewer (`ledger.outliers`).
"""

from __future__ import annotations

from decimal import Decimal

from django.db import models

from taizhang.core.models import TimestampedModel, VersionedModel
from taizhang.ledger.models.taxonomy import ActivityType, MetricDefinition


class FigureRule(TimestampedModel, VersionedModel):
    class Op(models.TextChoices):
        LE = "le", "不大于"
        LT = "lt", "小于"
        GE = "ge", "不小于"
        EQ = "eq", "等于"

    key = models.SlugField("标识", max_length=60, unique=True)
    left = models.ForeignKey(MetricDefinition, verbose_name="指标", related_name="+", on_delete=models.CASCADE)
    op = models.CharField("关系", max_length=2, choices=Op.choices, default=Op.LE)
    right = models.ForeignKey(MetricDefinition, verbose_name="对比指标", related_name="+", on_delete=models.CASCADE)
    factor = models.DecimalField("倍数", max_digits=12, decimal_places=4, default=Decimal(1),
                                 help_text="左边与右边乘以该倍数比较，例如“受众人次 ≥ 场次 × 1”")
    activity_type = models.ForeignKey(ActivityType, verbose_name="仅限活动类型", null=True, blank=True,
                                      related_name="+", on_delete=models.CASCADE)
    message = models.CharField("提示", max_length=200, blank=True)
    is_active = models.BooleanField("启用", default=True)

    class Meta:
        verbose_name = "数据关系规则"
        verbose_name_plural = "数据关系规则"
        ordering = ["key"]

    def __str__(self) -> str:
        return self.describe()

    def describe(self) -> str:
        factor = "" if self.factor == 1 else f" × {self.factor.normalize():f}"
        return f"{self.left.name} {self.get_op_display()} {self.right.name}{factor}"

    def holds(self, left: Decimal, right: Decimal) -> bool:
        bound = right * self.factor
        if self.op == self.Op.LE:
            return left <= bound
        if self.op == self.Op.LT:
            return left < bound
        if self.op == self.Op.GE:
            return left >= bound
        return left == bound


class FigureBound(TimestampedModel, VersionedModel):
    key = models.SlugField("标识", max_length=60, unique=True)
    metric = models.ForeignKey(MetricDefinition, verbose_name="指标", related_name="+", on_delete=models.CASCADE)
    activity_type = models.ForeignKey(ActivityType, verbose_name="仅限活动类型", null=True, blank=True,
                                      related_name="+", on_delete=models.CASCADE)
    unit_kinds = models.JSONField("单位类型", default=list, help_text="适用的单位类型（org.Unit.Kind 的值）")
    max_value = models.DecimalField("单条记录上限", max_digits=18, decimal_places=4)
    message = models.CharField("提示", max_length=200, blank=True)
    is_active = models.BooleanField("启用", default=True)

    class Meta:
        verbose_name = "按单位层级的数据上限"
        verbose_name_plural = "按单位层级的数据上限"
        ordering = ["key"]

    def __str__(self) -> str:
        return f"{self.metric.name} ≤ {self.max_value.normalize():f}"
