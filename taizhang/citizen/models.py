"""随手拍的数据模型：类别（含各自的问题）、地点、派单目录、群众报告、照片、进展记录、Open311 密钥。"""

from __future__ import annotations

import secrets
from typing import Any

from django.conf import settings
from django.db import models

from taizhang.core.crypto import EncryptedCharField
from taizhang.core.models import TimestampedModel, VersionedModel
from taizhang.core.querysets import RestrictedQuerySet

CODE_ALPHABET = "23456789ABCDEFGHJKLMNPQRSTUVWXYZ"  # no 0/O, 1/I: read aloud over the phone
# Kinds of units (org.Unit.kind) that are a place on the ground (片区): streets, towns, communities, villages.
# Departments, sections and bureaus hold reports as handling units, never as the area where a problem is.
AREA_KINDS = frozenset({"street", "town", "community", "village"})
# The phone's stated location accuracy (coords.accuracy, metres): above this the point may be off by a street.
IMPRECISE_LOCATION_M = 200
MAX_LOCATION_ACCURACY_M = 100_000  # more than 100 km is no location at all: such a value is not stored


def new_tracking_code() -> str:
    return "SP" + "".join(secrets.choice(CODE_ALPHABET) for _ in range(10))


class Category(TimestampedModel, VersionedModel):
    """A kind of problem citizens report (an Open311 service). `attributes` are its own questions:
    [{"code": "plate", "label": "车牌号", "datatype": "string|number|text|singlevaluelist|multivaluelist",
      "required": bool, "values": [{"key": "k", "name": "名称"}], "help": "…"}]."""

    key = models.SlugField("代码", max_length=40, unique=True)
    name = models.CharField("名称", max_length=60)
    description = models.CharField("说明", max_length=300, blank=True)
    group = models.CharField("分组", max_length=40, blank=True)
    keywords = models.CharField("关键词", max_length=200, blank=True)
    sla_working_days = models.PositiveSmallIntegerField("办理时限（工作日）", default=3)
    attributes = models.JSONField("补充问题", default=list, blank=True)
    active = models.BooleanField("启用", default=True)
    sort_order = models.IntegerField("排序", default=0)

    class Meta:
        ordering = ["sort_order", "key"]
        verbose_name = "随手拍类别"

    def __str__(self) -> str:
        return self.name


class Place(TimestampedModel, VersionedModel):
    """A road, community or landmark citizens pick when the phone gives no location."""

    class Kind(models.TextChoices):
        ROAD = "road", "道路"
        COMMUNITY = "community", "社区"
        LANDMARK = "landmark", "地标"

    name = models.CharField("名称", max_length=80)
    kind = models.CharField("类型", max_length=12, choices=Kind.choices, default=Kind.LANDMARK)
    area = models.ForeignKey("org.Unit", verbose_name="所属街道/片区", on_delete=models.PROTECT,
                             related_name="citizen_places")
    lat = models.FloatField("纬度", null=True, blank=True)
    lng = models.FloatField("经度", null=True, blank=True)
    active = models.BooleanField("启用", default=True)
    sort_order = models.IntegerField("排序", default=0)

    objects = RestrictedQuerySet.as_manager()
    scope_field = "area"

    class Meta:
        ordering = ["kind", "sort_order", "name"]
        verbose_name = "地点"
        constraints = [models.UniqueConstraint(fields=["name", "area"], name="citizen_place_unique_name")]

    def __str__(self) -> str:
        return self.name


class DispatchRule(TimestampedModel, VersionedModel):
    """The dispatch catalogue (派单目录): category × area (or one place) → responsible unit.
    The most specific rule wins: place, then area, then the category anywhere."""

    category = models.ForeignKey(Category, verbose_name="类别", on_delete=models.CASCADE,
                                 related_name="dispatch_rules")
    area = models.ForeignKey("org.Unit", verbose_name="片区", null=True, blank=True, on_delete=models.CASCADE,
                             related_name="+")
    place = models.ForeignKey(Place, verbose_name="地点", null=True, blank=True, on_delete=models.CASCADE,
                              related_name="dispatch_rules")
    unit = models.ForeignKey("org.Unit", verbose_name="责任单位", on_delete=models.PROTECT, related_name="+")
    note = models.CharField("备注", max_length=200, blank=True)

    objects = RestrictedQuerySet.as_manager()
    scope_field = "unit"

    class Meta:
        ordering = ["category__sort_order", "category__key", "id"]
        verbose_name = "派单目录"


