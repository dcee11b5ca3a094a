"""/api/ routes of targets and assessment (included from core.api_urls)."""

from django.urls import path
from rest_framework.routers import SimpleRouter

from taizhang.targets import api

router = SimpleRouter()
router.register("targets", api.TargetViewSet, basename="target")
router.register("schemes", api.SchemeViewSet, basename="scheme")
router.register("assessment-runs", api.RunViewSet, basename="assessment-run")
router.register("adjustments", api.AdjustmentViewSet, basename="adjustment")
router.register("bulletins", api.BulletinViewSet, basename="bulletin")

urlpatterns = [
    path("assess/", api.AssessView.as_view(), name="api-assess"),
    *router.urls,
]
