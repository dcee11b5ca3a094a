"""工单的数据模型：one case loop shared by every app (incidents, citizen reports, inspection findings …).

A case is assigned to the responsible unit with a deadline in working days, accepted or sent back (退单, arbitrated
by staff), handled with evidence and a reply, verified (核查) and closed, or reopened. Every step is a `CaseEvent` on
the case's timeline. Kinds of case are registered by apps (`cases.registry`); escalation rules are data.
"""

from __future__ import annotations

import datetime
import uuid

from django.conf import settings
from django.contrib.contenttypes.fields import GenericForeignKey
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.db.models import Case as SqlCase
from django.db.models import When
from django.utils import timezone

from taizhang.core.models import TimestampedModel, VersionedModel
from taizhang.core.querysets import RestrictedQuerySet
from taizhang.org.models import Unit


class CaseQuerySet(RestrictedQuerySet["Case"]):
    def for_subject(self, obj: models.Model) -> CaseQuerySet:
        """The cases whose subject is `obj` (newest first)."""
        ct = ContentType.objects.get_for_model(type(obj))
        return self.filter(content_type=ct, object_id=obj.pk).order_by("-created_at", "-id")

    def open(self) -> CaseQuerySet:
        return self.filter(state__in=Case.OPEN_STATES)

    def overdue(self, today: datetime.date | None = None) -> CaseQuerySet:
        today = today or timezone.localdate()
        return self.filter(state__in=Case.RUNNING_STATES, deadline__lt=today)

    def todo_order(self, today: datetime.date | None = None) -> CaseQuerySet:
        """A to-do list's order: overdue cases first, then by deadline (none last), oldest number first."""
        today = today or timezone.localdate()
        late = SqlCase(
            When(state__in=Case.RUNNING_STATES, deadline__lt=today, then=models.Value(0)),
            default=models.Value(1), output_field=models.IntegerField(),
        )
        return self.annotate(late_first=late).order_by(
            "late_first", models.F("deadline").asc(nulls_last=True), "id")


