"""志愿服务的数据模型：志愿者（个人信息 SM4 加密）、队伍和实践阵地、项目、活动、班次、报名、时长、申诉、证明、
星级标准、点单服务。每个模型的默认管理器是 RestrictedQuerySet，scope_field 指向所属单位。"""

from __future__ import annotations

import datetime
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import ClassVar

from django.conf import settings
from django.db import models
from django.utils import timezone

from taizhang.core.crypto import EncryptedCharField, mask
from taizhang.core.models import TimestampedModel, VersionedModel
from taizhang.core.querysets import RestrictedQuerySet

ADULT_AGE = 18


def age_on(birth: datetime.date, day: datetime.date) -> int:
    return day.year - birth.year - ((day.month, day.day) < (birth.month, birth.day))


class StarThreshold(models.Model):
    """星级认定标准（数据，不写死在代码里）：累计志愿服务时长达到 hours 即为 level 星。"""

    level = models.PositiveSmallIntegerField("星级", unique=True)
    hours = models.DecimalField("累计时长（小时）", max_digits=8, decimal_places=1)
    name = models.CharField("名称", max_length=20)

    class Meta:
        verbose_name = "星级标准"
        verbose_name_plural = "星级标准"
        ordering = ["level"]

    def __str__(self) -> str:
        return self.name


DEFAULT_STARS = [(1, 100, "一星级志愿者"), (2, 300, "二星级志愿者"), (3, 600, "三星级志愿者"),
                 (4, 1000, "四星级志愿者"), (5, 1500, "五星级志愿者")]


def star_for(hours: Decimal, thresholds: list[tuple[int, Decimal]] | None = None) -> int:
    """The star level for a number of confirmed hours (0 below the first threshold)."""
    rows = thresholds if thresholds is not None else list(StarThreshold.objects.values_list("level", "hours"))
    level = 0
    for lv, need in sorted(rows, key=lambda r: r[1]):
        if hours >= need:
            level = max(level, lv)
    return level


HOURS_STEP = Decimal("0.1")  # the precision of the totals, star thresholds and certificates (decimal_places=1)


def round_hours(value: Decimal) -> Decimal:
    """Hours to HOURS_STEP, rounded half up (四舍五入): totals, certificates and what a volunteer sees."""
    return value.quantize(HOURS_STEP, rounding=ROUND_HALF_UP)


def format_hours(value: Decimal | int | float | str | None) -> str:
    """Hours as a volunteer sees them, on every page, message and certificate: one decimal, the precision of the
    total (Volunteer.total_hours), the star thresholds and the certificate (Certificate.hours); a single record
    (HourRecord.hours, kept to 0.01) is rounded half up to it. 4 → "4.0", 3.8 → "3.8", 2.88 → "2.9"."""
    if value is None or value == "":
        return ""
    try:
        number = Decimal(str(value))
    except InvalidOperation:
        return ""
    if not number.is_finite():
        return ""
    return f"{round_hours(number):f}"


def hours_problem(value: object, *, low: Decimal, high: Decimal) -> str | None:
    """What is wrong with hours given for a record (HourRecord.hours keeps 0.01), in Chinese; None when they fit.
    NaN and Infinity, which Decimal("nan") accepts and no comparison can take, are not numbers here."""
    if not isinstance(value, Decimal) or not value.is_finite():
        return "时长应填写数字"
    if not low <= value <= high:
        return f"时长应在{low}至{high}小时之间"
    if value != value.quantize(Decimal("0.01")):
        return "时长最多保留 2 位小数"
    return None


