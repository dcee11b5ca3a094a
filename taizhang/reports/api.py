"""The reports REST API: summaries (compose, read, export, finalise), and the text tools (extract, slots, fill,
check) with the JSON shapes of the CLI (docs/summaries.md)."""

from __future__ import annotations

import io
from typing import Any

from django.db.models import Q, QuerySet
from django.http import HttpResponse
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from taizhang.core.api_base import HasCap, SafeJSONParser
from taizhang.core.errors import InvalidInput, NotPermitted
from taizhang.core.periods import parse_period
from taizhang.org.models import Unit
from taizhang.org.roles import Cap
from taizhang.org.scoping import can_in_unit
from taizhang.reports import actions, extract, slots
from taizhang.reports.checker import check_docx_stream
from taizhang.reports.composer import ComposeOptions
from taizhang.reports.extract import MAX_DOCUMENT_CHARS, TOO_LONG_MESSAGE
from taizhang.reports.fill import clean_template, fill_template
from taizhang.reports.metrics import metric_aliases
from taizhang.reports.models import Summary
from taizhang.reports.output import docx_bytes

MAX_TEXT = MAX_DOCUMENT_CHARS
DOCX_TYPE = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


class SummarySerializer(serializers.ModelSerializer[Summary]):
    unit: serializers.SlugRelatedField[Unit] = serializers.SlugRelatedField(slug_field="code", read_only=True)

    class Meta:
        model = Summary
        fields = ["id", "unit", "period_spec", "period_label", "title", "status", "version", "document", "problems",
                  "composed_at", "finalized_at", "created_at", "updated_at"]
        read_only_fields = fields


class ComposeSerializer(serializers.Serializer[Any]):
    unit = serializers.CharField(help_text="单位代码")
    period = serializers.CharField(help_text="时间段 SPEC：2025、2025H1、2025Q1-Q3 ……")
    title = serializers.CharField(required=False, allow_blank=True, default="")
    comparisons = serializers.BooleanField(required=False, default=True)
    ranks = serializers.BooleanField(required=False, default=True)
    highlights = serializers.BooleanField(required=False, default=True)


class VersionSerializer(serializers.Serializer[Any]):
    version = serializers.IntegerField()


def _unit(code: str) -> Unit:
    unit = Unit.objects.filter(code=code).first()
    if unit is None:
        raise InvalidInput(f"单位代码“{code}”不存在", {"unit": ["不存在"]})
    return unit


def _text(data: Any) -> str:
    text = data.get("text")
    if text is not None and not isinstance(text, str):
        raise InvalidInput("text 应为文本（字符串）", {"text": ["应为字符串"]})
    text = text or ""
    if not text.strip():
        raise InvalidInput("缺少参数 text", {"text": ["必填"]})
    if len(text) > MAX_TEXT:
        raise InvalidInput(TOO_LONG_MESSAGE, {"text": ["过长"]})
    return text


class SummaryViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.DestroyModelMixin,
                     viewsets.GenericViewSet[Summary]):
    """Summaries the user may see: finals in their view, drafts where they manage work. POST composes a draft."""

    permission_classes = [HasCap]
    serializer_class = SummarySerializer
    read_cap = Cap.VIEW
    write_cap = Cap.MANAGE_WORK

    def get_queryset(self) -> QuerySet[Summary]:
        user = self.request.user
        return Summary.objects.visible_to(user, Cap.VIEW).filter(
            Q(status=Summary.Status.FINAL) | Q(unit__in=Unit.objects.visible_to(user, Cap.MANAGE_WORK))
        ).select_related("unit")

    @extend_schema(request=ComposeSerializer, responses=SummarySerializer)
    def create(self, request: Request) -> Response:
        data = ComposeSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        d = data.validated_data
        summary = actions.compose_summary(
            acting_user=request.user, unit=_unit(d["unit"]), period=parse_period(d["period"]), title=d["title"],
            options=ComposeOptions(comparisons=d["comparisons"], ranks=d["ranks"], highlights=d["highlights"]),
        )
        return Response(SummarySerializer(summary).data, status=status.HTTP_201_CREATED)

    def perform_destroy(self, instance: Summary) -> None:
        actions.delete_summary(acting_user=self.request.user, summary=instance)

    @extend_schema(request=VersionSerializer, responses=SummarySerializer)
    @action(detail=True, methods=["post"])
    def finalize(self, request: Request, pk: str | None = None) -> Response:
        summary = self.get_object()  # scope first: outside it a 404 whatever the body holds
        data = VersionSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        summary = actions.finalize_summary(acting_user=request.user, summary=summary,
                                           expected_version=data.validated_data["version"])
        return Response(SummarySerializer(summary).data)

    @extend_schema(responses={(200, DOCX_TYPE): bytes})
    @action(detail=True, methods=["get"])
    def docx(self, request: Request, pk: str | None = None) -> HttpResponse:
        summary = self.get_object()
        actions.log_export(acting_user=request.user, summary=summary, fmt="Word（接口）")
        doc = actions.load_document(summary)
        response = HttpResponse(docx_bytes(doc, appendix=request.query_params.get("appendix") == "1"),
                                content_type=DOCX_TYPE)
        response["Content-Disposition"] = f'attachment; filename="summary-{summary.pk}.docx"'
        return response

    @action(detail=True, methods=["get"])
    def check(self, request: Request, pk: str | None = None) -> Response:
        from taizhang.reports.checker import check_document

        return Response(check_document(actions.load_document(self.get_object())).to_dict())


