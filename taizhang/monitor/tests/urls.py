"""The project's URLs plus the monitoring API (core/api_urls.py includes it in the project; tests do not rely on it)."""

from django.urls import include, path

from taizhang.urls import urlpatterns as project

urlpatterns = [path("api/monitor/", include("taizhang.monitor.api_urls")), *project]
