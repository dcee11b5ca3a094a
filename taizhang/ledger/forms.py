"""Forms of the ledger pages: record filters, the record form (figures follow the activity type), review, evidence,
taxonomy administration. Forms only parse input; every change goes through an action."""

from __future__ import annotations

import uuid
from decimal import ROUND_DOWN, Decimal
from typing import Any

from django import forms
from django.db.models import Q, QuerySet
from django.urls import reverse
from django.utils import timezone

from taizhang.core.errors import InvalidInput
from taizhang.core.forms import MultipleFileInput, PeriodField
from taizhang.core.numbers import refused_ids_notice, split_ids
from taizhang.core.periods import Period, parse_period
from taizhang.core.uploads import EVIDENCE_TYPES, accept_attribute
from taizhang.ledger.actions import PlacementInput
from taizhang.ledger.drill import FigureFilter, figure_filter
from taizhang.ledger.models import (
    ActivityType,
    ActivityTypeMetric,
    LineOfWork,
    MetricDefinition,
    Outlet,
    Placement,
    Record,
)
from taizhang.ledger.taxonomy import SORT_ORDER_MAX
from taizhang.ledger.validation import future_date_problem, impossible_date, title_problem, type_metrics
from taizhang.org.fields import UnitChoiceField, UnitMultipleChoiceField
from taizhang.org.models import Unit
from taizhang.org.roles import Cap
from taizhang.org.widgets import UnitTreeSelectMultiple

DATE_INPUT = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class EvidenceFilesField(forms.FileField):
    """Evidence files chosen in the record form. The form only carries them: every file is checked by the action
    (`ledger.evidence.add_evidence`, the same checks as the evidence upload), all or none."""

    widget = MultipleFileInput

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("required", False)
        super().__init__(**kwargs)

    def clean(self, data: Any, initial: Any = None) -> list[Any]:
        if not data:
            return []
        return list(data) if isinstance(data, (list, tuple)) else [data]


def evidence_help() -> str:
    from django.conf import settings

    return (f"照片（JPG、PNG、GIF、WEBP）或文档（PDF、Word docx、Excel xlsx、txt），每个文件不超过 "
            f"{settings.TAIZHANG_MAX_UPLOAD_MB} MB；可一次选择多个文件，与记录一并保存。")


class RecordDateField(forms.DateField):
    """A date field that says "日期不存在：2025-02-30" for a well-formed day that does not exist."""

    def to_python(self, value: Any) -> Any:
        problem = impossible_date(value)
        if problem:
            raise forms.ValidationError(problem, code="invalid")
        return super().to_python(value)
ID_LIMIT = 5000
SORT_ORDER_MESSAGE = f"排序应为 0 至 {SORT_ORDER_MAX} 之间的整数"


def fmt_decimal(value: Decimal | None) -> str:
    """A stored figure as people write it: 12, 3.5 (no trailing zeros, no exponent)."""
    if value is None:
        return ""
    if value == value.to_integral_value():
        return str(int(value))
    return f"{value.normalize():f}"


def unit_queryset(user: Any, cap: str) -> QuerySet[Unit]:
    return Unit.objects.visible_to(user, cap).filter(is_active=True).order_by("path")


def activity_type_choices(include: ActivityType | None = None, blank: str = "请选择活动类型") -> list[Any]:
    """Active activity types grouped by line of work (an <optgroup> per line)."""
    types = ActivityType.objects.select_related("line").filter(Q(is_active=True) | Q(pk=getattr(include, "pk", None)))
    groups: dict[str, list[tuple[int, str]]] = {}
    for t in types.order_by("line__sort_order", "line__key", "sort_order", "key"):
        groups.setdefault(t.line.name, []).append((t.pk, t.name))
    return [("", blank), *groups.items()]


