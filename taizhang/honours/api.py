"""REST API of role models (read-only, scoped): campaigns, nominations (phone and ID number always masked, a minor by
initials), the library. Changes go through the staff pages and the actions."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from rest_framework import serializers, viewsets

from taizhang.core.api_base import HasCap
from taizhang.core.crypto import mask

from .models import Campaign, Honour, Nomination, RoleModel


class CampaignSerializer(serializers.ModelSerializer[Campaign]):
    unit = serializers.CharField(source="unit.code")
    categories = serializers.SerializerMethodField()

    class Meta:
        model = Campaign
        fields = ["id", "code", "title", "honour_title", "level", "year", "unit", "stage", "public_share",
                  "votes_per_day", "nomination_ends", "qualification_ends", "jury_ends", "notice_starts",
                  "notice_ends", "vote_starts", "vote_ends", "announced_on", "categories"]

    def get_categories(self, obj: Campaign) -> list[dict[str, Any]]:
        return [{"name": c.name, "quota": c.quota} for c in obj.categories.all()]


class NominationSerializer(serializers.ModelSerializer[Nomination]):
    name = serializers.CharField(source="shown_name")
    unit = serializers.CharField(source="unit.code")
    category = serializers.CharField(source="category.name")
    phone = serializers.SerializerMethodField()
    id_number = serializers.SerializerMethodField()

    class Meta:
        model = Nomination
        fields = ["id", "campaign", "category", "unit", "kind", "name", "gender", "workplace", "phone", "id_number",
                  "state", "jury_score", "votes", "vote_score", "final_score"]

    def get_phone(self, obj: Nomination) -> str:
        return mask(obj.phone, "phone")

    def get_id_number(self, obj: Nomination) -> str:
        return mask(obj.id_number, "id_number")


class HonourSerializer(serializers.ModelSerializer[Honour]):
    class Meta:
        model = Honour
        fields = ["id", "title", "category", "level", "year", "awarded_on", "campaign"]


class RoleModelSerializer(serializers.ModelSerializer[RoleModel]):
    name = serializers.CharField(source="shown_name")
    unit = serializers.CharField(source="unit.code")
    honours = HonourSerializer(many=True, read_only=True)
    phone = serializers.SerializerMethodField()

    class Meta:
        model = RoleModel
        fields = ["id", "name", "gender", "unit", "workplace", "phone", "deeds", "honours"]

    def get_phone(self, obj: RoleModel) -> str:
        return mask(obj.phone, "phone")


class CampaignViewSet(viewsets.ReadOnlyModelViewSet[Campaign]):
    permission_classes = [HasCap]
    read_cap = "view"
    serializer_class = CampaignSerializer

    def get_queryset(self) -> QuerySet[Campaign]:
        from .views import campaigns_for

        return campaigns_for(self.request.user).prefetch_related("categories").order_by("-year", "-id")


class NominationViewSet(viewsets.ReadOnlyModelViewSet[Nomination]):
    permission_classes = [HasCap]
    read_cap = "view"
    serializer_class = NominationSerializer

    def get_queryset(self) -> QuerySet[Nomination]:
        qs = Nomination.objects.visible_to(self.request.user).select_related("unit", "category").order_by("-id")
        campaign = self.request.query_params.get("campaign", "")
        return qs.filter(campaign_id=int(campaign)) if campaign.isdigit() and len(campaign) < 19 else qs


class RoleModelViewSet(viewsets.ReadOnlyModelViewSet[RoleModel]):
    permission_classes = [HasCap]
    read_cap = "view"
    serializer_class = RoleModelSerializer

    def get_queryset(self) -> QuerySet[RoleModel]:
        return (RoleModel.objects.visible_to(self.request.user).select_related("unit").prefetch_related("honours")
                .order_by("-id"))
