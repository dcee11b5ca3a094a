"""Pages of this app on the public site (公众端): see taizhang/urls_public.py."""

from django.urls import URLPattern, URLResolver, path

from taizhang.honours import public_views as v

app_name = "honours_public"

urlpatterns: list[URLPattern | URLResolver] = [
    path("", v.index, name="index"),
    path("notice/<str:code>/", v.notice, name="notice"),
    path("objection/", v.objection_lookup, name="objection_lookup"),
    path("objection/<str:code>/", v.objection, name="objection"),
    path("library/", v.library, name="library"),
    path("library/<int:pk>/", v.library_detail, name="library_detail"),
]
