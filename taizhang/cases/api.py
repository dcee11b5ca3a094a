"""The cases REST API: list and retrieve (scoped), dispatch, and one POST per transition."""

from __future__ import annotations

import datetime
from typing import Any

from django.db.models import QuerySet
from django.shortcuts import get_object_or_404
from django.utils import timezone
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from taizhang.cases import actions
from taizhang.cases.models import Case, CaseEvent, ExtensionRequest
from taizhang.core.api_base import HasCap, int_field
from taizhang.core.errors import InvalidInput
from taizhang.core.querysets import get_scoped, parse_ids
from taizhang.org.models import Unit
from taizhang.org.roles import Cap

VERBS = ("accept", "send-back", "arbitrate", "extension", "decide-extension", "handle", "verify", "close", "reopen",
         "cancel", "rate", "dispatch")


class EventSerializer(serializers.ModelSerializer[CaseEvent]):
    user = serializers.SerializerMethodField()

    class Meta:
        model = CaseEvent
        fields = ["kind", "from_state", "to_state", "user", "text", "at"]

    def get_user(self, obj: CaseEvent) -> str:
        return obj.user_label


class CaseSerializer(serializers.ModelSerializer[Case]):
    unit: serializers.SlugRelatedField[Unit] = serializers.SlugRelatedField(slug_field="code", read_only=True)
    overdue = serializers.SerializerMethodField()
    subject_type = serializers.SerializerMethodField()

    class Meta:
        model = Case
        fields = ["id", "kind", "title", "description", "unit", "state", "deadline", "deadline_provisional",
                  "sla_days", "overdue", "escalation_level", "dispatched_at", "accepted_at", "handled_at",
                  "closed_at", "closed_on_time", "satisfaction", "rated_at", "reopen_count", "reply", "public_reply",
                  "subject_type", "object_id", "version", "created_at"]

    def get_overdue(self, obj: Case) -> bool:
        return obj.is_overdue()

    def get_subject_type(self, obj: Case) -> str:
        ct = obj.content_type
        return f"{ct.app_label}.{ct.model}" if ct is not None else ""


class CaseDetailSerializer(CaseSerializer):
    events = EventSerializer(many=True, read_only=True)

    class Meta(CaseSerializer.Meta):
        fields = [*CaseSerializer.Meta.fields, "events"]


def _text(data: Any, key: str) -> str:
    value = data.get(key, "")
    return value.strip() if isinstance(value, str) else ""


def _bool(data: Any, key: str) -> bool:
    value = data.get(key)
    if isinstance(value, bool):
        return value
    if str(value).lower() in ("1", "true", "yes"):
        return True
    if str(value).lower() in ("0", "false", "no"):
        return False
    raise InvalidInput(f"{key} 应为 true 或 false", {key: ["应为 true 或 false"]})


def _date(data: Any, key: str, required: bool = True) -> datetime.date | None:
    value = data.get(key)
    if value in (None, ""):
        if required:
            raise InvalidInput(f"请填写 {key}", {key: ["必填，格式为 YYYY-MM-DD"]})
        return None
    try:
        return datetime.date.fromisoformat(str(value))
    except ValueError:
        raise InvalidInput(f"{key} 日期格式应为 YYYY-MM-DD", {key: ["日期格式应为 YYYY-MM-DD"]}) from None


def _unit(data: Any, key: str, required: bool = True) -> Unit | None:
    code = _text(data, key)
    if not code:
        if required:
            raise InvalidInput("请填写责任单位代码", {key: ["请填写单位代码"]})
        return None
    unit = Unit.objects.filter(code=code, is_active=True).first()
    if unit is None:
        raise InvalidInput(f"没有代码为“{code[:32]}”的单位", {key: ["单位不存在"]})
    return unit


class CaseViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet[Case]):
    """Cases the user may see (their units' subtrees). Filters: state, kind, unit (code, with its subtree),
    overdue=1, ids=1,2,3."""

    permission_classes = [HasCap]
    read_cap = Cap.VIEW
    write_cap = Cap.VIEW  # each action checks its own capability over the case's unit

    def get_serializer_class(self) -> type[serializers.BaseSerializer[Any]]:
        return CaseDetailSerializer if self.action == "retrieve" else CaseSerializer

    def get_queryset(self) -> QuerySet[Case]:
        qs = Case.objects.visible_to(self.request.user).select_related("unit", "content_type")
        params = self.request.query_params
        if params.get("state"):
            qs = qs.filter(state=params["state"])
        if params.get("kind"):
            qs = qs.filter(kind=params["kind"])
        if params.get("unit"):
            unit = _unit(params, "unit")
            assert unit is not None
            qs = qs.filter(unit__path__startswith=unit.path)
        if params.get("overdue") in ("1", "true"):
            qs = qs.filter(state__in=Case.RUNNING_STATES, deadline__lt=timezone.localdate())
        if params.get("ids"):
            qs = qs.filter(pk__in=parse_ids(params["ids"]))
        if self.action == "retrieve":
            qs = qs.prefetch_related("events__user")
        return qs.order_by("-created_at", "-id")

    @extend_schema(request=None, responses=CaseSerializer)
    def create(self, request: Request) -> Response:
        """Dispatch a new case (staff): kind, unit (code), title, description, deadline (optional)."""
        data = request.data
        case = actions.dispatch_case(
            acting_user=request.user, kind=_text(data, "kind") or "general", unit=_unit(data, "unit"),  # type: ignore[arg-type]
            title=_text(data, "title"), description=_text(data, "description"),
            deadline=_date(data, "deadline", required=False),
        )
        return Response(CaseSerializer(case).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=None, responses=CaseSerializer)
    @action(detail=True, methods=["post"], url_path=r"(?P<verb>[a-z-]+)")
    def act(self, request: Request, pk: Any = None, verb: str = "") -> Response:
        """One transition: accept, send-back (reason), arbitrate (uphold, new_unit, reason), extension (until,
        reason), decide-extension (request, approve, reason), handle (reply, public_reply, files), verify (passed,
        reason), close (reason), reopen (reason), cancel (reason), rate (rating, comment), dispatch (unit,
        deadline)."""
        if verb not in VERBS:
            raise InvalidInput("未知的操作")
        case = get_scoped(Case.objects.select_related("unit"), request.user, Cap.VIEW, pk=pk)
        data, user = request.data, request.user
        if verb == "accept":
            actions.accept_case(acting_user=user, case=case)
        elif verb == "send-back":
            actions.send_back_case(acting_user=user, case=case, reason=_text(data, "reason"))
        elif verb == "arbitrate":
            actions.arbitrate_send_back(acting_user=user, case=case, uphold=_bool(data, "uphold"),
                                        new_unit=_unit(data, "new_unit", required=False), reason=_text(data, "reason"))
        elif verb == "extension":
            actions.request_extension(acting_user=user, case=case, until=_date(data, "until"),  # type: ignore[arg-type]
                                      reason=_text(data, "reason"))
        elif verb == "decide-extension":
            request_id = int_field(data, "request", label="延期申请编号")
            ext = get_object_or_404(ExtensionRequest, pk=request_id, case=case)
            actions.decide_extension(acting_user=user, request=ext, approve=_bool(data, "approve"),
                                     reason=_text(data, "reason"))
        elif verb == "handle":
            files = request.FILES.getlist("files") if hasattr(request, "FILES") else []
            actions.handle_case(acting_user=user, case=case, reply=_text(data, "reply"),
                                public_reply=_text(data, "public_reply"), files=files)
        elif verb == "verify":
            actions.verify_case(acting_user=user, case=case, passed=_bool(data, "passed"), reason=_text(data, "reason"))
        elif verb == "close":
            actions.close_case(acting_user=user, case=case, reason=_text(data, "reason"))
        elif verb == "reopen":
            actions.reopen_case(acting_user=user, case=case, reason=_text(data, "reason"))
        elif verb == "cancel":
            actions.cancel_case(acting_user=user, case=case, reason=_text(data, "reason"))
        elif verb == "rate":
            actions.rate_case(acting_user=user, case=case, rating=_text(data, "rating"), comment=_text(data, "comment"))
        elif verb == "dispatch":
            actions.redispatch_case(acting_user=user, case=case, unit=_unit(data, "unit"),  # type: ignore[arg-type]
                                    deadline=_date(data, "deadline", required=False))
        case.refresh_from_db()
        return Response(CaseSerializer(case).data)
