"""先进典型的数据模型：评选活动（类别与名额、各阶段日期、评审与投票占比）、推荐（个人信息 SM4 加密）、证明材料、
资格审查（各部门意见）、评审打分、公示异议，以及典型库（典型人物、历年荣誉、宣传活动、关爱走访）。

Every model's default manager is a RestrictedQuerySet whose `scope_field` leads to the unit it belongs to: a
campaign to the organising unit, a nomination to the nominating unit, a role model to the unit where the person
lives or works.
"""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import ClassVar

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils import timezone

from taizhang.core.crypto import EncryptedCharField, mask
from taizhang.core.models import TimestampedModel, VersionedModel
from taizhang.core.querysets import RestrictedQuerySet

ADULT_AGE = 18


def age_on(birth: datetime.date, day: datetime.date) -> int:
    return day.year - birth.year - ((day.month, day.day) < (birth.month, birth.day))


def public_name(name: str, initials: str, birth_date: datetime.date | None, day: datetime.date | None = None) -> str:
    """The name shown on public pages: the name of an adult, the initials (Z.X.M.) of a minor."""
    if birth_date is not None and age_on(birth_date, day or timezone.localdate()) < ADULT_AGE:
        letters = [c for c in (initials or "").upper() if c.isalpha()]
        return ".".join(letters) + "." if letters else "未成年人"
    return name


class Level(models.TextChoices):
    NATIONAL = "national", "国家级"
    PROVINCIAL = "provincial", "省级"
    MUNICIPAL = "municipal", "市级"
    DISTRICT = "district", "区级"
    STREET = "street", "街道级"


class Stage(models.TextChoices):
    NOMINATION = "nomination", "推荐"
    QUALIFICATION = "qualification", "资格审查"
    JURY = "jury", "评审"
    NOTICE = "notice", "公示"
    VOTE = "vote", "公众投票"
    RESULT = "result", "结果确定"
    ANNOUNCED = "announced", "已发布"


STAGE_ORDER: list[str] = [s.value for s in Stage]


class Campaign(TimestampedModel, VersionedModel):
    """评选活动：一次好人、道德模范、美德少年等的评选。"""

    unit = models.ForeignKey("org.Unit", verbose_name="主办单位", on_delete=models.PROTECT,
                             related_name="honour_campaigns")
    code = models.CharField("活动代码", max_length=40, unique=True)
    title = models.CharField("活动名称", max_length=120)
    honour_title = models.CharField("授予称号", max_length=60, help_text="如：东城好人、区道德模范")
    level = models.CharField("级别", max_length=12, choices=Level.choices, default=Level.DISTRICT)
    year = models.PositiveSmallIntegerField("年度")
    description = models.TextField("活动说明", blank=True)
    stage = models.CharField("阶段", max_length=16, choices=Stage.choices, default=Stage.NOMINATION)
    nomination_ends = models.DateField("推荐截止")
    qualification_ends = models.DateField("资格审查截止")
    jury_ends = models.DateField("评审截止")
    notice_starts = models.DateField("公示开始")
    notice_ends = models.DateField("公示结束")
    vote_starts = models.DateField("投票开始")
    vote_ends = models.DateField("投票结束")
    public_share = models.DecimalField("公众投票占比（%）", max_digits=5, decimal_places=2,
                                       validators=[MinValueValidator(0), MaxValueValidator(100)],
                                       default=Decimal(40))
    votes_per_day = models.PositiveSmallIntegerField("每人每日票数", default=1)
    per_unit_limit = models.PositiveSmallIntegerField(
        "每单位推荐上限", null=True, blank=True,
        help_text="每个推荐单位在本活动中最多推荐的人数（不含已撤回的）；空为不限")
    announced_on = models.DateField("发布日期", null=True, blank=True)

    objects = RestrictedQuerySet.as_manager()
    scope_field: ClassVar[str] = "unit"

    class Meta:
        verbose_name = "评选活动"
        verbose_name_plural = "评选活动"
        ordering = ["-year", "-id"]

    def __str__(self) -> str:
        return self.title

    @property
    def jury_share(self) -> Decimal:
        return Decimal(100) - self.public_share

    @property
    def stage_index(self) -> int:
        return STAGE_ORDER.index(self.stage)

    def notice_open(self, day: datetime.date | None = None) -> bool:
        day = day or timezone.localdate()
        return self.stage == Stage.NOTICE and self.notice_starts <= day <= self.notice_ends