class Case(TimestampedModel, VersionedModel):
    class State(models.TextChoices):
        NEW = "new", "待派发"
        DISPATCHED = "dispatched", "已派发"
        ACCEPTED = "accepted", "办理中"
        SENT_BACK = "sent_back", "已退单"
        HANDLED = "handled", "已办理"
        VERIFIED = "verified", "已核查"
        CLOSED = "closed", "已办结"
        REOPENED = "reopened", "已重办"
        CANCELLED = "cancelled", "已撤销"

    class Satisfaction(models.TextChoices):
        SATISFIED = "satisfied", "满意"
        BASICALLY_SATISFIED = "basically_satisfied", "基本满意"
        UNSATISFIED = "unsatisfied", "不满意"

    # Open = not closed or cancelled; running = the unit's clock is ticking (deadline counts).
    OPEN_STATES = ("new", "dispatched", "accepted", "sent_back", "handled", "verified", "reopened")
    RUNNING_STATES = ("dispatched", "accepted", "reopened")
    DONE_STATES = ("closed", "cancelled")

    scope_field = "unit"

    kind = models.CharField("类型", max_length=32)
    content_type = models.ForeignKey(
        ContentType, null=True, blank=True, related_name="+", on_delete=models.SET_NULL
    )
    object_id = models.PositiveBigIntegerField(null=True, blank=True)
    subject = GenericForeignKey("content_type", "object_id")
    unit = models.ForeignKey(Unit, verbose_name="责任单位", related_name="cases", on_delete=models.PROTECT)
    title = models.CharField("标题", max_length=200)
    description = models.TextField("内容", blank=True)
    state = models.CharField("状态", max_length=12, choices=State.choices, default=State.NEW)
    deadline = models.DateField("办理期限", null=True, blank=True)
    deadline_provisional = models.BooleanField("期限暂定", default=False)
    sla_days = models.PositiveSmallIntegerField("办理时限（工作日）", default=5)
    dispatched_at = models.DateTimeField("派发时间", null=True, blank=True)
    accepted_at = models.DateTimeField("签收时间", null=True, blank=True)
    handled_at = models.DateTimeField("办理时间", null=True, blank=True)
    closed_at = models.DateTimeField("办结时间", null=True, blank=True)
    closed_on_time = models.BooleanField("按时办结", null=True, blank=True)
    escalation_level = models.PositiveSmallIntegerField("督办级别", default=0)
    satisfaction = models.CharField(
        "满意度", max_length=20, choices=Satisfaction.choices, null=True, blank=True
    )
    satisfaction_comment = models.CharField("评价意见", max_length=500, blank=True)
    rated_at = models.DateTimeField("评价时间", null=True, blank=True)
    reopen_count = models.PositiveSmallIntegerField("重办次数", default=0)
    reply = models.TextField("办理情况", blank=True)
    public_reply = models.TextField("公开答复", blank=True)
    dispatched_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="派发人", null=True, blank=True, related_name="+",
        on_delete=models.SET_NULL,
    )

    objects = CaseQuerySet.as_manager()

    class Meta:
        verbose_name = "工单"
        verbose_name_plural = "工单"
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["unit", "state"], name="cases_unit_state"),
            models.Index(fields=["kind", "state"], name="cases_kind_state"),
            models.Index(fields=["deadline"], name="cases_deadline"),
            models.Index(fields=["content_type", "object_id"], name="cases_subject"),
            # figures (providers): covers the cohort's counts by unit, so they are read from the index alone
            models.Index(fields=["unit", "created_at", "state", "closed_on_time", "satisfaction"],
                         name="cases_unit_created_figs"),
        ]

    def __str__(self) -> str:
        return f"工单{self.pk}：{self.title}"

    @property
    def kind_name(self) -> str:
        from taizhang.cases.registry import kind_name

        return kind_name(self.kind)

    @property
    def is_open(self) -> bool:
        return self.state in self.OPEN_STATES

    def is_overdue(self, today: datetime.date | None = None) -> bool:
        today = today or timezone.localdate()
        return bool(self.deadline and self.state in self.RUNNING_STATES and self.deadline < today)

    @property
    def overdue(self) -> bool:
        return self.is_overdue()

    @property
    def subject_url(self) -> str:
        from taizhang.cases.registry import get_kind

        kind = get_kind(self.kind)
        if kind is None or kind.subject_url is None or self.object_id is None:
            return ""
        subject = self.subject
        if subject is None:
            return ""
        return kind.subject_url(subject) or ""


class CaseEvent(models.Model):
    """One step on a case's timeline: who, when, why."""

    class Kind(models.TextChoices):
        CREATE = "create", "登记"
        DISPATCH = "dispatch", "派发"
        ACCEPT = "accept", "签收"
        SEND_BACK = "send_back", "退单"
        ARBITRATE = "arbitrate", "退单裁定"
        EXTENSION_REQUEST = "ext_request", "申请延期"
        EXTENSION_DECISION = "ext_decision", "延期审批"
        HANDLE = "handle", "办理回复"
        VERIFY = "verify", "核查"
        CLOSE = "close", "办结"
        REOPEN = "reopen", "重办"
        CANCEL = "cancel", "撤销"
        RATE = "rate", "评价"
        ESCALATE = "escalate", "逾期督办"
        NOTE = "note", "备注"

    scope_field = "case__unit"

    case = models.ForeignKey(Case, related_name="events", on_delete=models.CASCADE)
    kind = models.CharField("环节", max_length=16, choices=Kind.choices)
    from_state = models.CharField(max_length=12, blank=True)
    to_state = models.CharField(max_length=12, blank=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, related_name="+", on_delete=models.SET_NULL
    )
    unit = models.ForeignKey(Unit, null=True, blank=True, related_name="+", on_delete=models.SET_NULL)
    text = models.TextField("说明", blank=True)
    at = models.DateTimeField("时间", default=timezone.now)

    objects = RestrictedQuerySet.as_manager()

    class Meta:
        verbose_name = "工单进程"
        verbose_name_plural = "工单进程"
        ordering = ["at", "id"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}：{self.text[:50]}"

    @property
    def user_label(self) -> str:
        if self.user is None:
            return "系统"
        return getattr(self.user, "display_name", "") or self.user.get_username()