class Volunteer(TimestampedModel, VersionedModel):
    class IdType(models.TextChoices):
        RESIDENT = "resident", "居民身份证"
        HKMO = "hkmo", "港澳居民居住证"
        TW = "tw", "台湾居民居住证"
        PASSPORT = "passport", "护照"

    class Status(models.TextChoices):
        ACTIVE = "active", "正常"
        SUSPENDED = "suspended", "已暂停"

    number = models.CharField("志愿者编号", max_length=20, unique=True)
    real_name = EncryptedCharField("姓名", mask_kind="name")
    id_type = models.CharField("证件类型", max_length=12, choices=IdType.choices, default=IdType.RESIDENT)
    id_number = EncryptedCharField("证件号码", mask_kind="id_number")
    id_hash = models.CharField("证件号码索引", max_length=64, unique=True, editable=False)
    phone = EncryptedCharField("手机号码", mask_kind="phone")
    phone_hash = models.CharField("手机号码索引", max_length=64, unique=True, editable=False)
    birth_date = models.DateField("出生日期")
    guardian_name = EncryptedCharField("监护人姓名", mask_kind="name", blank=True, default="")
    guardian_phone = EncryptedCharField("监护人电话", mask_kind="phone", blank=True, default="")
    guardian_consent = models.BooleanField("监护人已同意", default=False)
    unit = models.ForeignKey("org.Unit", verbose_name="所属街道/社区", on_delete=models.PROTECT,
                             related_name="volunteers")
    skills = models.CharField("技能特长", max_length=200, blank=True)
    status = models.CharField("状态", max_length=12, choices=Status.choices, default=Status.ACTIVE)
    source = models.CharField("来源", max_length=12, default="register")  # register / import / demo
    total_hours = models.DecimalField("累计确认时长", max_digits=9, decimal_places=1, default=Decimal(0))

    objects = RestrictedQuerySet.as_manager()
    scope_field: ClassVar[str] = "unit"

    class Meta:
        verbose_name = "志愿者"
        verbose_name_plural = "志愿者"
        ordering = ["-id"]

    def __str__(self) -> str:
        return f"{mask(self.real_name, 'name')}（{self.number}）"

    def is_minor(self, day: datetime.date | None = None) -> bool:
        return age_on(self.birth_date, day or timezone.localdate()) < ADULT_AGE

    @property
    def star(self) -> int:
        return star_for(self.total_hours)

    def masked(self) -> dict[str, str]:
        return {"real_name": mask(self.real_name, "name"), "id_number": mask(self.id_number, "id_number"),
                "phone": mask(self.phone, "phone")}


class LoginCode(models.Model):
    """A one-time code for a volunteer's log-in (stored as a digest; five tries; ten minutes)."""

    phone_hash = models.CharField(max_length=64, db_index=True)
    purpose = models.CharField(max_length=10, default="login")  # login / register
    code_hash = models.CharField(max_length=64)
    expires_at = models.DateTimeField()
    attempts = models.PositiveSmallIntegerField(default=0)
    used = models.BooleanField(default=False)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = "登录验证码"
        verbose_name_plural = "登录验证码"

    def __str__(self) -> str:
        return f"登录验证码 {self.pk}"


class Team(TimestampedModel, VersionedModel):
    """志愿服务队伍，或新时代文明实践中心/所/站（阵地也是组织者）。"""

    class Kind(models.TextChoices):
        TEAM = "team", "志愿服务队"
        CENTRE = "centre", "文明实践中心"
        POST = "post", "文明实践所"
        STATION = "station", "文明实践站"

    name = models.CharField("名称", max_length=100)
    kind = models.CharField("类型", max_length=12, choices=Kind.choices, default=Kind.TEAM)
    unit = models.ForeignKey("org.Unit", verbose_name="所属单位", on_delete=models.PROTECT,
                             related_name="volunteer_teams")
    head = models.CharField("负责人", max_length=40, blank=True)
    contact = models.CharField("联系电话", max_length=40, blank=True)
    description = models.TextField("简介", blank=True)
    is_active = models.BooleanField("有效", default=True)

    objects = RestrictedQuerySet.as_manager()
    scope_field: ClassVar[str] = "unit"

    class Meta:
        verbose_name = "队伍/阵地"
        verbose_name_plural = "队伍/阵地"
        ordering = ["unit__path", "name"]

    def __str__(self) -> str:
        return self.name


class TeamMembership(TimestampedModel):
    team = models.ForeignKey(Team, verbose_name="队伍", on_delete=models.CASCADE, related_name="memberships")
    volunteer = models.ForeignKey(Volunteer, verbose_name="志愿者", on_delete=models.CASCADE,
                                  related_name="memberships")

    objects = RestrictedQuerySet.as_manager()
    scope_field: ClassVar[str] = "team__unit"

    class Meta:
        verbose_name = "队伍成员"
        verbose_name_plural = "队伍成员"
        constraints = [models.UniqueConstraint(fields=["team", "volunteer"], name="vol_membership_unique")]


