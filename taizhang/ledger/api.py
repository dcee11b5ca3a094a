"""The ledger's REST API: taxonomy, outlets, records (with the review workflow), placements and figures."""

from __future__ import annotations

import datetime
from typing import Any

from django.db.models import QuerySet
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, inline_serializer
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from taizhang.core.api_base import HasCap
from taizhang.core.errors import InvalidInput, NotPermitted
from taizhang.core.periods import parse_period
from taizhang.core.querysets import get_scoped, parse_ids
from taizhang.ledger import actions
from taizhang.ledger.figures import compute, resolve_metric
from taizhang.ledger.models import ActivityType, LineOfWork, MetricDefinition, Outlet, Placement, Record
from taizhang.ledger.taxonomy import outlet_for_name
from taizhang.ledger.validation import impossible_date
from taizhang.org.models import Unit
from taizhang.org.roles import Cap


class LineSerializer(serializers.ModelSerializer[LineOfWork]):
    class Meta:
        model = LineOfWork
        fields = ["key", "name", "sort_order", "is_active"]


class MetricSerializer(serializers.ModelSerializer[MetricDefinition]):
    line: serializers.SlugRelatedField[LineOfWork] = serializers.SlugRelatedField(slug_field="key", read_only=True)

    class Meta:
        model = MetricDefinition
        fields = [
            "key",
            "name",
            "line",
            "measure_word",
            "kind",
            "value_type",
            "min_value",
            "max_value",
            "aggregation",
            "aliases",
            "version",
            "is_active",
        ]


class TypeMetricSerializer(serializers.Serializer[Any]):
    metric = serializers.CharField(source="metric.key")
    required = serializers.BooleanField()  # type: ignore[assignment]
    default = serializers.DecimalField(max_digits=18, decimal_places=4, allow_null=True)


class ActivityTypeSerializer(serializers.ModelSerializer[ActivityType]):
    line: serializers.SlugRelatedField[LineOfWork] = serializers.SlugRelatedField(slug_field="key", read_only=True)
    metrics = TypeMetricSerializer(source="type_metrics", many=True, read_only=True)

    class Meta:
        model = ActivityType
        fields = ["key", "name", "line", "kind", "description", "metrics", "is_active"]


class OutletSerializer(serializers.ModelSerializer[Outlet]):
    class Meta:
        model = Outlet
        fields = ["id", "name", "aliases", "level", "kind", "is_active"]


class TaxonomyViewSet(viewsets.ReadOnlyModelViewSet[Any]):
    permission_classes = [HasCap]
    lookup_field = "key"


class LineViewSet(TaxonomyViewSet):
    queryset = LineOfWork.objects.all()
    serializer_class = LineSerializer


class MetricViewSet(TaxonomyViewSet):
    queryset = MetricDefinition.objects.select_related("line")
    serializer_class = MetricSerializer


class ActivityTypeViewSet(TaxonomyViewSet):
    queryset = ActivityType.objects.select_related("line").prefetch_related("type_metrics__metric")
    serializer_class = ActivityTypeSerializer


class OutletViewSet(viewsets.ReadOnlyModelViewSet[Outlet]):
    queryset = Outlet.objects.all()
    serializer_class = OutletSerializer
    permission_classes = [HasCap]


class PlacementSerializer(serializers.ModelSerializer[Placement]):
    outlet = serializers.CharField(source="outlet.name", read_only=True)
    credited_units: serializers.SlugRelatedField[Unit] = serializers.SlugRelatedField(
        slug_field="code", many=True, read_only=True
    )

    class Meta:
        model = Placement
        fields = [
            "outlet",
            "outlet_level",
            "article_title",
            "url",
            "page",
            "is_headline",
            "is_front_page",
            "is_long",
            "word_count",
            "story_key",
            "credited_units",
        ]


