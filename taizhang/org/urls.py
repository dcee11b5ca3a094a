from django.urls import URLPattern, URLResolver, path

from taizhang.org import views, views_channels

app_name = "org"

urlpatterns: list[URLPattern | URLResolver] = [
    path("units/", views.unit_list, name="unit_list"),
    path("units/new/", views.unit_create, name="unit_create"),
    path("units/<int:pk>/edit/", views.unit_edit, name="unit_edit"),
    path("units/<int:pk>/move/", views.unit_move, name="unit_move"),
    path("users/", views.user_list, name="user_list"),
    path("users/new/", views.user_create, name="user_create"),
    path("users/<int:pk>/", views.user_detail, name="user_detail"),
    path("users/<int:pk>/roles/", views.role_grant, name="role_grant"),
    path("roles/<int:pk>/revoke/", views.role_revoke, name="role_revoke"),
    path("channels/", views_channels.channel_list, name="channel_list"),
    path("channels/new/", views_channels.channel_edit, name="channel_create"),
    path("channels/<int:pk>/", views_channels.channel_edit, name="channel_edit"),
    path("channels/<int:pk>/delete/", views_channels.channel_delete, name="channel_delete"),
    path("channels/<int:pk>/test/", views_channels.channel_test, name="channel_test"),
]
