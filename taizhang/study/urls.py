from django.urls import URLPattern, URLResolver, path

from taizhang.study import views

app_name = "study"

urlpatterns: list[URLPattern | URLResolver] = [
    path("", views.week_list, name="week_list"),
    path("import/", views.week_import, name="week_import"),
    path("groups/", views.group_map, name="group_map"),
    path("bulletin/", views.week_bulletin, name="week_bulletin"),
]