class ExtractView(APIView):
    """POST {"text"} → {"figures": [{text, value, value_max, approximate, unit, qualifier, subject, section, span,
    metric, metric_name, confidence, sure, outlet_level, outlet_level_name, change, role, part_of}], "ranks": [...]}."""

    permission_classes = [HasCap]

    @extend_schema(request=inline_serializer("ExtractRequest", {"text": serializers.CharField()}),
                   responses=inline_serializer("ExtractResponse", {
                       "figures": serializers.ListField(child=serializers.DictField()),
                       "ranks": serializers.ListField(child=serializers.DictField())}))
    def post(self, request: Request) -> Response:
        text = _text(request.data)
        return Response(extract.to_json(extract.extract(text, metric_aliases()), extract.find_ranks(text)))


class SlotsView(APIView):
    """POST {"text"} → {"slots": [{text, kind, digits, unit, subject, span, metric, confidence}]}."""

    permission_classes = [HasCap]

    @extend_schema(request=inline_serializer("SlotsRequest", {"text": serializers.CharField()}),
                   responses=inline_serializer("SlotsResponse", {"slots": serializers.ListField(
                       child=serializers.DictField())}))
    def post(self, request: Request) -> Response:
        return Response(slots.to_json(slots.find_slots(_text(request.data), metric_aliases())))


class FillView(APIView):
    """POST {"text", "unit", "period", "mappings": {"3": "lecture_events", "5": ""}} → the filled text, counts,
    each slot's outcome and the figures with their sources. Slot indices refer to the cleaned text
    (web-page boilerplate lines removed), which is returned as ``template``."""

    permission_classes = [HasCap]

    @extend_schema(request=inline_serializer("FillRequest", {
        "text": serializers.CharField(), "unit": serializers.CharField(), "period": serializers.CharField(),
        "mappings": serializers.DictField(child=serializers.CharField(allow_blank=True), required=False),
    }), responses=inline_serializer("FillResponse", {
        "template": serializers.CharField(), "text": serializers.CharField(), "filled": serializers.IntegerField(),
        "missing": serializers.IntegerField(), "slots": serializers.ListField(child=serializers.DictField()),
        "figures": serializers.DictField(),
    }))
    def post(self, request: Request) -> Response:
        text = clean_template(_text(request.data))
        unit = _unit(str(request.data.get("unit") or ""))
        if not can_in_unit(request.user, Cap.VIEW, unit):
            raise NotPermitted("您无权查看该单位的数据。")
        mappings = request.data.get("mappings") or {}
        if not isinstance(mappings, dict):
            raise InvalidInput("mappings 应为对象", {"mappings": ["格式有误"]})
        result = fill_template(text, unit=unit, period=parse_period(str(request.data.get("period") or "")),
                               aliases=metric_aliases(), mappings={str(k): str(v) for k, v in mappings.items()})
        return Response({
            "template": text, "text": result.text, "filled": result.filled, "missing": result.missing,
            "slots": result.items, "figures": {f.id: f.to_dict() for f in result.document.figures()},
        })


class CheckView(APIView):
    """POST a .docx (multipart field "file") → the checker's report (ok, figures, issues …)."""

    permission_classes = [HasCap]
    parser_classes = [MultiPartParser, FormParser, SafeJSONParser]

    @extend_schema(request={"multipart/form-data": inline_serializer("CheckRequest", {
        "file": serializers.FileField()})}, responses=inline_serializer("CheckResponse", {
            "ok": serializers.BooleanField(), "figures": serializers.IntegerField(),
            "issues": serializers.ListField(child=serializers.DictField())}))
    def post(self, request: Request) -> Response:
        from taizhang.core.uploads import check_upload

        upload = request.FILES.get("file")
        check_upload(upload, {"docx"})
        assert upload is not None
        upload.seek(0)
        report = check_docx_stream(io.BytesIO(upload.read()), name=upload.name or "")
        return Response(report.to_dict())
