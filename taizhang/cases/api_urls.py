from django.urls import URLPattern, URLResolver
from rest_framework.routers import DefaultRouter

from taizhang.cases import api

router = DefaultRouter()
router.register("", api.CaseViewSet, basename="case")

urlpatterns: list[URLPattern | URLResolver] = [*router.urls]