def attachment_path(instance: CaseAttachment, filename: str) -> str:
    # Generated name only: the user's file name is kept in `original_name`, never used on disk.
    return f"cases/{instance.case_id % 1000:03d}/{uuid.uuid4().hex}"


class CaseAttachment(TimestampedModel):
    class Phase(models.TextChoices):
        BEFORE = "before", "整改前"
        AFTER = "after", "整改后"
        DOCUMENT = "document", "材料"

    scope_field = "case__unit"

    case = models.ForeignKey(Case, related_name="attachments", on_delete=models.CASCADE)
    phase = models.CharField("类别", max_length=10, choices=Phase.choices, default=Phase.DOCUMENT)
    file = models.FileField("文件", upload_to=attachment_path)
    original_name = models.CharField("文件名", max_length=200)
    content_type = models.CharField(max_length=100, blank=True)
    size = models.PositiveBigIntegerField(default=0)
    sha256 = models.CharField(max_length=64, blank=True)
    is_image = models.BooleanField(default=False)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, related_name="+", on_delete=models.SET_NULL
    )

    objects = RestrictedQuerySet.as_manager()

    class Meta:
        verbose_name = "工单附件"
        verbose_name_plural = "工单附件"
        ordering = ["id"]

    def __str__(self) -> str:
        return self.original_name


class ExtensionRequest(TimestampedModel):
    class State(models.TextChoices):
        PENDING = "pending", "待审批"
        APPROVED = "approved", "已同意"
        REFUSED = "refused", "未同意"

    scope_field = "case__unit"

    case = models.ForeignKey(Case, related_name="extension_requests", on_delete=models.CASCADE)
    requested_until = models.DateField("申请延至")
    previous_deadline = models.DateField("原期限", null=True, blank=True)
    reason = models.TextField("理由")
    state = models.CharField("状态", max_length=10, choices=State.choices, default=State.PENDING)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, related_name="+", on_delete=models.SET_NULL
    )
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, related_name="+", on_delete=models.SET_NULL
    )
    decided_at = models.DateTimeField("审批时间", null=True, blank=True)
    decision_reason = models.TextField("审批意见", blank=True)

    objects = RestrictedQuerySet.as_manager()

    class Meta:
        verbose_name = "延期申请"
        verbose_name_plural = "延期申请"
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.case}：延至{self.requested_until:%Y年%m月%d日}".replace("年0", "年").replace("月0", "月")


class EscalationRule(TimestampedModel, VersionedModel):
    """Overdue escalation as data: after N working days overdue, notify level 1 (the unit's leaders/reviewers) or
    level 2 (the department's staff). `kind` blank = every kind."""

    class Level(models.IntegerChoices):
        UNIT_LEADERS = 1, "通知责任单位负责人"
        DEPARTMENT = 2, "通知宣传部工作人员"

    kind = models.CharField("工单类型", max_length=32, blank=True, help_text="留空表示所有类型")
    after_working_days = models.PositiveSmallIntegerField("逾期工作日数", default=0)
    level = models.PositiveSmallIntegerField("督办级别", choices=Level.choices)
    is_active = models.BooleanField("启用", default=True)

    class Meta:
        verbose_name = "督办规则"
        verbose_name_plural = "督办规则"
        ordering = ["kind", "level", "after_working_days"]

    def __str__(self) -> str:
        return f"逾期{self.after_working_days}个工作日：{self.get_level_display()}"

