"""Targets and their allocation to units, assessment schemes (versioned data), bonus/deduction entries, assessment
runs with frozen results, and bulletins (通报).

- A **target** (目标任务) is one line of the department's annual plan: a metric of the ledger (optionally narrowed to
  outlet levels or an activity type) and a value for the year, allocated (分解) to units.
- A **scheme** (考核方案) is data: its content lives in numbered **versions** (items, weights per line of work, peer
  groups, tie rule). A version used by a published run is never changed again; editing makes the next version.
- A **run** (考核) scores every peer unit for a period with one scheme version. Published results are frozen rows:
  nothing recomputes them. Running again after publishing makes the next run version, with a change log.
"""

from __future__ import annotations

import uuid
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.db import models

from taizhang.core.models import TimestampedModel, VersionedModel
from taizhang.core.querysets import RestrictedQuerySet
from taizhang.ledger.models import ActivityType, LineOfWork, MetricDefinition, Record
from taizhang.org.models import Unit

USER = settings.AUTH_USER_MODEL


# ---------------------------------------------------------------------------------------------------------------
# Targets and allocations
# ---------------------------------------------------------------------------------------------------------------
class Target(TimestampedModel, VersionedModel):
    class PlanKind(models.TextChoices):
        LINEAR = "linear", "按时间均衡（序时进度）"
        MONTHLY = "monthly", "按月度计划"

    class Method(models.TextChoices):
        MANUAL = "manual", "手工分解"
        EQUAL = "equal", "平均分配"
        POPULATION = "population", "按人口比例"
        LAST_YEAR = "last_year", "按上年完成占比"

    scope_field = "owner"

    year = models.PositiveSmallIntegerField("年度", db_index=True)
    key = models.SlugField("标识", max_length=60, help_text="英文标识，考核方案按它引用本目标（同一年度内唯一）")
    name = models.CharField("目标名称", max_length=100)
    owner = models.ForeignKey(Unit, verbose_name="下达单位", related_name="+", on_delete=models.PROTECT)
    metric = models.ForeignKey(MetricDefinition, verbose_name="统计指标", related_name="+", on_delete=models.PROTECT)
    outlet_levels = models.JSONField("媒体级别", default=list, blank=True, help_text="为空表示不限级别")
    activity_type = models.ForeignKey(
        ActivityType, verbose_name="限定活动类型", null=True, blank=True, related_name="+", on_delete=models.PROTECT
    )
    value = models.DecimalField("年度目标值", max_digits=18, decimal_places=4)
    plan_kind = models.CharField("进度计划", max_length=12, choices=PlanKind.choices, default=PlanKind.LINEAR)
    monthly_plan = models.JSONField("月度计划（%）", default=list, blank=True)
    allocation_method = models.CharField("分解方式", max_length=12, choices=Method.choices, default=Method.MANUAL)
    allow_over_allocation = models.BooleanField("允许超额分解", default=False)
    note = models.TextField("说明", blank=True)
    sort_order = models.IntegerField("排序", default=0)
    created_by = models.ForeignKey(USER, null=True, blank=True, related_name="+", on_delete=models.SET_NULL)

    objects = RestrictedQuerySet.as_manager()

    class Meta:
        verbose_name = "目标任务"
        verbose_name_plural = "目标任务"
        ordering = ["-year", "sort_order", "key"]
        constraints = [models.UniqueConstraint(fields=["year", "key"], name="targets_target_year_key")]

    def __str__(self) -> str:
        return f"{self.year}年{self.name}"

    @property
    def measure_word(self) -> str:
        return self.metric.measure_word

    @property
    def filter_label(self) -> str:
        from taizhang.ledger.models import Outlet

        labels = dict(Outlet.Level.choices)
        parts = []
        if self.outlet_levels:
            parts.append("、".join(labels.get(level, level) for level in self.outlet_levels) + "媒体")
        if self.activity_type is not None:
            parts.append(self.activity_type.name)
        return "；".join(parts)


class Allocation(TimestampedModel):
    """A unit's share of a target. Saved as a whole set through actions.save_allocations (the target's version
    is the optimistic lock of the set)."""

    scope_field = "unit"

    target = models.ForeignKey(Target, related_name="allocations", on_delete=models.CASCADE)
    unit = models.ForeignKey(Unit, verbose_name="单位", related_name="+", on_delete=models.PROTECT)
    value = models.DecimalField("分解目标", max_digits=18, decimal_places=4)

    objects = RestrictedQuerySet.as_manager()

    class Meta:
        verbose_name = "目标分解"
        verbose_name_plural = "目标分解"
        ordering = ["target", "unit__sort_order", "unit__code"]
        constraints = [models.UniqueConstraint(fields=["target", "unit"], name="targets_allocation_unique")]

    def __str__(self) -> str:
        return f"{self.target} · {self.unit}：{self.value}"


