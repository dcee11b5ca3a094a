"""Forms of the targets pages. Forms only parse input; every change goes through targets.actions."""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import Any, cast

from django import forms
from django.db.models import QuerySet
from django.utils import timezone

from taizhang.core.forms import PeriodField
from taizhang.core.numbers import NOT_A_NUMBER, column_bounds, digits_problem, to_decimal
from taizhang.core.periods import parse_period
from taizhang.core.uploads import EVIDENCE_TYPES, accept_attribute
from taizhang.ledger.models import LEVEL_ORDER, ActivityType, LineOfWork, MetricDefinition, Outlet
from taizhang.org.fields import UnitChoiceField
from taizhang.org.models import Unit
from taizhang.targets.actions import SORT_ORDER_MAX
from taizhang.targets.models import Adjustment, Scheme, SchemeItem, SchemeVersion, Target
from taizhang.targets.rules import DEFAULT_PLACEMENT, LEVELS, MULTIPLIER_MODES, dec

DATE_INPUT = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
LEVEL_CHOICES = [(level, f"{dict(Outlet.Level.choices)[level]}媒体") for level in LEVELS]


def fmt(value: Any) -> str:
    d = dec(value) if not isinstance(value, Decimal) else value
    if d is None:
        return ""
    return str(int(d)) if d == d.to_integral_value() else f"{d.normalize():f}"


def set_choices(form: forms.Form, name: str, choices: Any) -> None:
    cast(forms.ChoiceField, form.fields[name]).choices = choices


def set_queryset(form: forms.Form, name: str, queryset: Any) -> None:
    cast(forms.ModelChoiceField, form.fields[name]).queryset = queryset


def metric_choices(by_key: bool = False) -> list[Any]:
    groups: dict[str, list[tuple[Any, str]]] = {}
    for m in MetricDefinition.objects.select_related("line").filter(is_active=True).order_by("line__sort_order",
                                                                                             "sort_order", "key"):
        groups.setdefault(m.line.name, []).append((m.key if by_key else m.pk, f"{m.name}（{m.measure_word}）"))
    return [("", "请选择指标"), *groups.items()]


def activity_type_choices(blank: str = "不限") -> list[Any]:
    groups: dict[str, list[tuple[str, str]]] = {}
    for t in ActivityType.objects.select_related("line").filter(is_active=True).order_by("line__sort_order",
                                                                                        "sort_order"):
        groups.setdefault(t.line.name, []).append((t.key, t.name))
    return [("", blank), *groups.items()]


class DecimalText(forms.CharField):
    """A number typed as text (kept exact); empty allowed unless required. It must fit a DecimalField: the column
    it is saved to (`model_field=Target._meta.get_field("value")`) or explicit `max_digits`/`decimal_places`
    (18 and 4 when neither is given: the size of the targets' value columns). NaN and Infinity are refused."""

    def __init__(self, *, model_field: Any = None, max_digits: int | None = None, decimal_places: int | None = None,
                 **kwargs: Any) -> None:
        column = column_bounds(model_field) if model_field is not None else (18, 4)
        self.max_digits = max_digits if max_digits is not None else column[0]
        self.decimal_places = decimal_places if decimal_places is not None else column[1]
        super().__init__(**kwargs)

    def clean(self, value: Any) -> Any:
        value = super().clean(value)
        try:
            number = to_decimal(value)
        except ValueError as exc:
            raise forms.ValidationError(NOT_A_NUMBER, code="invalid") from exc
        if number is None:
            return None
        problem = digits_problem(number, max_digits=self.max_digits, decimal_places=self.decimal_places)
        if problem:
            raise forms.ValidationError(problem, code="max_digits")
        return number


SORT_ORDER_MESSAGE = f"排序应为 0 至 {SORT_ORDER_MAX} 之间的整数"


def sort_order_field(**kwargs: Any) -> forms.IntegerField:
    """排序: 0..99999 (an integer column: a longer number would not fit it on PostgreSQL)."""
    return forms.IntegerField(label="排序", required=False, min_value=0, max_value=SORT_ORDER_MAX,
                              error_messages={"min_value": SORT_ORDER_MESSAGE, "max_value": SORT_ORDER_MESSAGE,
                                              "invalid": SORT_ORDER_MESSAGE}, **kwargs)


