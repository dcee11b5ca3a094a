from django.urls import URLPattern, URLResolver, path

from . import views

app_name = "citizen"

urlpatterns: list[URLPattern | URLResolver] = [
    path("", views.queue, name="queue"),
    path("reports/", views.report_list, name="report_list"),
    path("reports/<int:pk>/", views.report_detail, name="report_detail"),
    path("reports/<int:pk>/<str:action>/", views.report_action, name="report_action"),
    path("photos/<int:pk>/", views.staff_photo, name="photo"),
    path("photos/<int:pk>/thumb/", views.staff_photo, {"size": "thumb"}, name="photo_thumb"),
    path("catalogue/", views.catalogue, name="catalogue"),
    path("places/", views.place_list, name="place_list"),
    path("stats/", views.stats_view, name="stats"),
    path("bulletin/", views.bulletin, name="bulletin"),
    path("bulletin/<str:period>/figures/<str:fig_id>/", views.bulletin_figure, name="bulletin_figure"),
]