# ---------------------------------------------------------------------------------------------------------------
# Schemes
# ---------------------------------------------------------------------------------------------------------------
class Scheme(TimestampedModel, VersionedModel):
    """An assessment scheme. Its content is in `versions`; `version` (VersionedModel) is only the edit lock."""

    scope_field = "owner"

    key = models.SlugField("标识", max_length=60, unique=True)
    name = models.CharField("方案名称", max_length=100)
    subject = models.CharField("考核内容", max_length=60, help_text="用于通报标题，如“对外宣传工作”")
    owner = models.ForeignKey(Unit, verbose_name="考核单位", related_name="+", on_delete=models.PROTECT)
    description = models.TextField("说明", blank=True)
    is_active = models.BooleanField("启用", default=True)
    created_by = models.ForeignKey(USER, null=True, blank=True, related_name="+", on_delete=models.SET_NULL)

    objects = RestrictedQuerySet.as_manager()

    class Meta:
        verbose_name = "考核方案"
        verbose_name_plural = "考核方案"
        ordering = ["key"]

    def __str__(self) -> str:
        return self.name

    @property
    def current(self) -> SchemeVersion:
        found = self.versions.order_by("-number").first()
        if found is None:  # pragma: no cover - actions always create version 1
            raise SchemeVersion.DoesNotExist(f"方案“{self.name}”没有版本")
        return found


class SchemeVersion(models.Model):
    class TieRule(models.TextChoices):
        COMPETITION = "competition", "并列同名次，后续名次顺延（1,2,2,4）"
        DENSE = "dense", "并列同名次，后续名次连续（1,2,2,3）"
        SECONDARY = "secondary", "按次要指标依次区分，仍相同者并列"

    scope_field = "scheme__owner"

    scheme = models.ForeignKey(Scheme, related_name="versions", on_delete=models.CASCADE)
    number = models.PositiveIntegerField("版本号")
    weights = models.JSONField("工作线权重", default=dict, blank=True)
    peer_parent = models.ForeignKey(
        Unit, verbose_name="参评单位的上级", null=True, blank=True, related_name="+", on_delete=models.PROTECT,
        help_text="参评单位为它的直属下级单位；为空表示考核单位本身",
    )
    groups = models.JSONField("排名分组", default=list, blank=True)
    tie_rule = models.CharField("并列规则", max_length=12, choices=TieRule.choices, default=TieRule.COMPETITION)
    tie_keys = models.JSONField("区分并列的次要指标", default=list, blank=True)
    praise_top = models.PositiveSmallIntegerField("通报表扬名额（每组）", default=3)
    lagging_bottom = models.PositiveSmallIntegerField("通报督促名额（每组）", default=2)
    note = models.CharField("修订说明", max_length=300, blank=True)
    created_at = models.DateTimeField("创建时间", auto_now_add=True)
    updated_at = models.DateTimeField("修改时间", auto_now=True)
    created_by = models.ForeignKey(USER, null=True, blank=True, related_name="+", on_delete=models.SET_NULL)
    frozen_at = models.DateTimeField("锁定时间", null=True, blank=True, help_text="有已发布的考核使用后锁定")

    objects = RestrictedQuerySet.as_manager()

    class Meta:
        verbose_name = "考核方案版本"
        verbose_name_plural = "考核方案版本"
        ordering = ["scheme", "-number"]
        constraints = [models.UniqueConstraint(fields=["scheme", "number"], name="targets_version_unique")]

    def __str__(self) -> str:
        return f"{self.scheme.name}（第{self.number}版）"

    def weight_for(self, line_key: str | None) -> Decimal:
        raw = (self.weights or {}).get(line_key or "", None)
        return Decimal(str(raw)) if raw not in (None, "") else Decimal(1)


class SchemeItem(models.Model):
    class Kind(models.TextChoices):
        METRIC = "metric", "按指标计分"
        PLACEMENT = "placement", "用稿计分"
        TARGET = "target_completion", "目标完成率计分"
        BONUS = "bonus", "加分项"
        DEDUCTION = "deduction", "减分项"

    version = models.ForeignKey(SchemeVersion, related_name="items", on_delete=models.CASCADE)
    key = models.SlugField("标识", max_length=60)
    name = models.CharField("评分项", max_length=100)
    line = models.ForeignKey(LineOfWork, verbose_name="工作线", null=True, blank=True, related_name="+",
                             on_delete=models.PROTECT)
    kind = models.CharField("类型", max_length=20, choices=Kind.choices)
    rule = models.JSONField("计分规则", default=dict)
    sort_order = models.IntegerField("排序", default=0)

    class Meta:
        verbose_name = "评分项"
        verbose_name_plural = "评分项"
        ordering = ["version", "sort_order", "id"]
        constraints = [models.UniqueConstraint(fields=["version", "key"], name="targets_item_unique")]

    def __str__(self) -> str:
        return self.name

    @property
    def is_manual(self) -> bool:
        return self.kind in (self.Kind.BONUS, self.Kind.DEDUCTION)


