"""Civility titles (文明单位 / 文明村镇 / 文明家庭 / 文明校园): applications reviewed level by level, titles awarded
for a three-year cycle, checked every year, revoked on serious incidents; pairings (共建对子)."""

from __future__ import annotations

from django.conf import settings
from django.db import models

from taizhang.core.crypto import EncryptedCharField
from taizhang.core.models import TimestampedModel, VersionedModel
from taizhang.core.querysets import RestrictedQuerySet

USER = settings.AUTH_USER_MODEL


class TitleKind(models.TextChoices):
    UNIT = "unit", "文明单位"
    VILLAGE = "village", "文明村镇"
    FAMILY = "family", "文明家庭"
    CAMPUS = "campus", "文明校园"


class TitleLevel(models.TextChoices):
    DISTRICT = "district", "区级"
    CITY = "city", "市级"
    PROVINCE = "province", "省级"
    NATIONAL = "national", "全国"


LEVEL_ORDER = [TitleLevel.DISTRICT, TitleLevel.CITY, TitleLevel.PROVINCE, TitleLevel.NATIONAL]
CYCLE_YEARS = 3


class TitleApplication(TimestampedModel, VersionedModel):
    """An application for a title at `level`. Review climbs the levels from district up: `reviewed_level` is the
    highest level that has passed it; reaching `level` awards the title."""

    class Status(models.TextChoices):
        SUBMITTED = "submitted", "审核中"
        AWARDED = "awarded", "已授予"
        REJECTED = "rejected", "未通过"
        WITHDRAWN = "withdrawn", "已撤回"

    kind = models.CharField("称号类别", max_length=16, choices=TitleKind.choices)
    level = models.CharField("申报级别", max_length=16, choices=TitleLevel.choices)
    unit = models.ForeignKey("org.Unit", verbose_name="申报（推荐）单位", related_name="+", on_delete=models.PROTECT)
    applicant = models.CharField("申报对象", max_length=120, blank=True)
    family_name = EncryptedCharField("家庭户主", max_length=40, blank=True, mask_kind="name")
    year = models.PositiveIntegerField("申报年度")
    summary = models.TextField("事迹简介", blank=True)
    status = models.CharField("状态", max_length=16, choices=Status.choices, default=Status.SUBMITTED, db_index=True)
    reviewed_level = models.CharField("已通过级别", max_length=16, choices=TitleLevel.choices, blank=True)
    reason = models.CharField("意见", max_length=500, blank=True)
    submitted_by = models.ForeignKey(USER, null=True, blank=True, related_name="+", on_delete=models.SET_NULL)

    objects = RestrictedQuerySet.as_manager()
    scope_field = "unit"

    class Meta:
        verbose_name = "称号申报"
        verbose_name_plural = "称号申报"
        ordering = ["-year", "-id"]

    def __str__(self) -> str:
        return f"{self.display_name} {self.get_level_display()}{self.get_kind_display()}"

    @property
    def display_name(self) -> str:
        """Families are named masked (张*家庭), never in full on lists and documents."""
        if self.kind == TitleKind.FAMILY:
            from taizhang.core.crypto import mask

            return f"{mask(self.family_name, 'name')}家庭"
        return self.applicant or self.unit.name

    @property
    def next_level(self) -> str | None:
        if not self.reviewed_level:
            return LEVEL_ORDER[0]
        index = LEVEL_ORDER.index(TitleLevel(self.reviewed_level))
        target = LEVEL_ORDER.index(TitleLevel(self.level))
        return LEVEL_ORDER[index + 1] if index < target else None


class Title(TimestampedModel, VersionedModel):
    class Status(models.TextChoices):
        ACTIVE = "active", "有效"
        EXPIRED = "expired", "期满"
        REVOKED = "revoked", "已撤销"

    application = models.OneToOneField(TitleApplication, verbose_name="申报", related_name="title",
                                       on_delete=models.PROTECT)
    kind = models.CharField("称号类别", max_length=16, choices=TitleKind.choices, db_index=True)
    level = models.CharField("级别", max_length=16, choices=TitleLevel.choices, db_index=True)
    unit = models.ForeignKey("org.Unit", verbose_name="所属单位", related_name="+", on_delete=models.PROTECT)
    name = models.CharField("称号对象", max_length=120)
    awarded_on = models.DateField("授予日期", db_index=True)
    valid_until = models.DateField("有效期至")
    status = models.CharField("状态", max_length=16, choices=Status.choices, default=Status.ACTIVE, db_index=True)
    revoked_on = models.DateField("撤销日期", null=True, blank=True)
    revoke_reason = models.CharField("撤销原因", max_length=500, blank=True)

    objects = RestrictedQuerySet.as_manager()
    scope_field = "unit"

    class Meta:
        verbose_name = "文明称号"
        verbose_name_plural = "文明称号"
        ordering = ["-awarded_on", "-id"]

    def __str__(self) -> str:
        return f"{self.name} {self.get_level_display()}{self.get_kind_display()}"


class TitleCheck(TimestampedModel):
    """The yearly check (年度复查) of a title."""

    title = models.ForeignKey(Title, verbose_name="称号", related_name="checks", on_delete=models.CASCADE)
    year = models.PositiveIntegerField("年度")
    passed = models.BooleanField("通过")
    note = models.CharField("说明", max_length=500, blank=True)
    checked_by = models.ForeignKey(USER, null=True, blank=True, related_name="+", on_delete=models.SET_NULL)

    class Meta:
        verbose_name = "年度复查"
        verbose_name_plural = "年度复查"
        ordering = ["-year"]
        constraints = [models.UniqueConstraint(fields=["title", "year"], name="civility_title_check_year")]


class Pairing(TimestampedModel):
    """共建对子: a unit paired with another (a bureau with a community, a title holder with a village)."""

    unit = models.ForeignKey("org.Unit", verbose_name="共建单位", related_name="+", on_delete=models.PROTECT)
    partner = models.ForeignKey("org.Unit", verbose_name="结对单位", related_name="+", on_delete=models.PROTECT)
    started_on = models.DateField("结对日期")
    ended_on = models.DateField("结束日期", null=True, blank=True)
    content = models.CharField("共建内容", max_length=300, blank=True)

    objects = RestrictedQuerySet.as_manager()
    scope_field = "unit"

    class Meta:
        verbose_name = "共建对子"
        verbose_name_plural = "共建对子"
        ordering = ["-started_on", "-id"]
