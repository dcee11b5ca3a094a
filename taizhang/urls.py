from django.urls import include, path

urlpatterns = [
    path("", include("taizhang.core.urls")),
    path("accounts/", include("taizhang.accounts.urls")),
    path("org/", include("taizhang.org.urls")),
    path("ledger/", include("taizhang.ledger.urls")),
    path("targets/", include("taizhang.targets.urls")),
    path("reports/", include("taizhang.reports.urls")),
    path("monitor/", include("taizhang.monitor.urls")),
    path("api/", include("taizhang.core.api_urls")),
]
