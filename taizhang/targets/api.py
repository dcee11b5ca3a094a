"""REST API of targets and assessment: targets with progress, schemes, runs (published for everyone, drafts for
staff), bonus/deduction entries, bulletins. Every change goes through targets.actions."""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import Any

from django.db.models import QuerySet
from django.http import Http404
from django.utils import timezone
from drf_spectacular.drainage import set_override
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
from taizhang.core.querysets import get_scoped
from taizhang.org.models import Unit
from taizhang.org.roles import Cap
from taizhang.org.scoping import can_in_unit
from taizhang.targets import actions, progress
from taizhang.targets.models import Adjustment, AssessmentRun, Bulletin, Scheme, Target
from taizhang.targets.views.common import visible_unit_ids


def _num(value: Decimal | None) -> int | float | None:
    if value is None:
        return None
    return int(value) if value == value.to_integral_value() else float(value)


class AllocationSerializer(serializers.Serializer[Any]):
    unit = serializers.CharField(source="unit.code")
    value = serializers.DecimalField(max_digits=18, decimal_places=4)


class TargetSerializer(serializers.ModelSerializer[Target]):
    owner: serializers.SlugRelatedField[Unit] = serializers.SlugRelatedField(slug_field="code", read_only=True)
    metric: serializers.SlugRelatedField[Any] = serializers.SlugRelatedField(slug_field="key", read_only=True)
    activity_type: serializers.SlugRelatedField[Any] = serializers.SlugRelatedField(slug_field="key", read_only=True)
    allocations = serializers.SerializerMethodField()

    class Meta:
        model = Target
        fields = ["id", "year", "key", "name", "owner", "metric", "outlet_levels", "activity_type", "value",
                  "plan_kind", "monthly_plan", "allocation_method", "allow_over_allocation", "allocations", "version"]

    def get_allocations(self, obj: Target) -> list[dict[str, Any]]:
        visible = self.context.get("visible")
        return [{"unit": a.unit.code, "value": str(a.value)} for a in obj.allocations.select_related("unit")
                if visible is None or a.unit_id in visible or obj.owner_id in visible]


class TargetViewSet(viewsets.ReadOnlyModelViewSet[Target]):
    """Targets of a year (?year=, default this year) the user sees, with allocations; /progress/ adds actuals."""

    serializer_class = TargetSerializer
    permission_classes = [HasCap]

    def get_queryset(self) -> QuerySet[Target]:
        from django.db.models import Q

        visible = Unit.objects.visible_to(self.request.user, Cap.VIEW)
        qs = Target.objects.filter(Q(owner__in=visible) | Q(allocations__unit__in=visible)).distinct()
        if self.action == "list":
            raw = str(self.request.query_params.get("year") or timezone.localdate().year)
            if not (raw.isascii() and raw.isdigit() and len(raw) == 4 and 1900 <= int(raw) <= 2199):
                raise InvalidInput("year 应为 1900–2199 之间的年份", {"year": ["应为四位年份"]})
            year = int(raw)
            qs = qs.filter(year=year)
        return qs.select_related("owner", "metric", "activity_type").order_by("-year", "sort_order", "key")

    def get_serializer_context(self) -> dict[str, Any]:
        return {**super().get_serializer_context(), "visible": visible_unit_ids(self.request.user)}

    @extend_schema(parameters=[OpenApiParameter("as_of", OpenApiTypes.DATE, description="截至日期，默认今天")],
                   responses=inline_serializer("TargetProgress", {
                       "target": serializers.CharField(), "expected": serializers.FloatField(),
                       "rows": serializers.ListField(child=serializers.DictField())}))
    @action(detail=True, methods=["get"])
    def progress(self, request: Request, pk: Any = None) -> Response:
        target = self.get_object()
        raw = request.query_params.get("as_of")
        try:
            as_of = datetime.date.fromisoformat(raw) if raw else timezone.localdate()
        except ValueError as exc:
            raise InvalidInput("as_of 应为 YYYY-MM-DD", {"as_of": ["日期格式有误"]}) from exc
        prog = progress.target_progress(target, as_of=as_of, visible=visible_unit_ids(request.user))
        rows = ([prog.total] if prog.total else []) + prog.rows
        return Response({
            "target": target.key, "year": target.year, "as_of": prog.period.end.isoformat(),
            "expected": _num(prog.expected),
            "rows": [{"unit": r.unit.code, "total": r.is_total, "target_value": _num(r.target_value),
                      "actual": _num(r.actual.value), "completion": _num(r.completion), "lagging": r.lagging,
                      "records": r.actual.records} for r in rows],
        })