def outlet_choices(query: str = "", selected: int | None = None, limit: int = 300) -> list[Any]:
    """Active outlets grouped by level, filtered by name or alias containing `query`."""
    query = query.strip()
    groups: dict[str, list[tuple[int, str]]] = {}
    count = 0
    for outlet in Outlet.objects.filter(Q(is_active=True) | Q(pk=selected)).order_by("level", "name"):
        matches = not query or query in outlet.name or any(query in a for a in outlet.aliases or [])
        if not matches and outlet.pk != selected:
            continue
        if count >= limit and outlet.pk != selected:
            continue
        count += 1
        groups.setdefault(outlet.get_level_display(), []).append((outlet.pk, outlet.name))
    return [("", "请选择媒体" if not query else f"匹配“{query}”的媒体（{count}个）"), *groups.items()]


def parse_ids(raw: str) -> list[int]:
    """Ids from "1,2,3" (?ids= of a list, or typed): those within 1..2147483647, at most ID_LIMIT; other parts
    (words, 0, numbers past the range, which no row has and the database refuses) are dropped. The lists say so
    with `ids_notice`."""
    return split_ids(raw, limit=ID_LIMIT)[0]


def ids_notice(raw: str, *, what: str = "编号") -> str:
    """The Chinese notice for the parts of `raw` that parse_ids drops ("" when none)."""
    refused = split_ids(raw, limit=ID_LIMIT)[1]
    return refused_ids_notice(refused, what=what) if refused else ""


