"""/api/volunteers/ routes (included from core.api_urls)."""

from django.urls import URLPattern, URLResolver
from rest_framework.routers import SimpleRouter

from taizhang.volunteers import api

router = SimpleRouter()
router.register("people", api.VolunteerViewSet, basename="volunteer")
router.register("teams", api.TeamViewSet, basename="volunteer-team")
router.register("activities", api.ActivityViewSet, basename="volunteer-activity")
router.register("hours", api.HourRecordViewSet, basename="volunteer-hours")
router.register("certificates", api.CertificateViewSet, basename="volunteer-certificate")
router.register("orders", api.OrderViewSet, basename="volunteer-order")

urlpatterns: list[URLPattern | URLResolver] = [*router.urls]
