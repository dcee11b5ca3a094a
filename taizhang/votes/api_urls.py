"""/api/votes/ routes (included from core.api_urls)."""

from django.urls import URLPattern, URLResolver
from rest_framework.routers import SimpleRouter

from taizhang.votes import api

router = SimpleRouter()
router.register("polls", api.PollViewSet, basename="votes-poll")
router.register("runs", api.RunViewSet, basename="votes-run")

urlpatterns: list[URLPattern | URLResolver] = [*router.urls]