# ---------------------------------------------------------------------------------------------------------------
# Record list filters
# ---------------------------------------------------------------------------------------------------------------
class RecordFilterForm(forms.Form):
    SORTS = {
        "-date": ("-start_date", "-id"),
        "date": ("start_date", "id"),
        "-updated": ("-updated_at", "-id"),
        "unit": ("unit__path", "-start_date", "-id"),
    }
    STATUS_CHOICES = [("", "全部（不含已更正）"), *Record.Status.choices]

    period = PeriodField(label="时间段", required=False)
    date_from = forms.DateField(label="起始日期", required=False, widget=DATE_INPUT)
    date_to = forms.DateField(label="截止日期", required=False, widget=DATE_INPUT)
    unit = UnitChoiceField(label="单位（含下级）", required=False, empty_label="全部单位")
    line = forms.ModelChoiceField(label="工作线", required=False, queryset=LineOfWork.objects.all(),
                                  empty_label="全部工作线", to_field_name="key")
    activity_type = forms.TypedChoiceField(label="活动类型", required=False, coerce=int, empty_value=None)
    status = forms.ChoiceField(label="状态", required=False, choices=STATUS_CHOICES)
    source = forms.ChoiceField(label="来源", required=False, choices=[("", "全部来源"), *Record.Source.choices])
    q = forms.CharField(label="关键词", required=False, max_length=100,
                        widget=forms.TextInput(attrs={"placeholder": "标题、内容或地点", "type": "search"}))
    type = forms.SlugField(required=False, widget=forms.HiddenInput)
    ids = forms.CharField(required=False, widget=forms.HiddenInput)
    # a figure's records (数字溯源, `ledger.drill`): the dashboard's metric and outlet level, over period and unit
    metric = forms.CharField(required=False, max_length=100, widget=forms.HiddenInput)
    level = forms.CharField(required=False, max_length=20, widget=forms.HiddenInput)
    batch = forms.IntegerField(required=False, min_value=1, widget=forms.HiddenInput)  # an Excel import's records
    sort = forms.ChoiceField(required=False, choices=[(k, k) for k in SORTS], widget=forms.HiddenInput)

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        units = Unit.objects.visible_to(user, Cap.VIEW).order_by("path")
        # Units and lines are named by code and key in the query string, the same as the CLI, API and the
        # dashboard's drill-down links (?period=2024&unit=JF&line=lectures&type=lecture_event&status=approved).
        self.fields["unit"] = UnitChoiceField(units, label="单位（含下级）", required=False, empty_label="全部单位",
                                              to_field_name="code")
        self.fields["activity_type"].choices = activity_type_choices(blank="全部类型")  # type: ignore[attr-defined]
        self.parsed_period: Period | None = None
        self.user = user
        self.figure: FigureFilter | None = None

    def clean_period(self) -> str:
        spec: str = self.cleaned_data.get("period") or ""
        if spec:
            try:
                self.parsed_period = parse_period(spec)
            except InvalidInput as exc:
                raise forms.ValidationError(exc.message) from exc
        return spec

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        start, end = data.get("date_from"), data.get("date_to")
        if start and end and end < start:
            self.add_error("date_to", "截止日期不能早于起始日期")
        notice = ids_notice(data.get("ids") or "", what="记录编号")
        if notice:  # the ids kept still filter (none left: an empty list), never all records
            self.add_error(None, notice)
        if data.get("metric") or data.get("level") or "metric" in self.errors or "level" in self.errors:
            self._clean_figure(data)
        return data

    def _clean_figure(self, data: dict[str, Any]) -> None:
        """The figure behind ?metric=&period=&unit=[&level=] (`self.figure`), or a non-field error. A figure whose
        unit or period is in error is not computed: it would be another figure (a wider scope)."""
        if "metric" in self.errors or "level" in self.errors:
            self.add_error(None, "指标或媒体级别参数无效，无法列出该统计数字的记录")
            return
        if "unit" in self.errors or "period" in self.errors:
            self.add_error(None, "时间段或单位有误，无法列出该统计数字的记录")
            return
        try:
            self.figure = figure_filter(data.get("metric") or "", period=self.parsed_period, unit=data.get("unit"),
                                        level=data.get("level") or "", user=self.user)
        except InvalidInput as exc:
            self.add_error(None, exc.message)

    def id_list(self) -> list[int]:
        return parse_ids(self.cleaned_data.get("ids") or "") if self.is_bound and hasattr(self, "cleaned_data") else []

    def filter(self, qs: QuerySet[Record]) -> QuerySet[Record]:
        """Apply the valid filters (invalid ones are shown as errors and ignored)."""
        data = getattr(self, "cleaned_data", {})
        ids = parse_ids(data.get("ids") or "")
        if data.get("ids"):
            qs = qs.filter(pk__in=ids)
        if self.figure is not None:
            qs = self.figure.apply(qs)
        elif self.is_bound and (self.data.get("metric") or self.data.get("level")):
            return qs.none()  # a figure asked for and refused: listing other records would pass them off as its
        if data.get("batch"):
            qs = qs.filter(import_batch_id=data["batch"])
        # a figure's period and unit are its own query's (`self.figure`); filtered again here, the planner
        # scanned every record of the period before joining the figure's few (4 s at 2 M records)
        if self.parsed_period is not None and self.figure is None:
            period = self.parsed_period
            qs = qs.filter(start_date__gte=period.start, start_date__lte=period.end)
        if data.get("date_from"):
            qs = qs.filter(start_date__gte=data["date_from"])
        if data.get("date_to"):
            qs = qs.filter(start_date__lte=data["date_to"])
        if data.get("unit") and self.figure is None:
            # the subtree's ids, not a join on the path: PostgreSQL estimates `path LIKE '/1/%'` at one unit and
            # then reads every record of the period unit by unit (4.8 s for the district's year at 2 M records)
            subtree = Unit.objects.filter(path__startswith=data["unit"].path).values_list("id", flat=True)
            qs = qs.filter(unit_id__in=list(subtree))
        if data.get("line"):
            qs = qs.filter(activity_type__line=data["line"])
        if data.get("activity_type"):
            qs = qs.filter(activity_type_id=data["activity_type"])
        if data.get("type"):
            qs = qs.filter(activity_type__key=data["type"])
        if data.get("status"):
            qs = qs.filter(status=data["status"])
        elif not data.get("ids"):
            qs = qs.exclude(status=Record.Status.SUPERSEDED)
        if data.get("source"):
            qs = qs.filter(source=data["source"])
        if data.get("q"):
            q = data["q"].strip()
            qs = qs.filter(Q(title__icontains=q) | Q(description__icontains=q) | Q(location__icontains=q))
        return qs.order_by(*self.SORTS.get(data.get("sort") or "-date", self.SORTS["-date"]))


