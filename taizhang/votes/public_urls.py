"""Pages of this app on the public site (公众端): see taizhang/urls_public.py."""

from django.urls import URLPattern, URLResolver

app_name = "votes_public"

urlpatterns: list[URLPattern | URLResolver] = []
