"""/api/: every app's router is included here; the OpenAPI schema and its viewer are served by the app."""

from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView

urlpatterns = [
    path("schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path("docs/", SpectacularSwaggerView.as_view(url_name="api-schema"), name="api-docs"),
    path("", include("taizhang.ledger.api_urls")),
    path("", include("taizhang.targets.api_urls")),
    path("", include("taizhang.reports.api_urls")),
    path("monitor/", include("taizhang.monitor.api_urls")),
]
