"""REST API of civility creation: sites, the simulated score, and inspection submission (used by the phone page,
offline queue included: the UUID makes a repeated submission harmless). Changes go through civility.actions."""

from __future__ import annotations

import json
from typing import Any

from django.http import Http404
from django.urls import reverse
from rest_framework import serializers, status, viewsets
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from taizhang.civility import actions
from taizhang.civility.models import InspectionRound, Site, SiteType
from taizhang.civility.photos import from_data_url
from taizhang.civility.report import score_report
from taizhang.core.api_base import HasCap, int_field
from taizhang.core.errors import InvalidInput
from taizhang.core.querysets import get_scoped
from taizhang.org.models import Unit
from taizhang.org.roles import Cap
from taizhang.org.scoping import unit_ids_for

MAX_PAYLOAD = 200_000


class SiteSerializer(serializers.ModelSerializer[Site]):
    unit = serializers.CharField(source="unit.code")
    unit_name = serializers.CharField(source="unit.name")
    type_name = serializers.CharField(source="get_type_display")

    class Meta:
        model = Site
        fields = ["id", "code", "type", "type_name", "name", "address", "latitude", "longitude", "unit",
                  "unit_name", "is_active"]


class SiteViewSet(viewsets.ReadOnlyModelViewSet[Site]):
    serializer_class = SiteSerializer
    permission_classes = [HasCap]
    read_cap = Cap.VIEW

    def get_queryset(self) -> Any:
        qs = Site.objects.visible_to(self.request.user).select_related("unit").order_by("type", "code")
        site_type = self.request.query_params.get("type")
        if site_type:
            if site_type not in SiteType.values:
                raise InvalidInput("未知的点位类型", {"type": ["未知的点位类型"]})
            qs = qs.filter(type=site_type)
        return qs


class ScoreView(APIView):
    permission_classes = [HasCap]
    read_cap = Cap.VIEW

    def get(self, request: Request) -> Response:
        from taizhang.civility.periods import parse_spec

        period = parse_spec(request.query_params.get("period") or "")
        code = request.query_params.get("unit")
        unit = None
        if code:
            unit = Unit.objects.filter(code=code, pk__in=unit_ids_for(request.user, Cap.VIEW)).first()
            if unit is None:
                raise Http404("未找到该单位，或您无权查看。")
        elif unit_ids_for(request.user, Cap.VIEW):
            from taizhang.org.scoping import home_unit

            unit = home_unit(request.user)
        return Response(score_report(period, unit))


def _parse_payload(request: Request) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """JSON body (photos as data URLs) or multipart: a `payload` JSON field and files named in payload.photos."""
    if "payload" in request.data:
        raw = request.data["payload"]
        if not isinstance(raw, str) or len(raw) > MAX_PAYLOAD:
            raise InvalidInput("提交内容过大或格式不正确")
        try:
            payload = json.loads(raw)
        except ValueError as exc:
            raise InvalidInput("提交内容不是有效的 JSON") from exc
    else:
        payload = request.data
    if not isinstance(payload, dict):
        raise InvalidInput("提交内容格式不正确")
    photos: list[dict[str, Any]] = []
    listed = payload.get("photos") or []
    if not isinstance(listed, list):
        raise InvalidInput("照片信息格式不正确", {"photos": ["应为列表"]})
    for n, item in enumerate(listed):
        if not isinstance(item, dict):
            raise InvalidInput("照片信息格式不正确")
        if item.get("field"):
            uploaded = request.FILES.get(str(item["field"]))
            if uploaded is None:
                raise InvalidInput("缺少照片文件", {"photos": [f"第{n + 1}张照片没有收到"]})
        else:
            uploaded = from_data_url(str(item.get("data_url") or ""))
        photos.append({"file": uploaded, "standard": item.get("standard"), "taken_at": item.get("taken_at"),
                       "latitude": item.get("latitude"), "longitude": item.get("longitude")})
    return payload, photos


class InspectionSubmitView(APIView):
    permission_classes = [HasCap]
    write_cap = Cap.REVIEW_RECORDS

    def post(self, request: Request) -> Response:
        payload, photos = _parse_payload(request)
        site_id = int_field(payload, "site", required=False, label="点位编号")
        if site_id is None:
            raise InvalidInput("请指定点位", {"site": ["请指定点位"]})
        site = get_scoped(Site.objects.select_related("unit"), request.user, Cap.VIEW, pk=site_id)
        round_id = int_field(payload, "round", required=False, label="测评轮次编号")
        rnd = InspectionRound.objects.filter(pk=round_id).first() if round_id else None
        answers = payload.get("answers") or []
        if not isinstance(answers, list) or not all(isinstance(a, dict) for a in answers):
            raise InvalidInput("测评结果格式不正确", {"answers": ["测评结果格式不正确"]})
        inspection, created = actions.submit_inspection(
            acting_user=request.user, uuid=payload.get("uuid"), site=site, answers=answers, round=rnd,
            started_at=payload.get("started_at"), submitted_at=payload.get("submitted_at"),
            latitude=payload.get("latitude"), longitude=payload.get("longitude"),
            notes=str(payload.get("notes") or ""), photos=photos,
            confirm_unrated=payload.get("confirm_unrated") is True)
        return Response({"id": inspection.pk, "uuid": str(inspection.uuid), "created": created,
                         "url": reverse("civility:inspection_detail", args=[inspection.pk]),
                         "met": inspection.met_count, "failed": inspection.failed_count,
                         "problems": list(inspection.problems.values_list("id", flat=True))},
                        status=status.HTTP_201_CREATED if created else status.HTTP_200_OK)