# ---------------------------------------------------------------------------------------------------------------
# Bonus and deduction entries
# ---------------------------------------------------------------------------------------------------------------
def adjustment_evidence_path(instance: Adjustment, filename: str) -> str:
    return f"targets/evidence/{uuid.uuid4().hex}"


class Adjustment(TimestampedModel, VersionedModel):
    """A bonus or deduction for one unit under a scheme's manual item, with evidence; counts once approved."""

    class Status(models.TextChoices):
        PROPOSED = "proposed", "待审核"
        APPROVED = "approved", "已通过"
        REJECTED = "rejected", "未通过"

    class Direction(models.TextChoices):
        BONUS = "bonus", "加分"
        DEDUCTION = "deduction", "减分"

    scope_field = "unit"

    scheme = models.ForeignKey(Scheme, verbose_name="考核方案", related_name="adjustments", on_delete=models.PROTECT)
    item_key = models.SlugField("评分项", max_length=60)
    item_name = models.CharField("评分项名称", max_length=100)
    direction = models.CharField("加/减分", max_length=10, choices=Direction.choices)
    unit = models.ForeignKey(Unit, verbose_name="单位", related_name="+", on_delete=models.PROTECT)
    date = models.DateField("发生日期", db_index=True)
    points = models.DecimalField("分值", max_digits=8, decimal_places=2, help_text="正数；减分项按减分计")
    reason = models.TextField("事由")
    evidence = models.FileField("佐证材料", upload_to=adjustment_evidence_path, blank=True)
    evidence_name = models.CharField("文件名", max_length=200, blank=True)
    evidence_type = models.CharField(max_length=100, blank=True)
    evidence_sha256 = models.CharField(max_length=64, blank=True)
    evidence_url = models.URLField("佐证链接", max_length=300, blank=True)
    record = models.ForeignKey(Record, verbose_name="关联台账记录", null=True, blank=True, related_name="+",
                               on_delete=models.SET_NULL)
    status = models.CharField("状态", max_length=10, choices=Status.choices, default=Status.PROPOSED, db_index=True)
    proposed_by = models.ForeignKey(USER, null=True, blank=True, related_name="+", on_delete=models.SET_NULL)
    reviewed_by = models.ForeignKey(USER, null=True, blank=True, related_name="+", on_delete=models.SET_NULL)
    reviewed_at = models.DateTimeField("审核时间", null=True, blank=True)
    review_comment = models.TextField("审核意见", blank=True)

    objects = RestrictedQuerySet.as_manager()

    class Meta:
        verbose_name = "加减分"
        verbose_name_plural = "加减分"
        ordering = ["-date", "-id"]
        indexes = [models.Index(fields=["scheme", "status", "date"])]

    def __str__(self) -> str:
        sign = "+" if self.direction == self.Direction.BONUS else "-"
        return f"{self.unit} {self.item_name} {sign}{self.points}"

    @property
    def signed_points(self) -> Decimal:
        return self.points if self.direction == self.Direction.BONUS else -self.points


