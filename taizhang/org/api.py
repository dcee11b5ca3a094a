from __future__ import annotations

from typing import Any

from rest_framework import mixins, serializers, viewsets
from rest_framework.request import Request
from rest_framework.response import Response

from taizhang.core.api_base import HasCap
from taizhang.org import actions
from taizhang.org.models import Unit
from taizhang.org.roles import Cap
from taizhang.org.scoping import unit_ids_for


class UnitSerializer(serializers.ModelSerializer[Unit]):
    parent = serializers.SlugRelatedField(  # type: ignore[assignment]
        slug_field="code", queryset=Unit.objects.all(), allow_null=True, required=False
    )

    class Meta:
        model = Unit
        fields = [
            "id",
            "code",
            "name",
            "short_name",
            "kind",
            "parent",
            "depth",
            "sort_order",
            "population",
            "is_active",
            "version",
        ]
        read_only_fields = ["id", "depth", "version"]


class UnitViewSet(
    mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.CreateModelMixin, viewsets.GenericViewSet[Unit]
):
    """Units the user may see (their subtrees); administrators with manage_org see and create all."""

    serializer_class = UnitSerializer
    permission_classes = [HasCap]
    read_cap = Cap.VIEW
    write_cap = Cap.MANAGE_ORG
    lookup_field = "code"

    def get_permissions(self) -> list[Any]:
        return [HasCap()]

    def check_permissions(self, request: Request) -> None:
        from taizhang.org.scoping import has_cap

        if request.method == "GET" and has_cap(request.user, Cap.MANAGE_ORG):
            return
        super().check_permissions(request)

    def get_queryset(self) -> Any:
        from taizhang.org.scoping import has_cap

        if has_cap(self.request.user, Cap.MANAGE_ORG):
            return Unit.objects.order_by("path")
        return Unit.objects.filter(pk__in=unit_ids_for(self.request.user, Cap.VIEW)).order_by("path")

    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        unit = actions.create_unit(
            acting_user=request.user,
            code=data["code"],
            name=data["name"],
            kind=data.get("kind", "other"),
            parent=data.get("parent"),
            short_name=data.get("short_name", ""),
            sort_order=data.get("sort_order", 0),
            population=data.get("population"),
        )
        return Response(UnitSerializer(unit).data, status=201)