class Category(models.Model):
    """评选类别及名额，如 助人为乐 3 名。"""

    campaign = models.ForeignKey(Campaign, verbose_name="评选活动", on_delete=models.CASCADE,
                                 related_name="categories")
    name = models.CharField("类别", max_length=40)
    quota = models.PositiveSmallIntegerField("名额")
    order = models.PositiveSmallIntegerField("排序", default=0)

    objects = RestrictedQuerySet.as_manager()
    scope_field: ClassVar[str] = "campaign__unit"

    class Meta:
        verbose_name = "评选类别"
        verbose_name_plural = "评选类别"
        ordering = ["campaign", "order", "id"]
        constraints = [models.UniqueConstraint(fields=["campaign", "name"], name="honours_category_unique")]

    def __str__(self) -> str:
        return f"{self.name}（{self.quota}名）"


class Nomination(TimestampedModel, VersionedModel):
    """推荐：一名被推荐人。姓名、单位和事迹在公示时公开（未成年人只显示姓名首字母）；电话、证件号加密存储。"""

    class Kind(models.TextChoices):
        UNIT = "unit", "单位推荐"
        SELF = "self", "个人自荐"
        JOINT = "joint", "联名推荐"

    class Gender(models.TextChoices):
        MALE = "male", "男"
        FEMALE = "female", "女"

    class State(models.TextChoices):
        SUBMITTED = "submitted", "已推荐"
        QUALIFIED = "qualified", "资格审查通过"
        DISQUALIFIED = "disqualified", "资格审查未通过"
        REMOVED = "removed", "因异议成立取消"
        WITHDRAWN = "withdrawn", "已撤回"
        HONOURED = "honoured", "当选"
        NOT_SELECTED = "not_selected", "未当选"

    campaign = models.ForeignKey(Campaign, verbose_name="评选活动", on_delete=models.PROTECT,
                                 related_name="nominations")
    category = models.ForeignKey(Category, verbose_name="类别", on_delete=models.PROTECT, related_name="nominations")
    unit = models.ForeignKey("org.Unit", verbose_name="推荐单位", on_delete=models.PROTECT,
                             related_name="honour_nominations")
    kind = models.CharField("推荐方式", max_length=8, choices=Kind.choices, default=Kind.UNIT)
    nominators = models.CharField("推荐人/联名单位", max_length=200, blank=True)
    name = models.CharField("姓名", max_length=40)
    initials = models.CharField("姓名拼音首字母", max_length=8, blank=True, help_text="未成年人公示时只显示首字母")
    gender = models.CharField("性别", max_length=8, choices=Gender.choices)
    birth_date = models.DateField("出生日期")
    workplace = models.CharField("工作单位/学校/住址", max_length=120)
    phone = EncryptedCharField("联系电话", mask_kind="phone")
    id_number = EncryptedCharField("身份证号", mask_kind="id_number")
    id_hash = models.CharField("身份证号索引", max_length=64, editable=False)
    deeds = models.TextField("主要事迹")
    state = models.CharField("状态", max_length=16, choices=State.choices, default=State.SUBMITTED)
    jury_score = models.DecimalField("评审平均分", max_digits=6, decimal_places=2, null=True, blank=True)
    votes = models.PositiveIntegerField("有效票数", null=True, blank=True)
    vote_score = models.DecimalField("投票得分", max_digits=6, decimal_places=2, null=True, blank=True)
    final_score = models.DecimalField("综合得分", max_digits=6, decimal_places=2, null=True, blank=True)
    submitted_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="填报人", null=True, blank=True,
                                     on_delete=models.SET_NULL, related_name="+")

    objects = RestrictedQuerySet.as_manager()
    scope_field: ClassVar[str] = "unit"

    class Meta:
        verbose_name = "推荐"
        verbose_name_plural = "推荐"
        ordering = ["campaign", "category__order", "id"]
        constraints = [models.UniqueConstraint(fields=["campaign", "id_hash"], name="honours_nomination_once")]

    def __str__(self) -> str:
        return f"{self.shown_name}（{self.category.name}）"

    def is_minor(self, day: datetime.date | None = None) -> bool:
        return age_on(self.birth_date, day or timezone.localdate()) < ADULT_AGE

    @property
    def shown_name(self) -> str:
        return public_name(self.name, self.initials, self.birth_date)

    def masked(self) -> dict[str, str]:
        return {"phone": mask(self.phone, "phone"), "id_number": mask(self.id_number, "id_number")}