# ---------------------------------------------------------------------------------------------------------------
# Runs and results
# ---------------------------------------------------------------------------------------------------------------
class AssessmentRun(TimestampedModel):
    class Status(models.TextChoices):
        DRAFT = "draft", "草稿"
        PUBLISHED = "published", "已发布"
        SUPERSEDED = "superseded", "已被新版本取代"

    scope_field = "scheme__owner"

    scheme = models.ForeignKey(Scheme, verbose_name="考核方案", related_name="runs", on_delete=models.PROTECT)
    scheme_version = models.ForeignKey(SchemeVersion, verbose_name="方案版本", related_name="runs",
                                       on_delete=models.PROTECT)
    period_spec = models.CharField("考核期", max_length=40, db_index=True)
    period_kind = models.CharField("期别", max_length=12)
    period_start = models.DateField("开始日期")
    period_end = models.DateField("结束日期")
    period_label = models.CharField("考核期名称", max_length=60)
    number = models.PositiveIntegerField("版本", default=1)
    status = models.CharField("状态", max_length=12, choices=Status.choices, default=Status.DRAFT, db_index=True)
    tie_rule = models.CharField("并列规则", max_length=12)
    tie_keys = models.JSONField("区分并列的次要指标", default=list, blank=True)
    supersedes = models.ForeignKey("self", verbose_name="取代", null=True, blank=True, related_name="+",
                                   on_delete=models.PROTECT)
    change_log = models.JSONField("与上一版相比的变化", default=dict, blank=True)
    note = models.CharField("说明", max_length=300, blank=True)
    duration_ms = models.PositiveIntegerField("计算耗时（毫秒）", default=0)
    created_by = models.ForeignKey(USER, null=True, blank=True, related_name="+", on_delete=models.SET_NULL)
    published_at = models.DateTimeField("发布时间", null=True, blank=True)
    published_by = models.ForeignKey(USER, null=True, blank=True, related_name="+", on_delete=models.SET_NULL)

    objects = RestrictedQuerySet.as_manager()

    class Meta:
        verbose_name = "考核"
        verbose_name_plural = "考核"
        ordering = ["-period_start", "scheme", "-number"]
        constraints = [
            models.UniqueConstraint(fields=["scheme", "period_spec", "number"], name="targets_run_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.period_label}{self.scheme.name}（第{self.number}版）"

    @property
    def is_frozen(self) -> bool:
        return self.status != self.Status.DRAFT


class AssessmentResult(models.Model):
    scope_field = "unit"

    run = models.ForeignKey(AssessmentRun, related_name="results", on_delete=models.CASCADE)
    unit = models.ForeignKey(Unit, verbose_name="单位", related_name="+", on_delete=models.PROTECT)
    group_key = models.CharField("排名组", max_length=40, blank=True)
    group_name = models.CharField("排名组名称", max_length=60, blank=True)
    group_index = models.PositiveSmallIntegerField("排名组顺序", default=0)
    score = models.DecimalField("得分", max_digits=10, decimal_places=2)
    rank = models.PositiveIntegerField("名次")
    tied = models.BooleanField("并列", default=False)
    tie_broken_by = models.CharField("并列区分依据", max_length=80, blank=True)
    tie_values = models.JSONField("次要指标值", default=dict, blank=True)
    position = models.PositiveIntegerField("显示顺序", default=0)

    objects = RestrictedQuerySet.as_manager()

    class Meta:
        verbose_name = "考核结果"
        verbose_name_plural = "考核结果"
        ordering = ["run", "group_index", "position"]
        constraints = [models.UniqueConstraint(fields=["run", "unit"], name="targets_result_unique")]

    def __str__(self) -> str:
        return f"{self.unit}：{self.score}分，第{self.rank}名"


class AssessmentItemResult(models.Model):
    result = models.ForeignKey(AssessmentResult, related_name="items", on_delete=models.CASCADE)
    item_key = models.SlugField("评分项", max_length=60)
    item_name = models.CharField("评分项名称", max_length=100)
    kind = models.CharField("类型", max_length=20)
    line_key = models.CharField("工作线", max_length=40, blank=True)
    value = models.DecimalField("统计值", max_digits=18, decimal_places=4, default=Decimal(0))
    raw_points = models.DecimalField("原始得分", max_digits=12, decimal_places=4)
    weight = models.DecimalField("权重", max_digits=8, decimal_places=4, default=Decimal(1))
    points = models.DecimalField("得分", max_digits=10, decimal_places=2)
    records = models.JSONField("依据记录", default=list, blank=True)
    adjustments = models.JSONField("依据加减分", default=list, blank=True)
    detail: Any = models.JSONField("明细", default=dict, blank=True)
    position = models.PositiveIntegerField(default=0)

    class Meta:
        verbose_name = "考核得分项"
        verbose_name_plural = "考核得分项"
        ordering = ["result", "position"]

    def __str__(self) -> str:
        return f"{self.item_name}：{self.points}"


# ---------------------------------------------------------------------------------------------------------------
# Bulletins
# ---------------------------------------------------------------------------------------------------------------
def bulletin_path(instance: Bulletin, filename: str) -> str:
    return f"targets/bulletins/{uuid.uuid4().hex}.docx"


class Bulletin(TimestampedModel):
    """A 通报 made from a published run: the document (as data, for the preview) and its .docx."""

    run = models.ForeignKey(AssessmentRun, verbose_name="考核", related_name="bulletins", on_delete=models.PROTECT)
    title = models.CharField("标题", max_length=200)
    issued_on = models.DateField("成文日期")
    document = models.JSONField("文档", default=dict)
    file = models.FileField("文件", upload_to=bulletin_path, blank=True)
    filename = models.CharField("文件名", max_length=200, blank=True)
    sha256 = models.CharField(max_length=64, blank=True)
    size = models.PositiveBigIntegerField(default=0)
    created_by = models.ForeignKey(USER, null=True, blank=True, related_name="+", on_delete=models.SET_NULL)

    class Meta:
        verbose_name = "通报"
        verbose_name_plural = "通报"
        ordering = ["-issued_on", "-id"]

    def __str__(self) -> str:
        return self.title
