"""Pages of this app on the public site (公众端): see taizhang/urls_public.py."""

from django.urls import URLPattern, URLResolver, path

from taizhang.volunteers import public_views as v

app_name = "volunteers_public"

urlpatterns: list[URLPattern | URLResolver] = [
    path("", v.home, name="home"),
    path("register/", v.register, name="register"),
    path("code/", v.send_code, name="send_code"),
    path("login/", v.login, name="login"),
    path("logout/", v.logout, name="logout"),
    path("activities/<int:pk>/", v.activity_detail, name="activity"),
    path("shifts/<int:pk>/sign-up/", v.shift_sign_up, name="sign_up"),
    path("sign-ups/<int:pk>/cancel/", v.signup_cancel, name="cancel"),
    path("teams/", v.teams, name="teams"),
    path("teams/<int:pk>/join/", v.team_join, name="join"),
    path("scan/<int:pk>/", v.scan, name="scan"),
    path("me/", v.me, name="me"),
    path("hours/<int:pk>/dispute/", v.dispute, name="dispute"),
    path("certificates/request/", v.certificate_request, name="certificate_request"),
    path("certificates/<int:pk>/download/", v.certificate_download, name="certificate_download"),
    path("verify/", v.verify, name="verify"),
    path("rate/<str:token>/", v.rate, name="rate"),
]
