"""Included in core/api_urls.py with ``path("", include("taizhang.reports.api_urls"))``."""

from django.urls import path
from rest_framework.routers import DefaultRouter

from taizhang.reports import api

router = DefaultRouter()
router.register("summaries", api.SummaryViewSet, basename="summary")

urlpatterns = [
    path("reports/extract/", api.ExtractView.as_view(), name="api-reports-extract"),
    path("reports/slots/", api.SlotsView.as_view(), name="api-reports-slots"),
    path("reports/fill/", api.FillView.as_view(), name="api-reports-fill"),
    path("reports/check/", api.CheckView.as_view(), name="api-reports-check"),
    *router.urls,
]
