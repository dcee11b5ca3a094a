"""The public site under /public/ on the staff host, for installations without TAIZHANG_PUBLIC_HOSTS
(see taizhang/core/sites.py)."""

from django.urls import include, path

urlpatterns = [path("public/", include("taizhang.urls_public"))]

# Error pages in the public site's frame (the staff site's link to the workbench).
handler400 = "taizhang.citizen.public_views.bad_request"
handler403 = "taizhang.citizen.public_views.permission_denied"
handler404 = "taizhang.citizen.public_views.not_found"
handler500 = "taizhang.citizen.public_views.server_error"