# ---------------------------------------------------------------------------------------------------------------
# The record form
# ---------------------------------------------------------------------------------------------------------------
def figure_field_name(metric_key: str) -> str:
    return f"fig_{metric_key}"


class RecordForm(forms.Form):
    """Create or edit a record. Figure fields (fig_<metric key>) and, for placement types, the placement fields
    are added for the chosen activity type."""

    PLACEMENT_FIELDS = ("outlet", "article_title", "url", "page", "is_headline", "is_front_page", "is_long",
                        "word_count", "credited_units")

    unit = UnitChoiceField(label="填报单位")
    activity_type = forms.TypedChoiceField(label="活动类型", coerce=int, empty_value=None)
    # No max_length: a browser's maxlength attribute cuts a pasted title silently; clean_title says how long it is.
    title = forms.CharField(label="标题",
                            widget=forms.TextInput(attrs={"placeholder": "如：东城街道开展理论宣讲进社区活动"}))
    start_date = RecordDateField(label="日期", widget=DATE_INPUT)
    end_date = RecordDateField(label="结束日期", required=False, widget=DATE_INPUT,
                               help_text="持续多日的活动填写；单日活动留空")
    location = forms.CharField(label="地点", max_length=200, required=False)
    description = forms.CharField(label="内容简介", required=False, max_length=5000,
                                  widget=forms.Textarea(attrs={"rows": 4}))
    idempotency_key = forms.CharField(required=False, max_length=64, widget=forms.HiddenInput)
    version = forms.IntegerField(required=False, min_value=1, widget=forms.HiddenInput)
    file = EvidenceFilesField(label="佐证材料（可选）")

    def __init__(self, *args: Any, user: Any, activity_type: ActivityType | None = None,
                 record: Record | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["file"].widget.attrs["accept"] = accept_attribute(EVIDENCE_TYPES)
        self.fields["file"].help_text = evidence_help()
        self.user = user
        self.record = record
        self.selected_type = activity_type
        units = unit_queryset(user, Cap.EDIT_RECORDS)
        if record is not None:
            units = units | Unit.objects.filter(pk=record.unit_id)
        self.fields["unit"] = UnitChoiceField(units.distinct().order_by("path"), label="填报单位",
                                              empty_label="请选择单位")
        type_field = self.fields["activity_type"]
        type_field.choices = activity_type_choices(include=record.activity_type if record else None)  # type: ignore[attr-defined]
        type_field.widget.attrs.update({
            "hx-post": reverse("ledger:record_type_fields"), "hx-trigger": "change", "hx-target": "#tz-type-fields",
            "hx-swap": "innerHTML", "hx-include": "closest form",
        })
        if not self.is_bound and not self.initial.get("idempotency_key"):
            self.initial["idempotency_key"] = uuid.uuid4().hex
        self.figure_links: list[ActivityTypeMetric] = []
        if activity_type is not None:
            self._add_figure_fields(activity_type)
            if activity_type.kind == ActivityType.Kind.PLACEMENT:
                self._add_placement_fields(user, record)

    # -- dynamic fields --------------------------------------------------------------------------------------
    def _add_figure_fields(self, activity_type: ActivityType) -> None:
        self.figure_links = type_metrics(activity_type)
        for link in self.figure_links:
            metric = link.metric
            attrs = {"inputmode": "decimal" if metric.value_type == MetricDefinition.ValueType.DECIMAL else "numeric",
                     "autocomplete": "off"}
            if link.default is not None:
                attrs["placeholder"] = f"默认 {fmt_decimal(link.default)}"
            help_parts = [f"单位：{metric.measure_word}"]
            if metric.max_value is not None and metric.max_value < 100000:  # a real bound, e.g. a rate 0–100
                low = fmt_decimal(metric.min_value) if metric.min_value is not None else ""
                help_parts.append(f"范围 {low}～{fmt_decimal(metric.max_value)}")
            if metric.value_type == MetricDefinition.ValueType.DECIMAL:
                help_parts.append("可填小数")
            field = forms.CharField(label=metric.label, required=False, max_length=30,
                                    widget=forms.TextInput(attrs=attrs), help_text="，".join(help_parts))
            field.tz_required = link.required  # type: ignore[attr-defined]
            field.tz_measure_word = metric.measure_word  # type: ignore[attr-defined]
            self.fields[figure_field_name(metric.key)] = field

    def _add_placement_fields(self, user: Any, record: Record | None) -> None:
        selected = None
        raw = self.data.get("outlet") if self.is_bound else self.initial.get("outlet")
        if raw and str(raw).isdigit():
            selected = int(str(raw))
        self.fields["outlet"] = forms.TypedChoiceField(
            label="媒体", coerce=int, choices=outlet_choices(selected=selected),
            help_text="可在上方输入媒体名称或别称筛选",
        )
        self.fields["article_title"] = forms.CharField(label="稿件标题", max_length=300)
        self.fields["url"] = forms.URLField(label="链接", max_length=500, required=False,
                                            assume_scheme="https")
        self.fields["page"] = forms.CharField(label="版面/栏目/节目", max_length=100, required=False)
        self.fields["is_headline"] = forms.BooleanField(label="头条", required=False)
        self.fields["is_front_page"] = forms.BooleanField(label="头版", required=False)
        self.fields["is_long"] = forms.BooleanField(label="千字以上长稿", required=False)
        self.fields["word_count"] = forms.IntegerField(label="字数", required=False, min_value=0,
                                                       max_value=1_000_000)
        units = Unit.objects.visible_to(user, Cap.VIEW).filter(is_active=True)
        if record is not None:
            units = units | Unit.objects.filter(credited_placements__record=record)
        self.fields["credited_units"] = UnitMultipleChoiceField(
            label="署名单位", required=False, queryset=units.distinct().order_by("path"),
            help_text="稿件署名的单位（可多选）；不选则记在填报单位名下，多个单位平均分配",
            widget=UnitTreeSelectMultiple(attrs={"size": "6"}),
        )

    # -- groups for the template -------------------------------------------------------------------------------
    def figure_fields(self) -> list[forms.BoundField]:
        return [self[figure_field_name(link.metric.key)] for link in self.figure_links]

    def placement_fields(self) -> list[forms.BoundField]:
        return [self[name] for name in self.PLACEMENT_FIELDS if name in self.fields]

    @property
    def is_placement(self) -> bool:
        return self.selected_type is not None and self.selected_type.kind == ActivityType.Kind.PLACEMENT

    # -- cleaning ------------------------------------------------------------------------------------------------
    def clean_title(self) -> str:
        title: str = self.cleaned_data["title"]
        problem = title_problem(title)
        if problem:
            raise forms.ValidationError(problem)
        return title

    def clean_start_date(self) -> Any:
        day = self.cleaned_data.get("start_date")
        problem = future_date_problem(day, timezone.localdate()) if day else None
        if problem:
            raise forms.ValidationError(problem)
        return day

    def clean_activity_type(self) -> ActivityType | None:
        pk = self.cleaned_data.get("activity_type")
        if pk is None:
            return None
        atype = ActivityType.objects.select_related("line").filter(pk=pk).first()
        if atype is None:
            raise forms.ValidationError("请选择有效的活动类型")
        return atype

    def clean_outlet(self) -> Outlet:
        pk = self.cleaned_data.get("outlet")
        outlet = Outlet.objects.filter(pk=pk).first() if pk else None
        if outlet is None:
            raise forms.ValidationError("请选择媒体")
        return outlet

    def record_values(self) -> dict[str, Any]:
        d = self.cleaned_data
        return {
            "unit": d["unit"], "activity_type": d["activity_type"], "title": d["title"],
            "start_date": d["start_date"], "end_date": d.get("end_date"), "description": d.get("description", ""),
            "location": d.get("location", ""),
        }

    def evidence_files(self) -> list[Any]:
        return list(self.cleaned_data.get("file") or [])

    def figures(self) -> dict[str, str]:
        return {link.metric.key: (self.cleaned_data.get(figure_field_name(link.metric.key)) or "").strip()
                for link in self.figure_links}

    def placement_input(self) -> PlacementInput | None:
        if not self.is_placement:
            return None
        d = self.cleaned_data
        units = list(d.get("credited_units") or [])
        credits: list[tuple[Unit, Decimal]] = []
        if units:
            share = (Decimal(1) / len(units)).quantize(Decimal("0.0001"), rounding=ROUND_DOWN)
            credits = [(u, share) for u in units]
            credits[-1] = (units[-1], Decimal(1) - share * (len(units) - 1))
        return PlacementInput(
            outlet=d["outlet"], article_title=d["article_title"], url=d.get("url") or "", page=d.get("page") or "",
            is_headline=bool(d.get("is_headline")), is_front_page=bool(d.get("is_front_page")),
            is_long=bool(d.get("is_long")), word_count=d.get("word_count"), credited_units=credits,
        )

    def add_action_errors(self, errors: dict[str, list[str]]) -> None:
        """Put InvalidInput.errors (keys like "title", "figure:<metric key>") next to their fields."""
        for key, messages in errors.items():
            name = figure_field_name(key.split(":", 1)[1]) if key.startswith("figure:") else key
            for message in messages:
                if name in self.fields:
                    self.add_error(name, message)
                else:
                    self.add_error(None, message)


def record_initial(record: Record) -> dict[str, Any]:
    """Initial data of the edit form from a stored record."""
    initial: dict[str, Any] = {
        "unit": record.unit_id, "activity_type": record.activity_type_id, "title": record.title,
        "start_date": record.start_date, "end_date": record.end_date, "location": record.location,
        "description": record.description, "version": record.version,
    }
    for key, value in record.figure_map().items():
        initial[figure_field_name(key)] = fmt_decimal(value)
    placement = Placement.objects.filter(record=record).first()
    if placement is not None:
        initial.update({
            "outlet": placement.outlet_id, "article_title": placement.article_title, "url": placement.url,
            "page": placement.page, "is_headline": placement.is_headline, "is_front_page": placement.is_front_page,
            "is_long": placement.is_long, "word_count": placement.word_count,
            "credited_units": [c.unit_id for c in placement.credits.all()],
        })
    return initial


# ---------------------------------------------------------------------------------------------------------------
# Evidence and review
# ---------------------------------------------------------------------------------------------------------------
class EvidenceUploadForm(forms.Form):
    url = forms.CharField(label="或添加链接", required=False, max_length=2000,
                          widget=forms.URLInput(attrs={"placeholder": "https://…"}))
    link_title = forms.CharField(label="链接说明", required=False, max_length=200)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.accept = accept_attribute(EVIDENCE_TYPES)


class ReviewFilterForm(forms.Form):
    unit = UnitChoiceField(label="单位（含下级）", required=False, empty_label="全部单位")
    line = forms.ModelChoiceField(label="工作线", required=False, queryset=LineOfWork.objects.all(),
                                  empty_label="全部工作线")
    activity_type = forms.TypedChoiceField(label="活动类型", required=False, coerce=int, empty_value=None)

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["unit"] = UnitChoiceField(unit_queryset(user, Cap.REVIEW_RECORDS), label="单位（含下级）",
                                              required=False, empty_label="全部单位")
        self.fields["activity_type"].choices = activity_type_choices(blank="全部类型")  # type: ignore[attr-defined]

    def filter(self, qs: QuerySet[Record]) -> QuerySet[Record]:
        data = getattr(self, "cleaned_data", {})
        if data.get("unit"):
            # the subtree's ids, not a join on the path (see RecordFilterForm.filter)
            subtree = Unit.objects.filter(path__startswith=data["unit"].path).values_list("id", flat=True)
            qs = qs.filter(unit_id__in=list(subtree))
        if data.get("line"):
            qs = qs.filter(activity_type__line=data["line"])
        if data.get("activity_type"):
            qs = qs.filter(activity_type_id=data["activity_type"])
        return qs


# ---------------------------------------------------------------------------------------------------------------
# Taxonomy administration
# ---------------------------------------------------------------------------------------------------------------
def split_aliases(text: str) -> list[str]:
    seen: list[str] = []
    for part in text.replace("，", ",").replace("、", ",").replace("\n", ",").split(","):
        part = part.strip()
        if part and part not in seen:
            seen.append(part)
    return seen


class AliasesField(forms.CharField):
    def prepare_value(self, value: Any) -> Any:
        if isinstance(value, (list, tuple)):
            return "，".join(str(v) for v in value)
        return value

    def to_python(self, value: Any) -> list[str]:  # type: ignore[override]
        return split_aliases(str(value or ""))


class MetricForm(forms.Form):
    name = forms.CharField(label="名称", max_length=60)
    measure_word = forms.CharField(label="量词/单位", max_length=8, help_text="如：场、人次、篇、万元、%")
    kind = forms.ChoiceField(label="类别", choices=MetricDefinition.Kind.choices)
    value_type = forms.ChoiceField(label="数值类型", choices=MetricDefinition.ValueType.choices)
    min_value = forms.DecimalField(label="最小值", required=False, max_digits=18, decimal_places=4)
    max_value = forms.DecimalField(label="最大值", required=False, max_digits=18, decimal_places=4)
    aggregation = forms.ChoiceField(label="汇总方式", choices=MetricDefinition.Aggregation.choices)
    aliases = AliasesField(label="别称", required=False, max_length=1000,
                           help_text="用逗号分隔；总结提取时按别称识别该指标")
    sort_order = forms.IntegerField(label="排序", initial=0, min_value=0, max_value=SORT_ORDER_MAX,
                                    error_messages={"min_value": SORT_ORDER_MESSAGE, "max_value": SORT_ORDER_MESSAGE,
                                                    "invalid": SORT_ORDER_MESSAGE})
    is_active = forms.BooleanField(label="启用", required=False)
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1)

    FIELDS = ("name", "measure_word", "kind", "value_type", "min_value", "max_value", "aggregation", "aliases",
              "sort_order", "is_active")

    @classmethod
    def initial_for(cls, metric: MetricDefinition) -> dict[str, Any]:
        data: dict[str, Any] = {f: getattr(metric, f) for f in cls.FIELDS}
        data["min_value"] = fmt_decimal(metric.min_value)
        data["max_value"] = fmt_decimal(metric.max_value)
        data["version"] = metric.version
        return data

    def changes(self, metric: MetricDefinition) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for f in self.FIELDS:
            new, old = self.cleaned_data.get(f), getattr(metric, f)
            if isinstance(old, Decimal) or isinstance(new, Decimal):
                same = (old is None and new is None) or (old is not None and new is not None and Decimal(old) == new)
            else:
                same = old == new
            if not same:
                out[f] = new
        return out


class OutletForm(forms.Form):
    name = forms.CharField(label="媒体名称", max_length=100)
    aliases = AliasesField(label="别称", required=False, max_length=1000,
                           help_text="用逗号分隔，如：人民日报社，人民网")
    level = forms.ChoiceField(label="级别", choices=Outlet.Level.choices)
    kind = forms.ChoiceField(label="类型", choices=Outlet.Kind.choices)
    is_active = forms.BooleanField(label="启用", required=False, initial=True)
    version = forms.IntegerField(required=False, widget=forms.HiddenInput)

    FIELDS = ("name", "aliases", "level", "kind", "is_active")
