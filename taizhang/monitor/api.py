"""The monitoring API.

``POST /api/monitor/items/`` — outside crawlers push batches of public items (at most 1,000 per request):

    Authorization: Bearer <the API source's token>        (or: Token <token>, or X-Monitor-Token: <token>)
    {"batch_id": "crawler-2024-05-01-0001", "items": [{"title", "text", "url", "published_at", "source"}, …]}

Every item is checked first; one bad item refuses the batch (400, errors by index). Items whose link is already
stored are skipped when the batch is analysed; a repeated ``batch_id`` of the same source returns the first batch
(202 both times). A staff user (``manage_work``, DRF token or session) may push too, naming an API ``source`` id.
The batch is analysed in the background (Celery with a broker, else an in-process job); the answer says where.

``GET /api/monitor/incidents/`` (scoped like the board) and ``GET /api/monitor/alerts/`` (``manage_work``).
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth.models import AnonymousUser
from django.db.models import QuerySet
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import authentication, permissions, serializers, status, viewsets
from rest_framework.authentication import SessionAuthentication
from rest_framework.exceptions import AuthenticationFailed
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from taizhang.accounts.tokens import TokenAuthentication
from taizhang.core.api_base import HasCap, int_field
from taizhang.core.errors import InvalidInput
from taizhang.monitor import actions
from taizhang.monitor.models import Alert, Incident, IngestBatch, Source
from taizhang.monitor.views.common import visible_incidents
from taizhang.org.roles import Cap


class SourceTokenAuthentication(authentication.BaseAuthentication):
    """An API source's token (``tzm_…``): the request acts for that source, not for a user."""

    def authenticate(self, request: Request) -> tuple[Any, Source] | None:
        token = request.META.get("HTTP_X_MONITOR_TOKEN", "")
        header = request.META.get("HTTP_AUTHORIZATION", "")
        if not token and header:
            scheme, _, value = header.partition(" ")
            if scheme.lower() in ("bearer", "token") and value.strip().startswith("tzm_"):
                token = value.strip()
        if not token:
            return None
        source = actions.source_for_token(token)
        if source is None:
            raise AuthenticationFailed("接口令牌无效或来源已停用")
        return AnonymousUser(), source

    def authenticate_header(self, request: Request) -> str:
        return "Bearer"


class CanIngest(permissions.BasePermission):
    message = "需要接口来源的令牌，或舆情监测管理权限。"

    def has_permission(self, request: Request, view: Any) -> bool:
        if isinstance(request.auth, Source):
            return True
        user = request.user
        return bool(user and user.is_authenticated and actions.manages_monitoring(user))


class IngestView(APIView):
    authentication_classes = [SourceTokenAuthentication, TokenAuthentication, SessionAuthentication]  # accounts.tokens
    permission_classes = [CanIngest]

    @extend_schema(
        request=inline_serializer("MonitorIngest", {
            "batch_id": serializers.CharField(required=False, max_length=64),
            "source": serializers.IntegerField(required=False, help_text="用户令牌推送时：接口来源的编号"),
            "items": serializers.ListField(child=serializers.DictField(), max_length=actions.MAX_API_BATCH),
        }),
        responses={202: inline_serializer("MonitorIngestResult", {
            "batch": serializers.IntegerField(), "received": serializers.IntegerField(),
            "created": serializers.BooleanField(), "status": serializers.CharField(),
        })},
    )
    def post(self, request: Request) -> Response:
        data = request.data if isinstance(request.data, dict) else {}
        if isinstance(request.auth, Source):
            source: Source | None = request.auth
            user = None
        else:
            user = request.user
            source_id = int_field(data, "source", required=False, label="接口推送类型的来源编号")
            source = Source.objects.filter(pk=source_id, kind=Source.Kind.API).first() if source_id else None
            if source is None:
                raise InvalidInput("请指定接口来源（source）", {"source": ["请指定接口推送类型的来源编号"]})
        items: Any = data.get("items")
        batch, created = actions.ingest_items(
            acting_user=user, items=items, source=source, origin=IngestBatch.Origin.API,
            client_key=str(data.get("batch_id") or ""),
        )
        if created:
            actions.dispatch_batch(batch.pk)
        batch.refresh_from_db()
        return Response({"batch": batch.pk, "received": batch.received, "created": created, "status": batch.status},
                        status=status.HTTP_202_ACCEPTED)


class IncidentSerializer(serializers.ModelSerializer[Incident]):
    assigned_unit: serializers.SlugRelatedField[Any] = serializers.SlugRelatedField(slug_field="code", read_only=True)
    deadline = serializers.DateField(read_only=True, allow_null=True, help_text="回应期限（其工单的办理期限）")
    case = serializers.SerializerMethodField(help_text="交办工单的编号")

    def get_case(self, obj: Incident) -> int | None:
        return obj.case.pk if obj.case is not None else None

    class Meta:
        model = Incident
        fields = ["id", "label", "key_terms", "first_seen", "last_seen", "items_count", "duplicates_count",
                  "negative_share", "peak_per_hour", "grade", "score", "burst", "status", "assigned_unit", "deadline",
                  "case", "levels", "sources", "representatives"]


class IncidentViewSet(viewsets.ReadOnlyModelViewSet[Incident]):
    serializer_class = IncidentSerializer
    permission_classes = [HasCap]

    def get_queryset(self) -> QuerySet[Incident]:
        return visible_incidents(self.request.user).select_related("assigned_unit").order_by("-last_seen", "-id")


class AlertSerializer(serializers.ModelSerializer[Alert]):
    class Meta:
        model = Alert
        fields = ["id", "kind", "grade", "title", "body", "incident", "created_at", "acknowledged_at"]


class AlertViewSet(viewsets.ReadOnlyModelViewSet[Alert]):
    serializer_class = AlertSerializer
    permission_classes = [HasCap]
    read_cap = Cap.MANAGE_WORK
    queryset = Alert.objects.order_by("-created_at", "-id")
