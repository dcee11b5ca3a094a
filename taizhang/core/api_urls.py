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
    path("cases/", include("taizhang.cases.api_urls")),
    path("citizen/", include("taizhang.citizen.api_urls")),
    path("civility/", include("taizhang.civility.api_urls")),
    path("volunteers/", include("taizhang.volunteers.api_urls")),
    path("press/", include("taizhang.press.api_urls")),
    path("honours/", include("taizhang.honours.api_urls")),
    path("votes/", include("taizhang.votes.api_urls")),
    path("filings/", include("taizhang.filings.api_urls")),
    path("study/", include("taizhang.study.api_urls")),
]
