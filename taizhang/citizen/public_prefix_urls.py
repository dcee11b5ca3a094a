"""The public site under /public/ on the staff host, for installations without TAIZHANG_PUBLIC_HOSTS
(see taizhang/core/sites.py)."""

from django.urls import include, path

urlpatterns = [path("public/", include("taizhang.urls_public"))]
