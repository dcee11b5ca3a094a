"""REST API of volunteer work (read-only, scoped): volunteers (personal data always masked here), teams,
activities with shifts, hour records, certificates, service orders. Changes go through the staff pages."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from rest_framework import serializers, viewsets

from taizhang.core.api_base import HasCap
from taizhang.core.crypto import mask
from taizhang.volunteers.models import Activity, Certificate, HourRecord, ServiceOrder, Shift, Team, Volunteer


class VolunteerSerializer(serializers.ModelSerializer[Volunteer]):
    real_name = serializers.SerializerMethodField()
    id_number = serializers.SerializerMethodField()
    phone = serializers.SerializerMethodField()
    unit = serializers.CharField(source="unit.code")
    star = serializers.IntegerField(read_only=True)

    class Meta:
        model = Volunteer
        fields = ["id", "number", "real_name", "id_type", "id_number", "phone", "unit", "status", "total_hours",
                  "star", "created_at"]

    def get_real_name(self, obj: Volunteer) -> str:
        return mask(obj.real_name, "name")

    def get_id_number(self, obj: Volunteer) -> str:
        return mask(obj.id_number, "id_number")

    def get_phone(self, obj: Volunteer) -> str:
        return mask(obj.phone, "phone")


class TeamSerializer(serializers.ModelSerializer[Team]):
    unit = serializers.CharField(source="unit.code")

    class Meta:
        model = Team
        fields = ["id", "name", "kind", "unit", "head", "contact", "is_active"]


class ShiftSerializer(serializers.ModelSerializer[Shift]):
    class Meta:
        model = Shift
        fields = ["id", "starts_at", "ends_at", "capacity"]


class ActivitySerializer(serializers.ModelSerializer[Activity]):
    shifts = ShiftSerializer(many=True, read_only=True)

    class Meta:
        model = Activity
        fields = ["id", "team", "title", "place", "skills", "starts_at", "ends_at", "status", "hours_confirmed",
                  "shifts"]


class HourRecordSerializer(serializers.ModelSerializer[HourRecord]):
    volunteer = serializers.CharField(source="volunteer.number")

    class Meta:
        model = HourRecord
        fields = ["id", "volunteer", "team", "activity", "day", "hours", "content", "source", "status", "flags"]


class CertificateSerializer(serializers.ModelSerializer[Certificate]):
    volunteer = serializers.CharField(source="volunteer.number")

    class Meta:
        model = Certificate
        fields = ["id", "number", "volunteer", "issuer_name", "hours", "issued_on", "revoked"]


class OrderSerializer(serializers.ModelSerializer[ServiceOrder]):
    orderer_name = serializers.SerializerMethodField()

    class Meta:
        model = ServiceOrder
        fields = ["id", "station", "team", "orderer_kind", "orderer_name", "category", "title", "state", "rating",
                  "created_at"]

    def get_orderer_name(self, obj: ServiceOrder) -> str:
        return mask(obj.orderer_name, "name")


class _Scoped(viewsets.ReadOnlyModelViewSet[Any]):
    permission_classes = [HasCap]
    read_cap = "view"
    related: tuple[str, ...] = ()

    def get_queryset(self) -> QuerySet[Any]:
        model = self.get_serializer_class().Meta.model  # type: ignore[attr-defined]
        return model.objects.visible_to(self.request.user).select_related(*self.related).order_by("-id")


class VolunteerViewSet(_Scoped):
    serializer_class = VolunteerSerializer
    related = ("unit",)


class TeamViewSet(_Scoped):
    serializer_class = TeamSerializer
    related = ("unit",)


class ActivityViewSet(_Scoped):
    serializer_class = ActivitySerializer

    def get_queryset(self) -> QuerySet[Any]:
        return super().get_queryset().prefetch_related("shifts")


class HourRecordViewSet(_Scoped):
    serializer_class = HourRecordSerializer
    related = ("volunteer",)


class CertificateViewSet(_Scoped):
    serializer_class = CertificateSerializer
    related = ("volunteer",)


class OrderViewSet(_Scoped):
    serializer_class = OrderSerializer