# The list is answered whole, as one object {"results": [...]}: not an array, not paginated.
SCHEME_LIST = inline_serializer("SchemeList", {"results": serializers.ListField()})
set_override(SCHEME_LIST, "many", False)


class SchemeViewSet(viewsets.ReadOnlyModelViewSet[Scheme]):
    """Schemes with the current version's content (everyone with `view` may read the rules)."""

    permission_classes = [HasCap]
    lookup_field = "key"
    pagination_class = None  # a short list, answered whole as {"results": [...]} (the schema says so too)
    queryset = Scheme.objects.select_related("owner").order_by("key")

    def get_serializer_class(self) -> Any:
        return serializers.Serializer

    def _data(self, scheme: Scheme) -> dict[str, Any]:
        return {"key": scheme.key, "name": scheme.name, "subject": scheme.subject, "owner": scheme.owner.code,
                "is_active": scheme.is_active, "version": scheme.version, "current": actions.definition(scheme.current)}

    @extend_schema(responses=SCHEME_LIST)
    def list(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return Response({"results": [self._data(s) for s in self.get_queryset()]})

    @extend_schema(responses=inline_serializer("Scheme", {"key": serializers.CharField()}))
    def retrieve(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return Response(self._data(self.get_object()))


def _run_data(run: AssessmentRun, user: Any, *, results: bool) -> dict[str, Any]:
    data: dict[str, Any] = {
        "id": run.pk, "scheme": run.scheme.key, "scheme_version": run.scheme_version.number,
        "period": run.period_spec, "period_label": run.period_label, "start": run.period_start.isoformat(),
        "end": run.period_end.isoformat(), "status": run.status, "version": run.number,
        "tie_rule": run.tie_rule, "tie_keys": run.tie_keys, "supersedes": run.supersedes_id,
        "published_at": run.published_at.isoformat() if run.published_at else None,
    }
    if results:
        visible = visible_unit_ids(user)
        manage = can_in_unit(user, Cap.MANAGE_WORK, run.scheme.owner)
        out = []
        for r in run.results.select_related("unit").prefetch_related("items").order_by("group_index", "position"):
            row: dict[str, Any] = {"unit": r.unit.code, "name": r.unit.name, "group": r.group_key,
                                   "score": _num(r.score), "rank": r.rank, "tied": r.tied,
                                   "tie_broken_by": r.tie_broken_by}
            if manage or r.unit_id in visible:
                row["items"] = [{"item": i.item_key, "name": i.item_name, "points": _num(i.points),
                                 "records": i.records, "adjustments": i.adjustments} for i in r.items.all()]
            out.append(row)
        data["results"] = out
        data["change_log"] = run.change_log
    return data


class RunViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet[AssessmentRun]):
    """Assessment runs: published (and superseded) ones for everyone with `view`; drafts for staff only. POST runs
    an assessment (staff); /publish/ freezes a draft."""

    permission_classes = [HasCap]
    read_cap = Cap.VIEW
    write_cap = Cap.MANAGE_WORK

    def get_serializer_class(self) -> Any:
        return serializers.Serializer

    def get_queryset(self) -> QuerySet[AssessmentRun]:
        user = self.request.user
        managed = [s.pk for s in Scheme.objects.select_related("owner") if can_in_unit(user, Cap.MANAGE_WORK, s.owner)]
        qs = AssessmentRun.objects.select_related("scheme", "scheme__owner", "scheme_version")
        qs = qs.exclude(status=AssessmentRun.Status.DRAFT) | qs.filter(scheme_id__in=managed)
        params = self.request.query_params
        if params.get("scheme"):
            qs = qs.filter(scheme__key=params["scheme"])
        if params.get("period"):
            qs = qs.filter(period_spec=parse_period(params["period"]).spec)
        if params.get("status"):
            qs = qs.filter(status=params["status"])
        return qs.order_by("-period_start", "scheme__key", "-number")

    @extend_schema(responses=inline_serializer("RunList", {"results": serializers.ListField()}))
    def list(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        page = self.paginate_queryset(self.get_queryset())
        rows = [_run_data(r, request.user, results=False) for r in (page if page is not None else [])]
        return self.get_paginated_response(rows)

    @extend_schema(responses=inline_serializer("Run", {"id": serializers.IntegerField()}))
    def retrieve(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return Response(_run_data(self.get_object(), request.user, results=True))

    @extend_schema(request=inline_serializer("RunCreate", {
        "scheme": serializers.CharField(), "period": serializers.CharField(),
        "publish": serializers.BooleanField(required=False), "note": serializers.CharField(required=False)}),
        responses={201: inline_serializer("RunCreated", {"id": serializers.IntegerField()})})
    def create(self, request: Request) -> Response:
        scheme = Scheme.objects.filter(key=str(request.data.get("scheme") or "")).first()
        if scheme is None:
            raise InvalidInput("未知的考核方案", {"scheme": ["未知的考核方案"]})
        period = parse_period(str(request.data.get("period") or ""))
        run = actions.run_assessment(acting_user=request.user, scheme=scheme, period=period,
                                     note=str(request.data.get("note") or ""),
                                     publish=bool(request.data.get("publish")))
        return Response(_run_data(run, request.user, results=True), status=status.HTTP_201_CREATED)

    @extend_schema(request=None, responses=inline_serializer("RunPublished", {"id": serializers.IntegerField()}))
    @action(detail=True, methods=["post"])
    def publish(self, request: Request, pk: Any = None) -> Response:
        run = actions.publish_run(acting_user=request.user, run=self.get_object())
        return Response(_run_data(run, request.user, results=True))


class AdjustmentSerializer(serializers.ModelSerializer[Adjustment]):
    unit: serializers.SlugRelatedField[Unit] = serializers.SlugRelatedField(slug_field="code", read_only=True)
    scheme: serializers.SlugRelatedField[Scheme] = serializers.SlugRelatedField(slug_field="key", read_only=True)

    class Meta:
        model = Adjustment
        fields = ["id", "scheme", "item_key", "item_name", "direction", "unit", "date", "points", "reason",
                  "evidence_name", "evidence_url", "record", "status", "review_comment", "reviewed_at"]


class AdjustmentViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet[Adjustment]):
    """Bonus/deduction entries in the user's scope. POST (multipart: evidence file, or evidence_url) proposes one;
    /approve/ and /reject/ are for staff."""

    serializer_class = AdjustmentSerializer
    permission_classes = [HasCap]

    def get_queryset(self) -> QuerySet[Adjustment]:
        return Adjustment.objects.visible_to(self.request.user, Cap.VIEW).select_related("unit", "scheme")

    @extend_schema(request=inline_serializer("AdjustmentCreate", {
        "scheme": serializers.CharField(), "item_key": serializers.CharField(), "unit": serializers.CharField(),
        "date": serializers.DateField(), "points": serializers.DecimalField(max_digits=8, decimal_places=2),
        "reason": serializers.CharField(), "evidence": serializers.FileField(required=False),
        "evidence_url": serializers.URLField(required=False)}), responses={201: AdjustmentSerializer})
    def create(self, request: Request) -> Response:
        d = request.data
        scheme = Scheme.objects.filter(key=str(d.get("scheme") or "")).first()
        unit = Unit.objects.filter(code=str(d.get("unit") or "")).first()
        if scheme is None or unit is None:
            raise InvalidInput("未知的考核方案或单位", {"scheme": ["请检查"], "unit": ["请检查"]})
        try:
            day = datetime.date.fromisoformat(str(d.get("date") or ""))
        except ValueError as exc:
            raise InvalidInput("日期格式有误", {"date": ["应为 YYYY-MM-DD"]}) from exc
        adj = actions.propose_adjustment(
            acting_user=request.user, scheme=scheme, item_key=str(d.get("item_key") or ""), unit=unit, date=day,
            points=d.get("points"), reason=str(d.get("reason") or ""), evidence_file=request.FILES.get("evidence"),
            evidence_url=str(d.get("evidence_url") or ""),
        )
        return Response(AdjustmentSerializer(adj).data, status=status.HTTP_201_CREATED)

    def _review(self, request: Request, pk: Any, approve: bool) -> Response:
        adj = get_scoped(Adjustment.objects.select_related("unit"), request.user, Cap.MANAGE_WORK, pk=pk)
        adj = actions.review_adjustment(acting_user=request.user, adjustment=adj, approve=approve,
                                        comment=str(request.data.get("comment") or ""))
        return Response(AdjustmentSerializer(adj).data)

    @extend_schema(request=None, responses=AdjustmentSerializer)
    @action(detail=True, methods=["post"])
    def approve(self, request: Request, pk: Any = None) -> Response:
        return self._review(request, pk, True)

    @extend_schema(request=inline_serializer("AdjustmentReject", {"comment": serializers.CharField()}),
                   responses=AdjustmentSerializer)
    @action(detail=True, methods=["post"])
    def reject(self, request: Request, pk: Any = None) -> Response:
        return self._review(request, pk, False)


class BulletinSerializer(serializers.ModelSerializer[Bulletin]):
    period = serializers.CharField(source="run.period_spec")
    scheme = serializers.CharField(source="run.scheme.key")

    class Meta:
        model = Bulletin
        fields = ["id", "title", "issued_on", "scheme", "period", "run", "sha256", "size"]


class BulletinViewSet(viewsets.ReadOnlyModelViewSet[Bulletin]):
    """Bulletins (everyone with `view`); the document (figures with provenance) at /document/."""

    serializer_class = BulletinSerializer
    permission_classes = [HasCap]
    queryset = Bulletin.objects.select_related("run", "run__scheme").order_by("-issued_on", "-id")

    @extend_schema(responses=inline_serializer("BulletinDocument", {"title": serializers.CharField()}))
    @action(detail=True, methods=["get"])
    def document(self, request: Request, pk: Any = None) -> Response:
        return Response(self.get_object().document)


class AssessView(APIView):
    """GET /api/assess/?scheme=KEY&period=SPEC[&unit=CODE] — scores computed now, not stored (staff only)."""

    permission_classes = [HasCap]
    read_cap = Cap.MANAGE_WORK

    @extend_schema(parameters=[OpenApiParameter(p, OpenApiTypes.STR, required=p != "unit") for p in
                               ("scheme", "period", "unit")],
                   responses=inline_serializer("Assessment", {"results": serializers.ListField()}))
    def get(self, request: Request) -> Response:
        from taizhang.targets.management.commands.assess import computed_payload
        from taizhang.targets.scoring import assess

        scheme = Scheme.objects.filter(key=request.query_params.get("scheme") or "").first()
        if scheme is None:
            raise Http404("未知的考核方案")
        if not can_in_unit(request.user, Cap.MANAGE_WORK, scheme.owner):
            raise NotPermitted("您没有查看未发布考核结果的权限。")
        period = parse_period(request.query_params.get("period") or "")
        result = assess(scheme.current, period)
        return Response(computed_payload(scheme, period, result, request.query_params.get("unit") or None))
