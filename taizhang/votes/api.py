"""REST API of public votes (read-only, scoped, staff): polls with their options' received / valid / wiped counts
and wiping by rule, and the detection runs. No voter data at all (not even digests)."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers, viewsets

from taizhang.core.api_base import HasCap
from taizhang.votes.actions import audit_summary
from taizhang.votes.models import DetectionRun, Poll


class PollSerializer(serializers.ModelSerializer[Poll]):
    unit = serializers.CharField(source="unit.code")
    counts = serializers.SerializerMethodField()

    class Meta:
        model = Poll
        fields = ["id", "code", "title", "unit", "opens_at", "closes_at", "votes_per_day", "max_choices", "state",
                  "counts"]

    @extend_schema_field(serializers.DictField())
    def get_counts(self, obj: Poll) -> dict[str, Any]:
        return audit_summary(obj)


class RunSerializer(serializers.ModelSerializer[DetectionRun]):
    poll = serializers.CharField(source="poll.code")

    class Meta:
        model = DetectionRun
        fields = ["id", "poll", "trigger", "started_at", "finished_at", "examined", "wiped", "results"]


class PollViewSet(viewsets.ReadOnlyModelViewSet[Poll]):
    permission_classes = [HasCap]
    read_cap = "view"
    serializer_class = PollSerializer

    def get_queryset(self) -> QuerySet[Poll]:
        return Poll.objects.visible_to(self.request.user).select_related("unit").order_by("-opens_at", "-id")


class RunViewSet(viewsets.ReadOnlyModelViewSet[DetectionRun]):
    permission_classes = [HasCap]
    read_cap = "view"
    serializer_class = RunSerializer

    def get_queryset(self) -> QuerySet[DetectionRun]:
        polls = Poll.objects.visible_to(self.request.user).values("pk")
        return DetectionRun.objects.filter(poll__in=polls).select_related("poll").order_by("-started_at", "-id")
