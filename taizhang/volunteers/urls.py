from django.urls import URLPattern, URLResolver, path

from taizhang.volunteers import views as v
from taizhang.volunteers import views_admin as a

app_name = "volunteers"

urlpatterns: list[URLPattern | URLResolver] = [
    path("", a.dashboard, name="dashboard"),
    path("people/", a.volunteer_list, name="volunteers"),
    path("people/<int:pk>/", a.volunteer_detail, name="volunteer_detail"),
    path("people/<int:pk>/show/", a.volunteer_reveal, name="volunteer_reveal"),
    path("teams/", a.team_list, name="teams"),
    path("activities/", v.activity_list, name="activities"),
    path("activities/new/", v.activity_create, name="activity_create"),
    path("activities/<int:pk>/", v.activity_detail, name="activity_detail"),
    path("activities/<int:pk>/qr/", v.activity_qr, name="activity_qr"),
    path("activities/<int:pk>/qr/frame/", v.activity_qr_frame, name="activity_qr_frame"),
    path("activities/<int:pk>/confirm/", v.activity_confirm, name="activity_confirm"),
    path("activities/<int:pk>/manual/", v.activity_manual, name="activity_manual"),
    path("sign-ups/<int:pk>/approve/", v.signup_approve, name="signup_approve"),
    path("sign-ups/<int:pk>/reject/", v.signup_reject, name="signup_reject"),
    path("hours/", v.hours_list, name="hours"),
    path("hours/<int:pk>/second-approve/", v.hours_second_approve, name="hours_second_approve"),
    path("hours/<int:pk>/reject/", v.hours_reject, name="hours_reject"),
    path("disputes/", v.dispute_list, name="disputes"),
    path("disputes/<int:pk>/resolve/", v.dispute_resolve, name="dispute_resolve"),
    path("certificates/", a.certificate_list, name="certificates"),
    path("certificates/<int:pk>/revoke/", a.certificate_revoke, name="certificate_revoke"),
    path("certificates/<int:pk>/download/", a.certificate_download, name="certificate_download"),
    path("orders/", a.order_list, name="orders"),
    path("orders/<int:pk>/<str:step>/", a.order_step, name="order_step"),
    # rows behind a figure (ledger.providers rows_url): the lists above, filtered by ?ids=
    path("rows/volunteers/", a.volunteer_list, name="rows_volunteer"),
    path("rows/hours/", v.hours_list, name="rows_hours"),
    path("rows/activities/", v.activity_list, name="rows_activity"),
    path("rows/teams/", a.team_list, name="rows_team"),
    path("rows/certificates/", a.certificate_list, name="rows_certificate"),
    path("rows/orders/", a.order_list, name="rows_order"),
]