class Report(TimestampedModel, VersionedModel):
    """One citizen report. `status` is the intake state; `public_state` what citizens see (open/closed)."""

    class Status(models.TextChoices):
        NEW = "new", "待受理"
        ACCEPTED = "accepted", "已受理"
        DISPATCHED = "dispatched", "办理中"
        HANDLED = "handled", "待核查"
        ANSWERED = "answered", "已答复"
        CLOSED = "closed", "已办结"
        REJECTED = "rejected", "不予受理"
        MERGED = "merged", "已合并"

    class Channel(models.TextChoices):
        WEB = "web", "随手拍网页"
        OPEN311 = "open311", "Open311 接口"
        IMPORT = "import", "外部平台导入"
        PHONE = "phone", "电话"

    class Rating(models.TextChoices):
        SATISFIED = "satisfied", "满意"
        BASICALLY = "basically_satisfied", "基本满意"
        UNSATISFIED = "unsatisfied", "不满意"

    OPEN_STATUSES = (Status.NEW, Status.ACCEPTED, Status.DISPATCHED, Status.HANDLED)
    CLOSED_STATUSES = (Status.ANSWERED, Status.CLOSED, Status.REJECTED, Status.MERGED)

    code = models.CharField("查询码", max_length=16, unique=True, default=new_tracking_code)
    category = models.ForeignKey(Category, verbose_name="类别", on_delete=models.PROTECT, related_name="reports")
    answers = models.JSONField("补充问题回答", default=dict, blank=True)
    description = models.TextField("问题描述", max_length=2000)
    place = models.ForeignKey(Place, verbose_name="地点", null=True, blank=True, on_delete=models.SET_NULL,
                              related_name="reports")
    address = models.CharField("位置描述", max_length=200, blank=True)
    lat = models.FloatField("纬度", null=True, blank=True)
    lng = models.FloatField("经度", null=True, blank=True)
    # what the phone said of its own fix (radius in metres, 68 % confidence); null when unknown or not a phone fix
    location_accuracy_m = models.PositiveIntegerField("定位精度（米）", null=True, blank=True)
    area = models.ForeignKey("org.Unit", verbose_name="所属片区", on_delete=models.PROTECT, related_name="+")
    channel = models.CharField("来源渠道", max_length=12, choices=Channel.choices, default=Channel.WEB)
    status = models.CharField("状态", max_length=12, choices=Status.choices, default=Status.NEW, db_index=True)
    submitted_at = models.DateTimeField("提交时间", db_index=True)
    # Reporter contact: encrypted, shown only to intake staff (audited); cleared after the retention period.
    phone = EncryptedCharField("联系电话", blank=True, default="", mask_kind="phone")
    contact_name = EncryptedCharField("联系人", blank=True, default="", mask_kind="name")
    contact_cleared_at = models.DateTimeField("联系方式清除时间", null=True, blank=True)
    device_hash = models.CharField("设备标识摘要", max_length=64, blank=True, db_index=True)
    address_hash = models.CharField("来源地址摘要", max_length=64, blank=True)
    # Intake
    merged_into = models.ForeignKey("self", verbose_name="合并至", null=True, blank=True, on_delete=models.PROTECT,
                                    related_name="merged_reports")
    reject_reason = models.CharField("不予受理理由", max_length=300, blank=True)
    unit = models.ForeignKey("org.Unit", verbose_name="责任单位", null=True, blank=True, on_delete=models.PROTECT,
                             related_name="+")
    deadline = models.DateField("办理期限", null=True, blank=True)
    public_reply = models.TextField("答复", blank=True)
    replied_at = models.DateTimeField("答复时间", null=True, blank=True)
    closed_at = models.DateTimeField("办结时间", null=True, blank=True, db_index=True)
    closed_on_time = models.BooleanField("按时办结", null=True, blank=True)
    # The citizen's rating and the one reopening
    rating = models.CharField("评价", max_length=24, choices=Rating.choices, blank=True)
    rating_comment = models.CharField("评价说明", max_length=300, blank=True)
    rated_at = models.DateTimeField("评价时间", null=True, blank=True)
    reopen_count = models.PositiveSmallIntegerField("重新办理次数", default=0)
    reopen_reason = models.CharField("重新办理理由", max_length=300, blank=True)
    external_id = models.CharField("外部编号", max_length=60, blank=True, db_index=True)
    open311_client = models.ForeignKey("Open311Key", null=True, blank=True, on_delete=models.SET_NULL,
                                       related_name="+")

    objects = RestrictedQuerySet.as_manager()
    scope_field = "area"

    class Meta:
        ordering = ["-submitted_at", "-id"]
        verbose_name = "随手拍报告"
        indexes = [
            models.Index(fields=["category", "submitted_at"], name="citizen_rep_cat_time"),
            models.Index(fields=["status", "submitted_at"], name="citizen_rep_status_time"),
            models.Index(fields=["updated_at"], name="citizen_rep_updated"),
        ]

    def __str__(self) -> str:
        return f"{self.code} {self.category.name}"

    @property
    def is_open(self) -> bool:
        return self.status in self.OPEN_STATUSES

    @property
    def public_state(self) -> str:
        return "open" if self.is_open else "closed"

    @property
    def public_state_label(self) -> str:
        return "处理中" if self.is_open else "已办结"

    @property
    def shown_reply(self) -> str:
        """The answer as it may be shown (tracking page, public list, Open311, exports): only once the report is
        answered or closed — its case checked by 宣传部 (verified or closed) — never while it is being handled or
        handled again, whatever an older row still holds."""
        return self.public_reply if self.status in (self.Status.ANSWERED, self.Status.CLOSED) else ""

    @property
    def area_label(self) -> str:
        """The area's name when the area is a place on the ground (a street or community), else ""."""
        area = self.area if self.area_id else None
        return area.name if area is not None and area.kind in AREA_KINDS else ""

    @property
    def located(self) -> bool:
        return self.lat is not None and self.lng is not None

    @property
    def location_imprecise(self) -> bool:
        """The phone gave its location with an accuracy worse than IMPRECISE_LOCATION_M."""
        return self.located and (self.location_accuracy_m or 0) > IMPRECISE_LOCATION_M

    @property
    def location_caution(self) -> str:
        """The warning staff read beside an imprecise phone location, else ""."""
        if not self.location_imprecise:
            return ""
        return f"定位误差超过 {IMPRECISE_LOCATION_M} 米，位置可能不准确，请结合地点和位置描述核实。"

    @property
    def place_text(self) -> str:
        """The place as the reporter gave it (staff pages and the reporter's own tracking page): the chosen place,
        or the phone's location, and the reporter's free text."""
        if self.place_id and self.place:
            first = self.place.name
        elif self.located:
            first = f"已定位（{self.area_label}附近）" if self.area_label else "已定位"
        else:
            first = ""
        return " ".join(p for p in (first, self.address) if p) or "（未填写地点）"

    @property
    def public_place(self) -> str:
        """The place as anyone may see it (public list, portal, Open311): never the reporter's free text — the
        registered place's name, else the area (street / community), else "附近"."""
        if self.place_id and self.place:
            return self.place.name
        return self.area_label or "附近"

    @property
    def can_rate(self) -> bool:
        return self.status in (self.Status.CLOSED, self.Status.ANSWERED) and not self.rating

    @property
    def can_reopen(self) -> bool:
        return (self.status in (self.Status.CLOSED, self.Status.ANSWERED)
                and self.rating == self.Rating.UNSATISFIED and self.reopen_count == 0)


