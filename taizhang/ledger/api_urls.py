from django.urls import path
from rest_framework.routers import DefaultRouter

from taizhang.ledger import api
from taizhang.org.api import UnitViewSet

router = DefaultRouter()
router.register("units", UnitViewSet, basename="unit")
router.register("taxonomy/lines", api.LineViewSet, basename="line")
router.register("taxonomy/metrics", api.MetricViewSet, basename="metric")
router.register("taxonomy/activity-types", api.ActivityTypeViewSet, basename="activity-type")
router.register("outlets", api.OutletViewSet, basename="outlet")
router.register("records", api.RecordViewSet, basename="record")
router.register("placements", api.PlacementViewSet, basename="placement")

urlpatterns = [
    path("figures/", api.FigureView.as_view(), name="api-figures"),
    *router.urls,
]
