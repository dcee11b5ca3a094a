"""The project's URLs plus the targets API (until core.api_urls includes it)."""

from django.urls import include, path

from taizhang.urls import urlpatterns as project_urlpatterns

urlpatterns = [path("api/", include("taizhang.targets.api_urls")), *project_urlpatterns]