# ---------------------------------------------------------------------------------------------------------------
# Targets
# ---------------------------------------------------------------------------------------------------------------
class TargetForm(forms.Form):
    year = forms.IntegerField(label="年度", min_value=2000, max_value=2100)
    key = forms.SlugField(label="标识", max_length=60, help_text=(
        "英文小写字母、数字和下划线，如 placements_provincial；考核方案的“目标完成率计分”按它引用本目标"))
    name = forms.CharField(label="目标名称", max_length=100, help_text="如：省级以上媒体用稿")
    metric = forms.ChoiceField(label="统计指标", help_text="完成数由台账中已审核通过的记录按该指标统计")
    outlet_levels = forms.MultipleChoiceField(label="限定媒体级别", choices=LEVEL_CHOICES, required=False,
                                              widget=forms.CheckboxSelectMultiple,
                                              help_text="仅对用稿类指标有效；不选表示不限")
    activity_type = forms.ChoiceField(label="限定活动类型", required=False)
    value = DecimalText(label="年度目标值", model_field=Target._meta.get_field("value"))
    plan_kind = forms.ChoiceField(label="进度计划", choices=Target.PlanKind.choices)
    monthly_plan = forms.CharField(label="月度计划（%）", required=False,
                                   help_text="按月度计划时填写 12 个百分数，用逗号分隔，合计 100，"
                                             "如 5,5,8,8,9,9,9,9,9,9,10,10")
    allow_over_allocation = forms.BooleanField(label="允许超额分解（分解合计可大于年度目标）", required=False)
    note = forms.CharField(label="说明", required=False, widget=forms.Textarea(attrs={"rows": 2}))
    sort_order = sort_order_field(initial=0)
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        set_choices(self, "metric", metric_choices())
        set_choices(self, "activity_type", activity_type_choices())

    def clean_monthly_plan(self) -> list[str]:
        raw = self.cleaned_data.get("monthly_plan") or ""
        parts = [p.strip() for p in raw.replace("，", ",").split(",") if p.strip()]
        return parts

    def values(self) -> dict[str, Any]:
        d = self.cleaned_data
        atype = ActivityType.objects.filter(key=d.get("activity_type")).first() if d.get("activity_type") else None
        return {
            "key": d["key"], "name": d["name"], "metric": MetricDefinition.objects.get(pk=d["metric"]),
            "outlet_levels": [x for x in LEVELS if x in (d.get("outlet_levels") or [])], "activity_type": atype,
            "value": d["value"], "plan_kind": d["plan_kind"], "monthly_plan": d.get("monthly_plan") or [],
            "allow_over_allocation": bool(d.get("allow_over_allocation")), "note": d.get("note") or "",
            "sort_order": d.get("sort_order") or 0,
        }

    @staticmethod
    def initial_for(target: Target) -> dict[str, Any]:
        return {
            "year": target.year, "key": target.key, "name": target.name, "metric": target.metric_id,
            "outlet_levels": target.outlet_levels,
            "activity_type": target.activity_type.key if target.activity_type is not None else "",
            "value": fmt(target.value), "plan_kind": target.plan_kind,
            "monthly_plan": ",".join(str(x) for x in target.monthly_plan or []),
            "allow_over_allocation": target.allow_over_allocation, "note": target.note,
            "sort_order": target.sort_order, "version": target.version,
        }


class AllocationForm(forms.Form):
    """One amount per candidate unit (fields "unit_<code>"), the split method, and the target's version."""

    method = forms.ChoiceField(label="分解方式", choices=Target.Method.choices, required=False)
    version = forms.IntegerField(widget=forms.HiddenInput)

    def __init__(self, *args: Any, units: list[Unit], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.units = units
        for u in units:
            self.fields[f"unit_{u.code}"] = forms.CharField(label=u.name, required=False, max_length=30)
            self.fields[f"inc_{u.code}"] = forms.BooleanField(label=f"{u.name}参与按规则分解", required=False)

    def unit_fields(self) -> list[tuple[Unit, Any, Any]]:
        return [(u, self[f"unit_{u.code}"], self[f"inc_{u.code}"]) for u in self.units]

    def included(self) -> list[Unit]:
        return [u for u in self.units if self.cleaned_data.get(f"inc_{u.code}")]

    def amounts(self) -> dict[Unit, Any]:
        return {u: (self.cleaned_data.get(f"unit_{u.code}") or "").strip() for u in self.units}


# ---------------------------------------------------------------------------------------------------------------
# Schemes
# ---------------------------------------------------------------------------------------------------------------
class SchemeForm(forms.Form):
    key = forms.SlugField(label="标识", max_length=60, help_text="英文小写字母、数字和下划线，命令行按它选择方案")
    name = forms.CharField(label="方案名称", max_length=100, help_text="如：对外宣传工作考核办法")
    subject = forms.CharField(label="考核内容", max_length=60, help_text="用于通报标题，如“对外宣传工作”")
    description = forms.CharField(label="说明", required=False, widget=forms.Textarea(attrs={"rows": 3}))
    is_active = forms.BooleanField(label="启用", required=False, initial=True)
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)


