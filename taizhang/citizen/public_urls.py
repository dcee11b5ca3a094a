"""Pages of this app on the public site (公众端): see taizhang/urls_public.py."""

from django.urls import URLPattern, URLResolver, path

from . import open311, public_views

app_name = "citizen_public"

urlpatterns: list[URLPattern | URLResolver] = [
    path("", public_views.home, name="home"),
    path("report/", public_views.report_new, name="report"),
    path("report/done/<str:code>/", public_views.report_submitted, name="submitted"),
    path("track/", public_views.track, name="track"),
    path("track/<str:code>/", public_views.track_detail, name="track_detail"),
    path("track/<str:code>/info/", public_views.track_info, name="track_info"),
    path("track/<str:code>/rate/", public_views.track_rate, name="track_rate"),
    path("track/<str:code>/reopen/", public_views.track_reopen, name="track_reopen"),
    path("track/<str:code>/photo/<int:pk>/", public_views.photo, name="photo"),
    path("track/<str:code>/photo/<int:pk>/thumb/", public_views.photo, {"size": "thumb"}, name="photo_thumb"),
    path("reports/", public_views.report_list, name="list"),
    path("open311/v2/", open311.discovery, name="open311_root"),
    path("open311/v2/services.<str:fmt>", open311.services, name="open311_services"),
    path("open311/v2/services/<str:code>.<str:fmt>", open311.service_definition, name="open311_service"),
    path("open311/v2/requests.<str:fmt>", open311.requests_view, name="open311_requests"),
    path("open311/v2/requests/<str:request_id>.<str:fmt>", open311.request_one, name="open311_request"),
    path("open311/v2/tokens/<str:token>.<str:fmt>", open311.token_view, name="open311_token"),
]