def photo_path(instance: Any, filename: str) -> str:
    return f"citizen/{instance.report.submitted_at:%Y/%m}/{secrets.token_hex(12)}.jpg"


def thumb_path(instance: Any, filename: str) -> str:
    return f"citizen/{instance.report.submitted_at:%Y/%m}/{secrets.token_hex(12)}_t.jpg"


class Photo(TimestampedModel):
    """A photo re-encoded as JPEG without EXIF or location data (see citizen/photos.py)."""

    class Stage(models.TextChoices):
        REPORT = "report", "报告时"
        ADDED = "added", "补充"
        BEFORE = "before", "处理前"
        AFTER = "after", "处理后"

    report = models.ForeignKey(Report, on_delete=models.CASCADE, related_name="photos")
    stage = models.CharField("阶段", max_length=8, choices=Stage.choices, default=Stage.REPORT)
    image = models.FileField(upload_to=photo_path, max_length=200)
    thumb = models.FileField(upload_to=thumb_path, max_length=200)
    width = models.PositiveIntegerField(default=0)
    height = models.PositiveIntegerField(default=0)
    size = models.PositiveIntegerField(default=0)
    sha256 = models.CharField(max_length=64, blank=True)

    class Meta:
        ordering = ["id"]


class ReportEvent(models.Model):
    """A line in the report's history. `public` lines are shown on the tracking page (text already masked)."""

    report = models.ForeignKey(Report, on_delete=models.CASCADE, related_name="events")
    at = models.DateTimeField(db_index=True)
    kind = models.CharField(max_length=20)
    text = models.TextField(blank=True)
    public = models.BooleanField(default=True)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                              related_name="+")

    class Meta:
        ordering = ["at", "id"]

    def __str__(self) -> str:
        return f"{self.kind} {self.at:%Y-%m-%d %H:%M}"


class Open311Key(TimestampedModel):
    """An Open311 client application's API key. Only the SHA-256 of the key is stored."""

    name = models.CharField("应用名称", max_length=80)
    key_hash = models.CharField(max_length=64, unique=True)
    prefix = models.CharField(max_length=8)
    revoked_at = models.DateTimeField(null=True, blank=True)
    last_used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["name", "id"]
        verbose_name = "Open311 接口密钥"

    def __str__(self) -> str:
        return f"{self.name}（{self.prefix}…）"
