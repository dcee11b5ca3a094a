"""Pages of this app on the public site (公众端): see taizhang/urls_public.py."""

from django.urls import URLPattern, URLResolver, path

from taizhang.votes import public_views as v

app_name = "votes_public"

urlpatterns: list[URLPattern | URLResolver] = [
    path("", v.poll_list, name="list"),
    path("<str:code>/", v.poll_page, name="poll"),
    path("<str:code>/verify/", v.verify, name="verify"),
    path("<str:code>/results/", v.results, name="results"),
    path("<str:code>/leave/", v.leave, name="leave"),
]
