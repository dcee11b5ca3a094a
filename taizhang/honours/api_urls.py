"""/api/honours/ routes (included from core.api_urls)."""

from django.urls import URLPattern, URLResolver
from rest_framework.routers import SimpleRouter

from taizhang.honours import api

router = SimpleRouter()
router.register("campaigns", api.CampaignViewSet, basename="honours-campaign")
router.register("nominations", api.NominationViewSet, basename="honours-nomination")
router.register("role-models", api.RoleModelViewSet, basename="honours-role-model")

urlpatterns: list[URLPattern | URLResolver] = [*router.urls]