class Evidence(models.Model):
    nomination = models.ForeignKey(Nomination, verbose_name="推荐", on_delete=models.CASCADE,
                                   related_name="evidence")
    file = models.FileField("文件", upload_to="honours/evidence/%Y/%m/")
    name = models.CharField("文件名", max_length=200)
    content_type = models.CharField("类型", max_length=100)
    size = models.PositiveIntegerField("大小")
    sha256 = models.CharField(max_length=64)
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                    related_name="+")
    uploaded_at = models.DateTimeField(default=timezone.now)

    objects = RestrictedQuerySet.as_manager()
    scope_field: ClassVar[str] = "nomination__unit"

    class Meta:
        verbose_name = "证明材料"
        verbose_name_plural = "证明材料"

    def __str__(self) -> str:
        return self.name


class QualificationItem(models.Model):
    """资格审查清单的一项：由某个部门出具意见，如 公安：无违法犯罪记录。"""

    campaign = models.ForeignKey(Campaign, verbose_name="评选活动", on_delete=models.CASCADE,
                                 related_name="qualification_items")
    sector = models.CharField("审查部门", max_length=40)
    requirement = models.CharField("审查内容", max_length=120)
    sector_unit = models.ForeignKey("org.Unit", verbose_name="部门账号所在单位", null=True, blank=True,
                                    on_delete=models.SET_NULL, related_name="+")
    order = models.PositiveSmallIntegerField("排序", default=0)

    objects = RestrictedQuerySet.as_manager()
    scope_field: ClassVar[str] = "campaign__unit"

    class Meta:
        verbose_name = "资格审查项"
        verbose_name_plural = "资格审查项"
        ordering = ["campaign", "order", "id"]

    def __str__(self) -> str:
        return f"{self.sector}：{self.requirement}"


DEFAULT_QUALIFICATION = [("公安", "无违法犯罪记录"), ("纪检监察", "无违纪违法问题"), ("信用", "无严重失信记录")]


class SignOff(models.Model):
    """一个部门对一名被推荐人一项审查内容的意见（谁、何时、意见）。"""

    nomination = models.ForeignKey(Nomination, verbose_name="推荐", on_delete=models.CASCADE,
                                   related_name="signoffs")
    item = models.ForeignKey(QualificationItem, verbose_name="审查项", on_delete=models.PROTECT,
                             related_name="signoffs")
    positive = models.BooleanField("审查通过")
    opinion = models.CharField("意见", max_length=300)
    signed_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="审查人", null=True, blank=True,
                                  on_delete=models.SET_NULL, related_name="+")
    signed_at = models.DateTimeField("审查时间", default=timezone.now)

    objects = RestrictedQuerySet.as_manager()
    scope_field: ClassVar[str] = "nomination__unit"

    class Meta:
        verbose_name = "资格审查意见"
        verbose_name_plural = "资格审查意见"
        constraints = [models.UniqueConstraint(fields=["nomination", "item"], name="honours_signoff_once")]

    def __str__(self) -> str:
        return f"{self.item.sector}：{'通过' if self.positive else '不通过'}"


