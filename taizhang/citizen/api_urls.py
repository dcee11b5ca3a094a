"""/api/citizen/ routes (included from core.api_urls)."""

from rest_framework.routers import SimpleRouter

from . import api

router = SimpleRouter()
router.register("reports", api.ReportViewSet, basename="citizen-report")

urlpatterns = router.urls