class Project(TimestampedModel):
    team = models.ForeignKey(Team, verbose_name="队伍", on_delete=models.PROTECT, related_name="projects")
    name = models.CharField("项目名称", max_length=100)
    description = models.TextField("简介", blank=True)

    objects = RestrictedQuerySet.as_manager()
    scope_field: ClassVar[str] = "team__unit"

    class Meta:
        verbose_name = "志愿服务项目"
        verbose_name_plural = "志愿服务项目"

    def __str__(self) -> str:
        return self.name


class Activity(TimestampedModel, VersionedModel):
    class Status(models.TextChoices):
        DRAFT = "draft", "草稿"
        PUBLISHED = "published", "报名中"
        CLOSED = "closed", "已结束"
        CANCELLED = "cancelled", "已取消"

    team = models.ForeignKey(Team, verbose_name="组织队伍", on_delete=models.PROTECT, related_name="activities")
    project = models.ForeignKey(Project, verbose_name="所属项目", null=True, blank=True, on_delete=models.SET_NULL)
    title = models.CharField("活动名称", max_length=120)
    description = models.TextField("活动内容", blank=True)
    place = models.CharField("活动地点", max_length=120)
    latitude = models.DecimalField("纬度", max_digits=9, decimal_places=6, null=True, blank=True)
    longitude = models.DecimalField("经度", max_digits=9, decimal_places=6, null=True, blank=True)
    geofence_m = models.PositiveIntegerField("签到范围（米）", null=True, blank=True)
    skills = models.CharField("所需技能", max_length=200, blank=True)
    starts_at = models.DateTimeField("开始时间")
    ends_at = models.DateTimeField("结束时间")
    status = models.CharField("状态", max_length=12, choices=Status.choices, default=Status.PUBLISHED)
    auto_approve = models.BooleanField("报名自动录用", default=False)
    hours_confirmed = models.BooleanField("时长已确认", default=False)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+")

    objects = RestrictedQuerySet.as_manager()
    scope_field: ClassVar[str] = "team__unit"

    class Meta:
        verbose_name = "志愿服务活动"
        verbose_name_plural = "志愿服务活动"
        ordering = ["-starts_at"]
        indexes = [models.Index(fields=["status", "starts_at"])]

    def __str__(self) -> str:
        return self.title

    @property
    def checks_location(self) -> bool:
        """A check-in radius (签到范围) around a known place: a scan counts only with the phone's position inside it."""
        return bool(self.geofence_m) and self.latitude is not None and self.longitude is not None


class Shift(models.Model):
    activity = models.ForeignKey(Activity, verbose_name="活动", on_delete=models.CASCADE, related_name="shifts")
    starts_at = models.DateTimeField("开始时间")
    ends_at = models.DateTimeField("结束时间")
    capacity = models.PositiveIntegerField("招募人数")

    objects = RestrictedQuerySet.as_manager()
    scope_field: ClassVar[str] = "activity__team__unit"

    class Meta:
        verbose_name = "班次"
        verbose_name_plural = "班次"
        ordering = ["starts_at", "id"]

    def __str__(self) -> str:
        return f"{timezone.localtime(self.starts_at):%m月%d日 %H:%M}—{timezone.localtime(self.ends_at):%H:%M}"

    @property
    def length_hours(self) -> Decimal:
        return (Decimal((self.ends_at - self.starts_at).total_seconds()) / 3600).quantize(Decimal("0.01"))


class SignUp(TimestampedModel, VersionedModel):
    class State(models.TextChoices):
        APPLIED = "applied", "待审核"
        APPROVED = "approved", "已录用"
        WAITLISTED = "waitlisted", "候补"
        CHECKED_IN = "checked_in", "已签到"
        CHECKED_OUT = "checked_out", "已签退"
        CONFIRMED = "confirmed", "时长已确认"
        NO_SHOW = "no_show", "未到岗"
        REJECTED = "rejected", "未录用"
        CANCELLED = "cancelled", "已取消"

    shift = models.ForeignKey(Shift, verbose_name="班次", on_delete=models.CASCADE, related_name="signups")
    volunteer = models.ForeignKey(Volunteer, verbose_name="志愿者", on_delete=models.CASCADE,
                                  related_name="signups")
    state = models.CharField("状态", max_length=12, choices=State.choices, default=State.APPLIED)
    checked_in_at = models.DateTimeField("签到时间", null=True, blank=True)
    checked_out_at = models.DateTimeField("签退时间", null=True, blank=True)
    check_in_location = models.CharField("签到位置", max_length=40, blank=True)
    check_out_location = models.CharField("签退位置", max_length=40, blank=True)
    reminded = models.BooleanField("已提醒", default=False)

    objects = RestrictedQuerySet.as_manager()
    scope_field: ClassVar[str] = "shift__activity__team__unit"

    class Meta:
        verbose_name = "报名"
        verbose_name_plural = "报名"
        ordering = ["created_at", "id"]
        constraints = [models.UniqueConstraint(fields=["shift", "volunteer"], name="vol_signup_unique")]


