"""REST API of 随手拍 for staff (/api/citizen/): reports visible to intake staff (manage_work over the area) and
to the unit a report was dispatched to. The unit's view never has reporter data: no phone, name, device or
address digest; intake staff get the phone masked (the clear number only on the web page, audited)."""

from __future__ import annotations

from typing import Any

from django.db.models import Q, QuerySet
from django.http import Http404
from rest_framework import serializers, viewsets
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from taizhang.core.api_base import HasCap, int_field
from taizhang.core.crypto import mask
from taizhang.core.errors import InvalidInput
from taizhang.org.models import Unit
from taizhang.org.roles import Cap
from taizhang.org.scoping import unit_ids_for

from . import actions
from .masking import mask_text
from .models import Report


class ReportSerializer(serializers.ModelSerializer[Report]):
    category = serializers.CharField(source="category.key")
    category_name = serializers.CharField(source="category.name")
    place = serializers.CharField(source="place_text")
    area = serializers.CharField(source="area.code")
    unit = serializers.SerializerMethodField()
    description = serializers.SerializerMethodField()
    answers = serializers.SerializerMethodField()
    answer_lines = serializers.SerializerMethodField()
    public_reply = serializers.CharField(source="shown_reply")
    public_state = serializers.CharField()

    class Meta:
        model = Report
        fields = ["id", "category", "category_name", "description", "answers", "answer_lines", "place", "lat",
                  "lng", "location_accuracy_m", "area", "channel", "status", "public_state", "submitted_at", "unit",
                  "deadline", "public_reply", "closed_at", "rating", "reopen_count"]

    def get_unit(self, obj: Report) -> str | None:
        return obj.unit.code if obj.unit_id and obj.unit else None

    def get_description(self, obj: Report) -> str:
        return str(mask_text(obj.description))

    def get_answers(self, obj: Report) -> dict[str, Any]:
        """The stored answers (choice keys as stored), free text with phone and ID numbers masked."""
        answers = obj.answers if isinstance(obj.answers, dict) else {}
        return {k: [mask_text(x) if isinstance(x, str) else x for x in v] if isinstance(v, list)
                else mask_text(v) if isinstance(v, str) else v for k, v in answers.items()}

    def get_answer_lines(self, obj: Report) -> list[dict[str, str]]:
        """The answers as people read them (`answers` keeps the stored keys): question and text, numbers masked."""
        return [{"question": q, "answer": a} for q, a in actions.answer_lines(obj, masked=True)]


class IntakeReportSerializer(ReportSerializer):
    code = serializers.CharField()
    phone_masked = serializers.SerializerMethodField()

    class Meta(ReportSerializer.Meta):
        fields = [*ReportSerializer.Meta.fields, "code", "phone_masked", "merged_into", "reject_reason"]

    def get_phone_masked(self, obj: Report) -> str:
        return mask(obj.phone, "phone") if obj.phone else ""


class ReportViewSet(viewsets.ReadOnlyModelViewSet[Report]):
    permission_classes = [HasCap]
    read_cap = Cap.VIEW
    write_cap = Cap.MANAGE_WORK

    def get_queryset(self) -> QuerySet[Report]:
        user = self.request.user
        intake = unit_ids_for(user, Cap.MANAGE_WORK)
        units = unit_ids_for(user, Cap.VIEW)
        qs = Report.objects.filter(Q(area_id__in=list(intake)) | Q(unit_id__in=list(units)))
        status = self.request.query_params.get("status")
        if status:
            qs = qs.filter(status=status)
        return qs.select_related("category", "place", "area", "unit").order_by("-submitted_at", "-id")

    def get_serializer_class(self) -> Any:
        return ReportSerializer

    def list(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        page = self.paginate_queryset(self.get_queryset())
        rows = [self._data(r) for r in (page if page is not None else self.get_queryset()[:50])]
        return self.get_paginated_response(rows) if page is not None else Response(rows)

    def retrieve(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return Response(self._data(self.get_object()))

    def _data(self, report: Report) -> dict[str, Any]:
        if actions.can_intake(self.request.user, report):
            return dict(IntakeReportSerializer(report).data)
        return dict(ReportSerializer(report).data)

    def _intake(self, pk: Any) -> Report:
        report = self.get_object()
        if not actions.can_intake(self.request.user, report):
            raise Http404("未找到该报告，或您无权处理。")
        return report

    @action(detail=True, methods=["post"])
    def accept(self, request: Request, pk: Any = None) -> Response:
        report = actions.accept_report(acting_user=request.user, report=self._intake(pk))
        return Response(self._data(report))

    @action(detail=True, methods=["post"])
    def reject(self, request: Request, pk: Any = None) -> Response:
        report = actions.reject_report(acting_user=request.user, report=self._intake(pk),
                                       reason=str(request.data.get("reason", "")))
        return Response(self._data(report))

    @action(detail=True, methods=["post"])
    def answer(self, request: Request, pk: Any = None) -> Response:
        report = actions.answer_report(acting_user=request.user, report=self._intake(pk),
                                       reply=str(request.data.get("reply", "")))
        return Response(self._data(report))

    @action(detail=True, methods=["post"])
    def merge(self, request: Request, pk: Any = None) -> Response:
        report = self._intake(pk)
        into_id = int_field(request.data, "into", required=False, label="要合并到的报告编号")
        into = Report.objects.filter(pk=into_id).first() if into_id else None
        if into is None or not actions.can_intake(request.user, into):
            raise InvalidInput("未找到要合并到的报告", {"into": ["未找到该报告"]})
        return Response(self._data(actions.merge_report(acting_user=request.user, report=report, into=into)))

    @action(detail=True, methods=["post"], url_path="dispatch")
    def dispatch_to(self, request: Request, pk: Any = None) -> Response:
        report = self._intake(pk)
        code = request.data.get("unit")
        unit = Unit.objects.filter(code=code).first() if code else None
        if code and unit is None:
            raise InvalidInput("责任单位不存在", {"unit": ["责任单位不存在"]})
        return Response(self._data(actions.dispatch_report(acting_user=request.user, report=report, unit=unit)))