class PlacementInputSerializer(serializers.Serializer[Any]):
    outlet = serializers.CharField(help_text="媒体名称或别称（见媒体名录）")
    article_title = serializers.CharField(max_length=300)
    url = serializers.URLField(required=False, allow_blank=True, default="")
    page = serializers.CharField(required=False, allow_blank=True, default="", max_length=100)
    is_headline = serializers.BooleanField(required=False, default=False)
    is_front_page = serializers.BooleanField(required=False, default=False)
    is_long = serializers.BooleanField(required=False, default=False)
    word_count = serializers.IntegerField(required=False, allow_null=True, default=None, min_value=0)


class RecordSerializer(serializers.ModelSerializer[Record]):
    unit: serializers.SlugRelatedField[Unit] = serializers.SlugRelatedField(slug_field="code", read_only=True)
    activity_type: serializers.SlugRelatedField[ActivityType] = serializers.SlugRelatedField(
        slug_field="key", read_only=True
    )
    figures = serializers.SerializerMethodField()
    placement = PlacementSerializer(read_only=True, allow_null=True)

    class Meta:
        model = Record
        fields = [
            "id",
            "unit",
            "activity_type",
            "title",
            "start_date",
            "end_date",
            "description",
            "location",
            "status",
            "source",
            "figures",
            "placement",
            "revision_of",
            "review_comment",
            "submitted_at",
            "reviewed_at",
            "created_at",
            "updated_at",
            "version",
        ]

    def get_figures(self, obj: Record) -> dict[str, float]:  # "number" (integers are numbers too)
        out: dict[str, float] = {}
        for f in obj.figures.all():
            v = f.value
            out[f.metric.key] = int(v) if v == v.to_integral_value() else float(v)
        return out


class RecordDateField(serializers.DateField):
    """Says "日期不存在：2025-02-30" for a well-formed day that does not exist (not "wrong format")."""

    def to_internal_value(self, value: Any) -> datetime.date:
        problem = impossible_date(value)
        if problem:
            raise serializers.ValidationError(problem)
        return super().to_internal_value(value)


class RecordWriteSerializer(serializers.Serializer[Any]):
    unit = serializers.CharField(help_text="单位代码")
    activity_type = serializers.CharField(help_text="活动类型标识")
    title = serializers.CharField()  # the length is checked by the action: "标题过长：最多 200 字（现为 N 字）"
    start_date = RecordDateField()
    end_date = RecordDateField(required=False, allow_null=True, default=None)
    description = serializers.CharField(required=False, allow_blank=True, default="")
    location = serializers.CharField(required=False, allow_blank=True, default="", max_length=200)
    figures = serializers.DictField(child=serializers.CharField(allow_blank=True), required=False, default=dict)
    placement = PlacementInputSerializer(required=False, allow_null=True, default=None)
    submit = serializers.BooleanField(required=False, default=False)
    version = serializers.IntegerField(required=False, help_text="修改时必填：读取时的版本号（乐观锁）")


def _placement_input(data: dict[str, Any] | None) -> actions.PlacementInput | None:
    if not data:
        return None
    outlet = outlet_for_name(data["outlet"])
    if outlet is None:
        raise InvalidInput(f"媒体名录中没有“{data['outlet']}”", {"placement.outlet": ["未知媒体"]})
    return actions.PlacementInput(
        outlet=outlet,
        article_title=data["article_title"],
        url=data.get("url", ""),
        page=data.get("page", ""),
        is_headline=data.get("is_headline", False),
        is_front_page=data.get("is_front_page", False),
        is_long=data.get("is_long", False),
        word_count=data.get("word_count"),
    )


def _lookup(model: Any, label: str, **kwargs: Any) -> Any:
    obj = model.objects.filter(**kwargs).first()
    if obj is None:
        raise InvalidInput(f"未知{label}：{next(iter(kwargs.values()))}", {next(iter(kwargs)): [f"未知{label}"]})
    return obj


class RecordViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet[Record]):
    """Records the user may see. Create/update take figures by metric key; workflow steps are POST actions."""

    serializer_class = RecordSerializer
    permission_classes = [HasCap]
    read_cap = Cap.VIEW
    write_cap = Cap.VIEW  # each action checks its own capability in the unit

    def get_queryset(self) -> QuerySet[Record]:
        qs = (
            Record.objects.visible_to(self.request.user, Cap.VIEW)
            .select_related("unit", "activity_type", "placement__outlet")
            .prefetch_related("figures__metric", "placement__credited_units")
        )
        params = self.request.query_params
        if params.get("period"):
            period = parse_period(params["period"])
            qs = qs.filter(start_date__gte=period.start, start_date__lte=period.end)
        if params.get("unit"):
            unit = _lookup(Unit, "单位", code=params["unit"])
            qs = qs.filter(unit__path__startswith=unit.path)
        for param, lookup in (
            ("status", "status"),
            ("source", "source"),
            ("type", "activity_type__key"),
            ("line", "activity_type__line__key"),
        ):
            if params.get(param):
                qs = qs.filter(**{lookup: params[param]})
        if params.get("ids"):
            qs = qs.filter(pk__in=parse_ids(params["ids"]))  # digits only, within 64 bits, at most 1000
        return qs.order_by("-start_date", "-id")

    @extend_schema(
        parameters=[
            OpenApiParameter(p, OpenApiTypes.STR, description=d)
            for p, d in (
                ("period", "时间段 SPEC"),
                ("unit", "单位代码（含下级）"),
                ("status", "状态"),
                ("source", "来源"),
                ("type", "活动类型"),
                ("line", "工作线"),
                ("ids", "记录 id，逗号分隔"),
            )
        ]
    )
    def list(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().list(request, *args, **kwargs)

    def _record(self, pk: Any) -> Record:
        return get_scoped(Record.objects.select_related("unit", "activity_type"), self.request.user, Cap.VIEW, pk=pk)

    @extend_schema(request=RecordWriteSerializer, responses={201: RecordSerializer})
    def create(self, request: Request) -> Response:
        data = _valid(RecordWriteSerializer, request.data)
        record = actions.create_record(
            acting_user=request.user,
            unit=_lookup(Unit, "单位", code=data["unit"]),
            activity_type=_lookup(ActivityType, "活动类型", key=data["activity_type"]),
            title=data["title"],
            start_date=data["start_date"],
            end_date=data["end_date"],
            description=data["description"],
            location=data["location"],
            figures=data["figures"],
            source=Record.Source.API,
            placement=_placement_input(data["placement"]),
            submit=data["submit"],
            idempotency_key=request.headers.get("Idempotency-Key") or None,
        )
        return Response(RecordSerializer(self._record(record.pk)).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=RecordWriteSerializer, responses={200: RecordSerializer})
    def partial_update(self, request: Request, pk: Any = None) -> Response:
        record = self._record(pk)
        data = _valid(RecordWriteSerializer, request.data, partial=True)
        if "version" not in data:
            raise InvalidInput("修改记录须提供 version（读取时的版本号）", {"version": ["必填"]})
        values: dict[str, Any] = {
            k: data[k] for k in ("title", "start_date", "end_date", "description", "location") if k in request.data
        }
        actions.update_record(
            acting_user=request.user,
            record=record,
            expected_version=data["version"],
            figures=data["figures"] if "figures" in request.data else None,
            placement=_placement_input(data.get("placement")),
            **values,
        )
        return Response(RecordSerializer(self._record(record.pk)).data)

    def _workflow(self, request: Request, pk: Any, step: str) -> Response:
        record = self._record(pk)
        comment = str(request.data.get("comment", request.data.get("reason", "")))
        if step == "submit":
            actions.submit_record(acting_user=request.user, record=record)
        elif step == "approve":
            actions.approve_record(acting_user=request.user, record=record, comment=comment)
        elif step == "return":
            actions.return_record(acting_user=request.user, record=record, reason=comment)
        elif step == "withdraw":
            actions.withdraw_record(acting_user=request.user, record=record)
        elif step == "revise":
            record = actions.revise_record(acting_user=request.user, record=record)
        return Response(RecordSerializer(self._record(record.pk)).data)

    _comment = inline_serializer("WorkflowComment", {"comment": serializers.CharField(required=False)})

    @extend_schema(request=None, responses=RecordSerializer)
    @action(detail=True, methods=["post"])
    def submit(self, request: Request, pk: Any = None) -> Response:
        return self._workflow(request, pk, "submit")

    @extend_schema(request=_comment, responses=RecordSerializer)
    @action(detail=True, methods=["post"])
    def approve(self, request: Request, pk: Any = None) -> Response:
        return self._workflow(request, pk, "approve")

    @extend_schema(
        request=inline_serializer("ReturnReason", {"reason": serializers.CharField()}), responses=RecordSerializer
    )
    @action(detail=True, methods=["post"], url_path="return")
    def return_(self, request: Request, pk: Any = None) -> Response:
        return self._workflow(request, pk, "return")

    @extend_schema(request=None, responses=RecordSerializer)
    @action(detail=True, methods=["post"])
    def withdraw(self, request: Request, pk: Any = None) -> Response:
        return self._workflow(request, pk, "withdraw")

    @extend_schema(request=None, responses=RecordSerializer)
    @action(detail=True, methods=["post"])
    def revise(self, request: Request, pk: Any = None) -> Response:
        return self._workflow(request, pk, "revise")


def _valid(serializer_class: Any, data: Any, partial: bool = False) -> dict[str, Any]:
    serializer = serializer_class(data=data, partial=partial)
    if not serializer.is_valid():
        raise InvalidInput("请求数据有误", {k: [str(m) for m in v] for k, v in serializer.errors.items()})
    return dict(serializer.validated_data)


class PlacementViewSet(mixins.ListModelMixin, viewsets.GenericViewSet[Placement]):
    serializer_class = PlacementSerializer
    permission_classes = [HasCap]

    def get_queryset(self) -> QuerySet[Placement]:
        return (
            Placement.objects.visible_to(self.request.user, Cap.VIEW)
            .select_related("outlet", "record")
            .prefetch_related("credited_units")
            .order_by("-record__start_date")
        )


class FigureView(APIView):
    """GET /api/figures/?metric=KEY&unit=CODE&period=SPEC&by=unit|month|level — value and its records."""

    permission_classes = [HasCap]

    @extend_schema(
        parameters=[
            OpenApiParameter("metric", OpenApiTypes.STR, required=True, description="指标标识"),
            OpenApiParameter("unit", OpenApiTypes.STR, description="单位代码（含下级）"),
            OpenApiParameter("period", OpenApiTypes.STR, description="时间段 SPEC，默认当年"),
            OpenApiParameter("by", OpenApiTypes.STR, enum=["unit", "month", "level"]),
        ],
        responses=inline_serializer(
            "Figure",
            {
                "metric": serializers.CharField(),
                "unit": serializers.CharField(allow_null=True),
                "period": serializers.DictField(),
                "value": serializers.FloatField(),
                "records": serializers.ListField(child=serializers.IntegerField()),
                "breakdown": serializers.ListField(child=serializers.DictField()),
            },
        ),
    )
    def get(self, request: Request) -> Response:
        params = request.query_params
        if not params.get("metric"):
            raise InvalidInput("缺少参数 metric", {"metric": ["必填"]})
        period = parse_period(params.get("period") or str(datetime.date.today().year))
        unit = params.get("unit") or None
        if unit is not None:
            scoped = _lookup(Unit, "单位", code=unit)
            from taizhang.org.scoping import can_in_unit

            if not can_in_unit(request.user, Cap.VIEW, scoped):
                raise NotPermitted("您无权查看该单位的数据。")
        by = params.get("by") or None
        try:
            metric = resolve_metric(params["metric"])
        except InvalidInput:  # its message names the CLI (`taizhang metrics`); an API user lists them by the API
            key = params["metric"][:64]
            raise InvalidInput(
                f"未知指标“{key}”。可用指标见 GET /api/taxonomy/metrics/（metric 填其中的 key）。",
                {"metric": ["未知指标"]},
            ) from None
        result = compute(metric, period=period, unit=unit, by=by, user=request.user)  # type: ignore[arg-type]
        return Response(result.to_dict())