class Juror(models.Model):
    campaign = models.ForeignKey(Campaign, verbose_name="评选活动", on_delete=models.CASCADE, related_name="jurors")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="评委", on_delete=models.PROTECT,
                             related_name="+")

    objects = RestrictedQuerySet.as_manager()
    scope_field: ClassVar[str] = "campaign__unit"

    class Meta:
        verbose_name = "评委"
        verbose_name_plural = "评委"
        constraints = [models.UniqueConstraint(fields=["campaign", "user"], name="honours_juror_once")]

    def __str__(self) -> str:
        return str(self.user)


class JuryScore(models.Model):
    nomination = models.ForeignKey(Nomination, verbose_name="候选人", on_delete=models.CASCADE,
                                   related_name="scores")
    juror = models.ForeignKey(Juror, verbose_name="评委", on_delete=models.CASCADE, related_name="scores")
    score = models.DecimalField("评分", max_digits=5, decimal_places=2,
                                validators=[MinValueValidator(0), MaxValueValidator(100)])
    comment = models.CharField("评语", max_length=300, blank=True)
    scored_at = models.DateTimeField(default=timezone.now)

    objects = RestrictedQuerySet.as_manager()
    scope_field: ClassVar[str] = "nomination__campaign__unit"

    class Meta:
        verbose_name = "评审打分"
        verbose_name_plural = "评审打分"
        constraints = [models.UniqueConstraint(fields=["nomination", "juror"], name="honours_score_once")]

    def __str__(self) -> str:
        return f"{self.score}"


class Objection(TimestampedModel):
    """公示期间公众提出的异议：核查并答复，记录在案；异议成立则取消该候选人。"""

    class State(models.TextChoices):
        RECEIVED = "received", "已收到"
        INVESTIGATING = "investigating", "核查中"
        UPHELD = "upheld", "异议成立"
        DISMISSED = "dismissed", "异议不成立"

    nomination = models.ForeignKey(Nomination, verbose_name="候选人", on_delete=models.PROTECT,
                                   related_name="objections")
    code = models.CharField("查询码", max_length=12, unique=True)
    text = models.TextField("异议内容")
    contact_phone = EncryptedCharField("联系电话", mask_kind="phone", blank=True, default="")
    device_hash = models.CharField(max_length=64, blank=True, editable=False)
    address_hash = models.CharField(max_length=64, blank=True, editable=False)
    state = models.CharField("状态", max_length=16, choices=State.choices, default=State.RECEIVED)
    findings = models.TextField("核查情况", blank=True)
    investigated_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                        related_name="+")
    answer = models.TextField("答复", blank=True)
    answered_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                    related_name="+")
    answered_at = models.DateTimeField("答复时间", null=True, blank=True)

    objects = RestrictedQuerySet.as_manager()
    scope_field: ClassVar[str] = "nomination__campaign__unit"

    class Meta:
        verbose_name = "公示异议"
        verbose_name_plural = "公示异议"
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"异议 {self.code}"


class RoleModel(TimestampedModel, VersionedModel):
    """典型库中的一个人：可有多项荣誉（历年）、多次宣传活动和关爱走访。"""

    unit = models.ForeignKey("org.Unit", verbose_name="所属单位", on_delete=models.PROTECT,
                             related_name="role_models")
    name = models.CharField("姓名", max_length=40)
    initials = models.CharField("姓名拼音首字母", max_length=8, blank=True)
    gender = models.CharField("性别", max_length=8, choices=Nomination.Gender.choices)
    birth_date = models.DateField("出生日期")
    workplace = models.CharField("工作单位/学校/住址", max_length=120)
    phone = EncryptedCharField("联系电话", mask_kind="phone")
    id_number = EncryptedCharField("身份证号", mask_kind="id_number")
    id_hash = models.CharField("身份证号索引", max_length=64, unique=True, editable=False)
    deeds = models.TextField("主要事迹")

    objects = RestrictedQuerySet.as_manager()
    scope_field: ClassVar[str] = "unit"

    class Meta:
        verbose_name = "典型人物"
        verbose_name_plural = "典型库"
        ordering = ["-id"]

    def __str__(self) -> str:
        return self.shown_name

    @property
    def shown_name(self) -> str:
        return public_name(self.name, self.initials, self.birth_date)

    def masked(self) -> dict[str, str]:
        return {"phone": mask(self.phone, "phone"), "id_number": mask(self.id_number, "id_number")}