HOLDING_STATES = ("approved", "checked_in", "checked_out", "confirmed")  # states that take a place in the shift


class HourRecord(TimestampedModel, VersionedModel):
    class Source(models.TextChoices):
        SCAN = "scan", "扫码签到"
        MANUAL = "manual", "手工补录"
        IMPORT = "import", "导入"

    class Status(models.TextChoices):
        PENDING = "pending", "待确认"
        CONFIRMED = "confirmed", "已确认"
        REJECTED = "rejected", "已作废"

    volunteer = models.ForeignKey(Volunteer, verbose_name="志愿者", on_delete=models.PROTECT,
                                  related_name="hour_records")
    unit = models.ForeignKey("org.Unit", verbose_name="所属单位", on_delete=models.PROTECT, related_name="+")
    team = models.ForeignKey(Team, verbose_name="队伍", null=True, blank=True, on_delete=models.PROTECT,
                             related_name="hour_records")
    activity = models.ForeignKey(Activity, verbose_name="活动", null=True, blank=True, on_delete=models.PROTECT,
                                 related_name="hour_records")
    signup = models.OneToOneField(SignUp, null=True, blank=True, on_delete=models.PROTECT,
                                  related_name="hour_record")
    day = models.DateField("服务日期")
    started_at = models.DateTimeField("开始", null=True, blank=True)
    ended_at = models.DateTimeField("结束", null=True, blank=True)
    hours = models.DecimalField("时长（小时）", max_digits=6, decimal_places=2)
    content = models.CharField("服务内容", max_length=200, blank=True)
    source = models.CharField("来源", max_length=8, choices=Source.choices)
    status = models.CharField("状态", max_length=10, choices=Status.choices, default=Status.PENDING)
    approver = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="确认人", null=True, blank=True,
                                 on_delete=models.PROTECT, related_name="+")
    second_approver = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="复核人", null=True, blank=True,
                                        on_delete=models.PROTECT, related_name="+")
    flags = models.JSONField("异常提示", default=list, blank=True)

    objects = RestrictedQuerySet.as_manager()
    scope_field: ClassVar[str] = "unit"

    class Meta:
        verbose_name = "志愿服务时长"
        verbose_name_plural = "志愿服务时长"
        ordering = ["-day", "-id"]
        # Covering index of the figures (status, unit subtree, day range → sum of hours and the ids behind it),
        # read without touching the table; see bench/bench_volunteers.py.
        indexes = [models.Index(fields=["status", "unit", "day", "hours", "id"], name="vol_hours_figures"),
                   models.Index(fields=["volunteer", "day"], name="vol_hours_volunteer_day")]

    def __str__(self) -> str:
        return f"{self.day:%Y-%m-%d} {self.hours}小时"


class Dispute(TimestampedModel):
    class State(models.TextChoices):
        OPEN = "open", "待处理"
        UPHELD = "upheld", "已采纳"
        DISMISSED = "dismissed", "未采纳"

    hour_record = models.ForeignKey(HourRecord, verbose_name="时长记录", on_delete=models.PROTECT,
                                    related_name="disputes")
    reason = models.TextField("申诉理由")
    claimed_hours = models.DecimalField("申诉时长", max_digits=6, decimal_places=2, null=True, blank=True)
    state = models.CharField("状态", max_length=10, choices=State.choices, default=State.OPEN)
    resolution = models.TextField("处理意见", blank=True)
    resolved_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                    related_name="+")
    resolved_at = models.DateTimeField(null=True, blank=True)

    objects = RestrictedQuerySet.as_manager()
    scope_field: ClassVar[str] = "hour_record__unit"

    class Meta:
        verbose_name = "时长申诉"
        verbose_name_plural = "时长申诉"
        ordering = ["-created_at"]


