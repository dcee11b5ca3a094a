"""The staff site (工作台). The public site (公众端) has its own URL configuration: taizhang/urls_public.py."""

from django.urls import include, path

urlpatterns = [
    path("", include("taizhang.core.urls")),
    path("accounts/", include("taizhang.accounts.urls")),
    path("org/", include("taizhang.org.urls")),
    path("ledger/", include("taizhang.ledger.urls")),
    path("targets/", include("taizhang.targets.urls")),
    path("reports/", include("taizhang.reports.urls")),
    path("monitor/", include("taizhang.monitor.urls")),
    path("cases/", include("taizhang.cases.urls")),
    path("citizen/", include("taizhang.citizen.urls")),
    path("civility/", include("taizhang.civility.urls")),
    path("volunteers/", include("taizhang.volunteers.urls")),
    path("press/", include("taizhang.press.urls")),
    path("honours/", include("taizhang.honours.urls")),
    path("votes/", include("taizhang.votes.urls")),
    path("filings/", include("taizhang.filings.urls")),
    path("study/", include("taizhang.study.urls")),
    path("api/", include("taizhang.core.api_urls")),
]
