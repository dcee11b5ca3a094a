"""/api/civility/ routes."""

from django.urls import path
from rest_framework.routers import SimpleRouter

from taizhang.civility import api

router = SimpleRouter()
router.register("sites", api.SiteViewSet, basename="site")

urlpatterns = [
    path("score/", api.ScoreView.as_view(), name="api-score"),
    path("inspections/", api.InspectionSubmitView.as_view(), name="api-inspection-submit"),
    *router.urls,
]
