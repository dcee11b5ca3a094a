"""Event filing (一会一报 / 阵地备案): forums, lectures, seminars, report meetings, reading groups and salons are filed
before they are held, approved by the host unit, its supervising department and the publicity department."""

from __future__ import annotations

from django.conf import settings
from django.db import models

from taizhang.core.models import TimestampedModel, VersionedModel
from taizhang.core.querysets import RestrictedQuerySet
from taizhang.org.models import Unit


class EventKind(models.TextChoices):
    FORUM = "forum", "论坛"
    LECTURE = "lecture", "讲座"
    SEMINAR = "seminar", "研讨会"
    REPORT = "report", "报告会"
    READING = "reading", "读书会"
    SALON = "salon", "沙龙"


class LeadTime(models.Model):
    """How many working days before the event a kind must be filed (data; staff edit it)."""

    kind = models.CharField("活动类型", max_length=12, choices=EventKind.choices, unique=True)
    working_days = models.PositiveIntegerField("提前工作日")

    class Meta:
        verbose_name = "备案提前期"
        verbose_name_plural = "备案提前期"
        ordering = ["kind"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}提前{self.working_days}个工作日"


class EventFiling(TimestampedModel, VersionedModel):
    class State(models.TextChoices):
        DRAFT = "draft", "草稿"
        HOST = "host", "待主办单位审核"
        SUPERVISOR = "supervisor", "待主管部门审核"
        DEPARTMENT = "department", "待宣传部审核"
        APPROVED = "approved", "已批准"
        RETURNED = "returned", "已退回"
        HELD = "held", "已举办"
        CANCELLED = "cancelled", "已取消"

    scope_field = "unit"

    unit = models.ForeignKey(Unit, verbose_name="主办单位", related_name="+", on_delete=models.PROTECT)
    supervisor = models.ForeignKey(Unit, verbose_name="主管部门", null=True, blank=True, related_name="+",
                                   on_delete=models.PROTECT)
    kind = models.CharField("活动类型", max_length=12, choices=EventKind.choices)
    topic = models.CharField("主题", max_length=200)
    organiser = models.CharField("承办方", max_length=200, blank=True)
    starts_at = models.DateTimeField("开始时间", db_index=True)
    ends_at = models.DateTimeField("结束时间")
    place = models.CharField("地点", max_length=200)
    speakers = models.JSONField("主讲人", default=list, blank=True)  # [{"name", "title", "org", "overseas"}]
    overseas_approval = models.CharField("境外人员审批文号", max_length=100, blank=True)
    outline = models.TextField("内容提纲")
    audience = models.CharField("参加对象", max_length=200)
    audience_size = models.PositiveIntegerField("预计人数", default=0)
    live_streaming = models.BooleanField("网络直播", default=False)
    streaming_platform = models.CharField("直播平台", max_length=100, blank=True)
    state = models.CharField("状态", max_length=12, choices=State.choices, default=State.DRAFT, db_index=True)
    submitted_at = models.DateTimeField("报备时间", null=True, blank=True)
    due_by = models.DateField("应报备日期", null=True, blank=True)
    filed_in_time = models.BooleanField("按时报备", null=True)
    changed_after_approval = models.BooleanField("批准后变更", default=False)
    held_summary = models.TextField("举办情况", blank=True)
    held_attendance = models.PositiveIntegerField("实际参加人数", null=True, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="填报人", null=True, blank=True,
                                   related_name="+", on_delete=models.SET_NULL)

    objects = RestrictedQuerySet.as_manager()

    class Meta:
        verbose_name = "活动备案"
        verbose_name_plural = "活动备案"
        ordering = ["-starts_at", "-id"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}：{self.topic}"

    @property
    def has_overseas_speaker(self) -> bool:
        return any(s.get("overseas") for s in self.speakers or [])


class FilingStep(models.Model):
    """One step of the approval chain, or a change, held or cancel event: the filing's timeline."""

    class Kind(models.TextChoices):
        SUBMIT = "submit", "提交"
        APPROVE = "approve", "通过"
        RETURN = "return", "退回"
        CHANGE = "change", "变更"
        HELD = "held", "举办登记"
        CANCEL = "cancel", "取消"

    filing = models.ForeignKey(EventFiling, related_name="steps", on_delete=models.CASCADE)
    kind = models.CharField("操作", max_length=8, choices=Kind.choices)
    stage = models.CharField("环节", max_length=12, blank=True)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="操作人", null=True, blank=True,
                             related_name="+", on_delete=models.SET_NULL)
    text = models.TextField("说明", blank=True)
    at = models.DateTimeField("时间", auto_now_add=True)

    class Meta:
        verbose_name = "备案进程"
        ordering = ["at", "id"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.stage}"


def photo_path(instance: FilingPhoto, filename: str) -> str:
    return f"filings/{instance.filing_id}/{filename}"


class FilingPhoto(TimestampedModel):
    scope_field = "filing__unit"

    filing = models.ForeignKey(EventFiling, related_name="photos", on_delete=models.CASCADE)
    file = models.FileField("照片", upload_to=photo_path, max_length=300)
    name = models.CharField("文件名", max_length=200)

    objects = RestrictedQuerySet.as_manager()

    class Meta:
        verbose_name = "活动照片"

    def __str__(self) -> str:
        return self.name


class UnfiledEvent(TimestampedModel):
    """An event found to have been held without filing (from a placement, monitoring or a report), to follow up:
    a case of kind `filing_followup` goes to the unit."""

    class Source(models.TextChoices):
        PLACEMENT = "placement", "媒体报道"
        MONITORING = "monitoring", "舆情监测"
        REPORT = "report", "群众反映"
        INSPECTION = "inspection", "检查发现"

    scope_field = "unit"

    unit = models.ForeignKey(Unit, verbose_name="举办单位", related_name="+", on_delete=models.PROTECT)
    kind = models.CharField("活动类型", max_length=12, choices=EventKind.choices)
    topic = models.CharField("活动", max_length=200)
    held_on = models.DateField("举办日期")
    source = models.CharField("发现途径", max_length=12, choices=Source.choices)
    reference = models.CharField("线索", max_length=300, blank=True)
    found_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="登记人", null=True, blank=True,
                                 related_name="+", on_delete=models.SET_NULL)

    objects = RestrictedQuerySet.as_manager()

    class Meta:
        verbose_name = "未备案活动"
        verbose_name_plural = "未备案活动"
        ordering = ["-held_on", "-id"]

    def __str__(self) -> str:
        return f"{self.held_on} {self.topic}"
