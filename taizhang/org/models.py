"""The unit tree and who holds which role where."""

from __future__ import annotations

from django.conf import settings
from django.db import models

from taizhang.core.models import TimestampedModel, VersionedModel
from taizhang.core.querysets import RestrictedQuerySet
from taizhang.org.roles import Role


class Unit(TimestampedModel, VersionedModel):
    """A reporting organisation. `path` is the materialised path of ids ("/1/7/42/") used for subtree queries."""

    class Kind(models.TextChoices):
        CITY = "city", "市"
        DISTRICT = "district", "区/县"
        STREET = "street", "街道"
        TOWN = "town", "镇/乡"
        COMMUNITY = "community", "社区"
        VILLAGE = "village", "村"
        DEPARTMENT = "department", "宣传部"
        SECTION = "section", "科室"
        BUREAU = "bureau", "局/委办"
        SCHOOL = "school", "学校"
        ENTERPRISE = "enterprise", "企业"
        OTHER = "other", "其他"

    code = models.CharField("单位代码", max_length=32, unique=True)
    name = models.CharField("单位名称", max_length=100)
    short_name = models.CharField("简称", max_length=32, blank=True)
    kind = models.CharField("类型", max_length=16, choices=Kind.choices, default=Kind.OTHER)
    parent = models.ForeignKey(
        "self", verbose_name="上级单位", null=True, blank=True, related_name="children", on_delete=models.PROTECT
    )
    path = models.CharField("路径", max_length=255, db_index=True, editable=False, default="")
    depth = models.PositiveSmallIntegerField("层级", default=0, editable=False)
    sort_order = models.IntegerField("排序", default=0)
    population = models.PositiveIntegerField("人口", null=True, blank=True, help_text="用于按人口分解目标")
    is_active = models.BooleanField("启用", default=True)

    # One permission model: Unit.objects.visible_to(user, cap) are the units where the user holds `cap`.
    scope_field = "pk"
    objects = RestrictedQuerySet.as_manager()

    class Meta:
        verbose_name = "单位"
        verbose_name_plural = "单位"
        ordering = ["path"]

    def __str__(self) -> str:
        return self.name

    @property
    def label(self) -> str:
        return self.short_name or self.name

    def is_ancestor_of(self, other: Unit) -> bool:
        return other.path.startswith(self.path)


class Membership(TimestampedModel):
    """A user holds a role in a unit and, through it, in the unit's subtree."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="用户", related_name="memberships", on_delete=models.CASCADE
    )
    unit = models.ForeignKey(Unit, verbose_name="单位", related_name="memberships", on_delete=models.CASCADE)
    role = models.CharField("角色", max_length=16, choices=Role.choices)

    class Meta:
        verbose_name = "角色授权"
        verbose_name_plural = "角色授权"
        constraints = [models.UniqueConstraint(fields=["user", "unit", "role"], name="org_membership_unique")]

    def __str__(self) -> str:
        return f"{self.user} · {self.unit} · {self.get_role_display()}"


class UnitChannel(TimestampedModel, VersionedModel):
    """A unit's robot webhook (企业微信 / 钉钉 / 飞书 / 通用 JSON): notices for the unit's people also go there."""

    class Format(models.TextChoices):
        WECOM = "wecom", "企业微信机器人"
        DINGTALK = "dingtalk", "钉钉机器人"
        FEISHU = "feishu", "飞书机器人"
        GENERIC = "generic", "通用 JSON"

    class Mode(models.TextChoices):
        EACH = "each", "逐条发送"
        DIGEST = "digest", "每日汇总"

    unit = models.ForeignKey(Unit, verbose_name="单位", related_name="channels", on_delete=models.CASCADE)
    name = models.CharField("名称", max_length=60)
    target = models.CharField("Webhook 网址", max_length=1000)
    format = models.CharField("消息格式", max_length=10, choices=Format.choices, default=Format.WECOM)
    secret = models.CharField("加签密钥", max_length=200, blank=True, help_text="钉钉、飞书机器人开启加签时填写")
    mode = models.CharField("发送方式", max_length=8, choices=Mode.choices, default=Mode.EACH)
    is_internal = models.BooleanField("内网地址", default=False)
    enabled = models.BooleanField("启用", default=True)

    class Meta:
        verbose_name = "单位通知渠道"
        verbose_name_plural = "单位通知渠道"
        ordering = ["unit__path", "name"]

    def __str__(self) -> str:
        return f"{self.unit} · {self.name}"
