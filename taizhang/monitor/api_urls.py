"""/api/monitor/: the ingest endpoint for outside crawlers, and read access to incidents and alerts.

Included from core/api_urls.py with ``path("monitor/", include("taizhang.monitor.api_urls"))``.
"""

from django.urls import path
from rest_framework.routers import DefaultRouter

from taizhang.monitor import api

router = DefaultRouter()
router.register("incidents", api.IncidentViewSet, basename="monitor-incident")
router.register("alerts", api.AlertViewSet, basename="monitor-alert")

urlpatterns = [
    path("items/", api.IngestView.as_view(), name="api-monitor-items"),
    *router.urls,
]