class Honour(models.Model):
    """一项荣誉：某年由某级评选授予（典型库“历年荣誉”）。"""

    role_model = models.ForeignKey(RoleModel, verbose_name="典型人物", on_delete=models.CASCADE,
                                   related_name="honours")
    title = models.CharField("荣誉称号", max_length=80)
    category = models.CharField("类别", max_length=40, blank=True)
    level = models.CharField("级别", max_length=12, choices=Level.choices)
    year = models.PositiveSmallIntegerField("年度")
    awarded_on = models.DateField("授予日期")
    unit = models.ForeignKey("org.Unit", verbose_name="所属单位", on_delete=models.PROTECT, related_name="+")
    campaign = models.ForeignKey(Campaign, verbose_name="评选活动", null=True, blank=True, on_delete=models.SET_NULL,
                                 related_name="honours")
    nomination = models.OneToOneField(Nomination, null=True, blank=True, on_delete=models.SET_NULL,
                                      related_name="honour")

    objects = RestrictedQuerySet.as_manager()
    scope_field: ClassVar[str] = "unit"

    class Meta:
        verbose_name = "荣誉"
        verbose_name_plural = "荣誉"
        ordering = ["-awarded_on", "-id"]

    def __str__(self) -> str:
        return f"{self.year}年{self.title}"


class Promotion(TimestampedModel):
    """宣传活动：报道文章、宣讲、视频等，有链接和阅读/听众人数。"""

    class Kind(models.TextChoices):
        ARTICLE = "article", "宣传报道"
        LECTURE = "lecture", "事迹宣讲"
        VIDEO = "video", "视频/短片"
        OTHER = "other", "其他"

    role_model = models.ForeignKey(RoleModel, verbose_name="典型人物", on_delete=models.CASCADE,
                                   related_name="promotions")
    unit = models.ForeignKey("org.Unit", verbose_name="所属单位", on_delete=models.PROTECT, related_name="+")
    kind = models.CharField("形式", max_length=10, choices=Kind.choices)
    title = models.CharField("标题", max_length=200)
    outlet = models.CharField("媒体/场所", max_length=100, blank=True)
    link = models.URLField("链接", blank=True)
    reach = models.PositiveIntegerField("阅读/听众人数", default=0)
    happened_on = models.DateField("日期")

    objects = RestrictedQuerySet.as_manager()
    scope_field: ClassVar[str] = "unit"

    class Meta:
        verbose_name = "宣传活动"
        verbose_name_plural = "宣传活动"
        ordering = ["-happened_on", "-id"]

    def __str__(self) -> str:
        return self.title


class CareVisit(TimestampedModel):
    """关爱帮扶、走访慰问记录。"""

    role_model = models.ForeignKey(RoleModel, verbose_name="典型人物", on_delete=models.CASCADE,
                                   related_name="care_visits")
    unit = models.ForeignKey("org.Unit", verbose_name="所属单位", on_delete=models.PROTECT, related_name="+")
    visited_on = models.DateField("日期")
    visitors = models.CharField("走访人员", max_length=200)
    kind = models.CharField("形式", max_length=20, default="走访慰问")
    content = models.TextField("内容")
    amount = models.DecimalField("慰问金/物资折价（元）", max_digits=10, decimal_places=2, default=Decimal(0))

    objects = RestrictedQuerySet.as_manager()
    scope_field: ClassVar[str] = "unit"

    class Meta:
        verbose_name = "关爱走访"
        verbose_name_plural = "关爱走访"
        ordering = ["-visited_on", "-id"]

    def __str__(self) -> str:
        return f"{self.visited_on} {self.kind}"