class ItemForm(forms.Form):
    """A scheme item: common fields plus the fields of its kind (the page shows only those)."""

    key = forms.SlugField(label="标识", max_length=60)
    name = forms.CharField(label="评分项名称", max_length=100)
    line = forms.ChoiceField(label="工作线", required=False, help_text="权重按工作线设置；加减分项可不选")
    sort_order = sort_order_field()
    # metric
    metric = forms.ChoiceField(label="指标", required=False)
    points_per = DecimalText(label="每单位分值", required=False, help_text="如每场宣讲 0.5 分")
    outlet_levels = forms.MultipleChoiceField(label="限定媒体级别", choices=LEVEL_CHOICES, required=False,
                                              widget=forms.CheckboxSelectMultiple)
    activity_type = forms.ChoiceField(label="限定活动类型", required=False)
    # placement
    points_national = DecimalText(label="中央级媒体每篇", required=False)
    points_provincial = DecimalText(label="省级媒体每篇", required=False)
    points_municipal = DecimalText(label="市级媒体每篇", required=False)
    points_district = DecimalText(label="区级媒体每篇", required=False)
    headline_multiplier = DecimalText(label="头条倍数", required=False)
    front_page_multiplier = DecimalText(label="头版倍数", required=False)
    long_multiplier = DecimalText(label="千字以上长稿倍数", required=False)
    multiplier_mode = forms.ChoiceField(label="多项加成", choices=list(MULTIPLIER_MODES.items()), required=False)
    dedupe = forms.BooleanField(label="同一稿件在多级媒体刊发时按最高级别计一次", required=False)
    split_joint = forms.BooleanField(label="联合署名稿件按署名比例分摊分值（不勾选则各单位均计全分）", required=False)
    # target completion
    target = forms.CharField(label="目标标识", required=False, max_length=60,
                             help_text="目标任务的标识，按考核期所在年度查找")
    full_points = DecimalText(label="满分", required=False)
    max_ratio = DecimalText(label="完成率计分上限", required=False,
                            help_text="1 表示完成 100% 即得满分；1.2 表示超额完成最多按 120% 计")
    # common cap / manual max
    cap = DecimalText(label="封顶分", required=False, help_text="该项最高得分，不填表示不封顶")
    max = DecimalText(label="每期累计上限", required=False)
    version = forms.IntegerField(widget=forms.HiddenInput)

    KIND_FIELDS = {
        "metric": ["metric", "points_per", "outlet_levels", "activity_type", "cap"],
        "placement": ["points_national", "points_provincial", "points_municipal", "points_district",
                      "headline_multiplier", "front_page_multiplier", "long_multiplier", "multiplier_mode", "dedupe",
                      "split_joint", "cap"],
        "target_completion": ["target", "full_points", "max_ratio"],
        "bonus": ["max"],
        "deduction": ["max"],
    }

    def __init__(self, *args: Any, kind: str, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.kind = kind
        set_choices(self, "line", [("", "不限"), *LineOfWork.objects.filter(is_active=True).values_list(
            "key", "name")])
        set_choices(self, "metric", metric_choices(by_key=True))
        set_choices(self, "activity_type", activity_type_choices())

    def kind_fields(self) -> list[Any]:
        return [self[name] for name in self.KIND_FIELDS.get(self.kind, [])]

    def rule(self) -> dict[str, Any]:
        d = self.cleaned_data

        def s(name: str) -> str | None:
            value = d.get(name)
            return fmt(value) if value is not None else None

        if self.kind == "metric":
            return {"metric": d.get("metric") or "", "points_per": s("points_per"), "cap": s("cap"),
                    "outlet_levels": d.get("outlet_levels") or [], "activity_type": d.get("activity_type") or None}
        if self.kind == "placement":
            return {"metric": "placements",
                    "points": {level: s(f"points_{level}") or "0" for level in LEVELS},
                    "headline_multiplier": s("headline_multiplier") or "1",
                    "front_page_multiplier": s("front_page_multiplier") or "1",
                    "long_multiplier": s("long_multiplier") or "1",
                    "multiplier_mode": d.get("multiplier_mode") or "max",
                    "dedupe": "story_key_highest_level" if d.get("dedupe") else "none",
                    "split_joint": bool(d.get("split_joint")), "cap": s("cap")}
        if self.kind == "target_completion":
            return {"target": d.get("target") or "", "points": s("full_points"), "max_ratio": s("max_ratio") or "1"}
        return {"max": s("max")}

    def data_for_action(self) -> dict[str, Any]:
        d = self.cleaned_data
        return {"key": d["key"], "name": d["name"], "kind": self.kind, "rule": self.rule(),
                "line": LineOfWork.objects.filter(key=d.get("line")).first() if d.get("line") else None,
                "sort_order": d.get("sort_order") or 0}

    @staticmethod
    def initial_for(item: SchemeItem | None, kind: str, version: int) -> dict[str, Any]:
        rule = dict(item.rule) if item is not None else (dict(DEFAULT_PLACEMENT) if kind == "placement" else {})
        out: dict[str, Any] = {"version": version}
        if item is not None:
            out.update({"key": item.key, "name": item.name, "line": item.line.key if item.line is not None else "",
                        "sort_order": item.sort_order})
        if kind == "metric":
            out.update({"metric": rule.get("metric", ""), "points_per": rule.get("points_per") or "",
                        "cap": rule.get("cap") or "", "outlet_levels": rule.get("outlet_levels") or [],
                        "activity_type": rule.get("activity_type") or ""})
        elif kind == "placement":
            for level in LEVELS:
                out[f"points_{level}"] = (rule.get("points") or {}).get(level, "0")
            for f in ("headline_multiplier", "front_page_multiplier", "long_multiplier", "multiplier_mode"):
                out[f] = rule.get(f) or ""
            out["dedupe"] = rule.get("dedupe", "story_key_highest_level") == "story_key_highest_level"
            out["split_joint"] = bool(rule.get("split_joint", True))
            out["cap"] = rule.get("cap") or ""
        elif kind == "target_completion":
            out.update({"target": rule.get("target", ""), "full_points": rule.get("points") or "",
                        "max_ratio": rule.get("max_ratio") or "1"})
        else:
            out["max"] = rule.get("max") or ""
        return out


class RankingForm(forms.Form):
    peer_parent = UnitChoiceField(label="参评单位的上级", queryset=Unit.objects.none(), required=False,
                                  help_text="参评单位为它的直属下级单位；不选表示考核单位本身")
    tie_rule = forms.ChoiceField(label="并列规则", choices=SchemeVersion.TieRule.choices)
    tie_key_1 = forms.ChoiceField(label="次要指标一", required=False)
    tie_key_2 = forms.ChoiceField(label="次要指标二", required=False)
    tie_key_3 = forms.ChoiceField(label="次要指标三", required=False)
    praise_top = forms.IntegerField(label="通报表扬名额（每组前几名）", min_value=0, max_value=50)
    lagging_bottom = forms.IntegerField(label="通报督促名额（每组后几名）", min_value=0, max_value=50)
    note = forms.CharField(label="修订说明", required=False, max_length=300)
    version = forms.IntegerField(widget=forms.HiddenInput)
    GROUPS = 3

    def __init__(self, *args: Any, scheme: Scheme, lines: list[LineOfWork], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        current = scheme.current
        set_queryset(self, "peer_parent", Unit.objects.filter(path__startswith=scheme.owner.path,
                                                              is_active=True).order_by("path"))
        tie_choices = [("", "（无）"), *[(f"item:{i.key}", f"{i.name}得分") for i in current.items.all()],
                       *[(f"placements:{level}", f"{label}用稿数") for level, label in LEVEL_CHOICES]]
        for n in (1, 2, 3):
            set_choices(self, f"tie_key_{n}", tie_choices)
        self.lines = lines
        for line in lines:
            self.fields[f"weight_{line.key}"] = DecimalText(label=line.name, required=False, initial="1")
        kinds = list(Unit.Kind.choices)
        for g in range(1, self.GROUPS + 1):
            self.fields[f"group_{g}_key"] = forms.CharField(label="分组标识", required=False, max_length=40)
            self.fields[f"group_{g}_name"] = forms.CharField(label="分组名称", required=False, max_length=60)
            self.fields[f"group_{g}_kinds"] = forms.MultipleChoiceField(
                label="单位类型（可多选）", choices=kinds, required=False,
                widget=forms.SelectMultiple(attrs={"size": 5}))

    def weight_fields(self) -> list[Any]:
        return [self[f"weight_{line.key}"] for line in self.lines]

    def group_fields(self) -> list[tuple[Any, Any, Any]]:
        return [(self[f"group_{g}_key"], self[f"group_{g}_name"], self[f"group_{g}_kinds"])
                for g in range(1, self.GROUPS + 1)]

    def data_for_action(self) -> dict[str, Any]:
        d = self.cleaned_data
        groups = [{"key": d.get(f"group_{g}_key", "").strip(), "name": d.get(f"group_{g}_name", "").strip(),
                   "kinds": d.get(f"group_{g}_kinds") or []}
                  for g in range(1, self.GROUPS + 1) if (d.get(f"group_{g}_key") or d.get(f"group_{g}_name"))]
        return {
            "weights": {line.key: fmt(d.get(f"weight_{line.key}")) for line in self.lines
                        if d.get(f"weight_{line.key}") is not None},
            "groups": groups, "tie_rule": d["tie_rule"],
            "tie_keys": [d[f"tie_key_{n}"] for n in (1, 2, 3) if d.get(f"tie_key_{n}")],
            "praise_top": d["praise_top"], "lagging_bottom": d["lagging_bottom"],
        }

    @staticmethod
    def initial_for(scheme: Scheme, lines: list[LineOfWork]) -> dict[str, Any]:
        v = scheme.current
        out: dict[str, Any] = {"peer_parent": v.peer_parent_id, "tie_rule": v.tie_rule,
                               "praise_top": v.praise_top, "lagging_bottom": v.lagging_bottom,
                               "version": scheme.version}
        for n, key in enumerate(v.tie_keys or [], start=1):
            out[f"tie_key_{n}"] = key
        for line in lines:
            out[f"weight_{line.key}"] = fmt(v.weight_for(line.key))
        for g, group in enumerate(v.groups or [], start=1):
            out[f"group_{g}_key"] = group.get("key", "")
            out[f"group_{g}_name"] = group.get("name", "")
            out[f"group_{g}_kinds"] = group.get("kinds", [])
        return out


# ---------------------------------------------------------------------------------------------------------------
# Runs, adjustments
# ---------------------------------------------------------------------------------------------------------------
class RunForm(forms.Form):
    scheme = forms.ModelChoiceField(label="考核方案", queryset=Scheme.objects.none(), to_field_name="key",
                                    empty_label="请选择")
    period = PeriodField(label="考核期", help_text="选择年度和范围：全年、上半年、季度、月或自定义区间")
    note = forms.CharField(label="说明", required=False, max_length=300)

    def __init__(self, *args: Any, schemes: QuerySet[Scheme], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        set_queryset(self, "scheme", schemes)

    def clean_period(self) -> Any:
        from taizhang.core.errors import InvalidInput

        try:
            return parse_period(self.cleaned_data["period"])
        except InvalidInput as exc:
            raise forms.ValidationError(exc.message) from exc


class AdjustmentForm(forms.Form):
    scheme = forms.ModelChoiceField(label="考核方案", queryset=Scheme.objects.none(), to_field_name="key",
                                    empty_label="请选择")
    item_key = forms.ChoiceField(label="加减分项")
    unit = UnitChoiceField(label="单位", queryset=Unit.objects.none())
    date = forms.DateField(label="发生日期", widget=DATE_INPUT)
    points = DecimalText(label="分值", help_text="填写正数；减分项按减分计",
                         model_field=Adjustment._meta.get_field("points"))
    reason = forms.CharField(label="事由", widget=forms.Textarea(attrs={"rows": 3}), max_length=1000)
    evidence = forms.FileField(label="佐证材料", required=False,
                               widget=forms.ClearableFileInput(attrs={"accept": accept_attribute(EVIDENCE_TYPES)}))
    evidence_url = forms.URLField(label="佐证链接", required=False, max_length=300, assume_scheme="https")
    approve = forms.BooleanField(label="直接审核通过（部门工作人员）", required=False)

    def __init__(self, *args: Any, schemes: QuerySet[Scheme], units: QuerySet[Unit], can_approve: bool,
                 **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        set_queryset(self, "scheme", schemes)
        set_queryset(self, "unit", units)
        choices = []
        for scheme in schemes:
            manual = [(i.key, f"{scheme.name} · {i.name}（{i.get_kind_display()}）")
                      for i in scheme.current.items.all() if i.is_manual]
            if manual:
                choices.append((scheme.name, manual))
        set_choices(self, "item_key", [("", "请选择"), *choices])
        if not can_approve:
            del self.fields["approve"]
        self.fields["date"].initial = timezone.localdate()


class ReviewForm(forms.Form):
    decision = forms.ChoiceField(choices=[("approve", "通过"), ("reject", "不通过")])
    comment = forms.CharField(label="审核意见", required=False, max_length=500)


def year_choices(today: datetime.date, years: list[int]) -> list[int]:
    return sorted({today.year, *years}, reverse=True)


def levels_label(levels: list[str]) -> str:
    labels = dict(Outlet.Level.choices)
    return "、".join(labels.get(x, x) for x in levels if x in LEVEL_ORDER)