class Certificate(TimestampedModel):
    """志愿服务证明：编号、出具组织及负责人、经办人、联系方式、志愿者信息（证件号脱敏）、时长和内容、日期、核验码。"""

    number = models.CharField("证明编号", max_length=32, unique=True)
    verify_code = models.CharField("核验码", max_length=16)
    volunteer = models.ForeignKey(Volunteer, verbose_name="志愿者", on_delete=models.PROTECT,
                                  related_name="certificates")
    unit = models.ForeignKey("org.Unit", verbose_name="出具单位", on_delete=models.PROTECT, related_name="+")
    issuer_name = models.CharField("出具组织", max_length=100)
    issuer_head = models.CharField("负责人", max_length=40)
    handler = models.CharField("经办人", max_length=40)
    contact = models.CharField("联系方式", max_length=40)
    hours = models.DecimalField("服务时长", max_digits=9, decimal_places=1)
    content = models.TextField("服务内容")
    period_start = models.DateField("服务起始日期", null=True, blank=True)
    period_end = models.DateField("服务截止日期", null=True, blank=True)
    issued_on = models.DateField("出具日期")
    hour_ids = models.JSONField("时长记录", default=list)
    revoked = models.BooleanField("已撤销", default=False)
    revoked_reason = models.CharField("撤销原因", max_length=200, blank=True)
    generation_ms = models.PositiveIntegerField("生成用时（毫秒）", default=0)

    objects = RestrictedQuerySet.as_manager()
    scope_field: ClassVar[str] = "unit"

    class Meta:
        verbose_name = "志愿服务证明"
        verbose_name_plural = "志愿服务证明"
        ordering = ["-issued_on", "-id"]

    def __str__(self) -> str:
        return self.number


class ServiceOrder(TimestampedModel, VersionedModel):
    """点单 → 派单 → 接单 → 评单：居民或社区点单，实践阵地派给队伍，队伍接单并服务、记录，点单方评价。"""

    class State(models.TextChoices):
        ORDERED = "ordered", "已点单"
        DISPATCHED = "dispatched", "已派单"
        ACCEPTED = "accepted", "已接单"
        DELIVERED = "delivered", "已服务"
        RATED = "rated", "已评价"
        CANCELLED = "cancelled", "已取消"

    class Category(models.TextChoices):
        LECTURE = "lecture", "理论宣讲"
        REPAIR = "repair", "便民维修"
        ELDERLY = "elderly", "关爱老人"
        CULTURE = "culture", "文化文艺"
        HEALTH = "health", "健康义诊"
        OTHER = "other", "其他"

    class OrdererKind(models.TextChoices):
        RESIDENT = "resident", "居民"
        COMMUNITY = "community", "社区"

    station = models.ForeignKey(Team, verbose_name="受理阵地", on_delete=models.PROTECT,
                                related_name="received_orders")
    unit = models.ForeignKey("org.Unit", verbose_name="所属单位", on_delete=models.PROTECT, related_name="+")
    orderer_kind = models.CharField("点单方", max_length=10, choices=OrdererKind.choices)
    orderer_name = EncryptedCharField("点单人", mask_kind="name")
    orderer_phone = EncryptedCharField("联系电话", mask_kind="phone", blank=True, default="")
    category = models.CharField("服务类别", max_length=10, choices=Category.choices)
    title = models.CharField("服务需求", max_length=120)
    description = models.TextField("需求说明", blank=True)
    wanted_on = models.DateField("期望日期", null=True, blank=True)
    state = models.CharField("状态", max_length=12, choices=State.choices, default=State.ORDERED)
    team = models.ForeignKey(Team, verbose_name="承接队伍", null=True, blank=True, on_delete=models.PROTECT,
                             related_name="orders")
    activity = models.ForeignKey(Activity, verbose_name="服务活动", null=True, blank=True,
                                 on_delete=models.SET_NULL, related_name="orders")
    dispatched_at = models.DateTimeField(null=True, blank=True)
    accepted_at = models.DateTimeField(null=True, blank=True)
    delivered_at = models.DateTimeField(null=True, blank=True)
    delivery_note = models.TextField("服务记录", blank=True)
    rating = models.PositiveSmallIntegerField("评价", null=True, blank=True)  # 1–5
    rating_comment = models.CharField("评价意见", max_length=200, blank=True)
    rated_at = models.DateTimeField(null=True, blank=True)

    objects = RestrictedQuerySet.as_manager()
    scope_field: ClassVar[str] = "unit"

    class Meta:
        verbose_name = "点单服务"
        verbose_name_plural = "点单服务"
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return self.title

