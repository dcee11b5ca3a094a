from django.urls import URLPattern, URLResolver, path

from taizhang.honours import views, views_library

app_name = "honours"

urlpatterns: list[URLPattern | URLResolver] = [
    path("", views.campaign_list, name="campaign_list"),
    path("new/", views.campaign_new, name="campaign_new"),
    path("<int:pk>/", views.campaign_detail, name="campaign_detail"),
    path("<int:pk>/edit/", views.campaign_edit, name="campaign_edit"),
    path("<int:pk>/nominate/", views.nomination_new, name="nomination_new"),
    path("nominations/<int:pk>/", views.nomination_detail, name="nomination_detail"),
    path("evidence/<int:pk>/", views.evidence_download, name="evidence_download"),
    path("signoffs/", views.signoff_queue, name="signoff_queue"),
    path("jury/", views.jury_queue, name="jury_queue"),
    path("objections/", views.objection_list, name="objection_list"),
    path("objections/<int:pk>/", views.objection_detail, name="objection_detail"),
    path("library/", views_library.rolemodel_list, name="rolemodel_list"),
    path("library/new/", views_library.honour_new, name="honour_new"),
    path("library/<int:pk>/", views_library.rolemodel_detail, name="rolemodel_detail"),
    path("rows/honours/", views_library.honour_rows, name="honour_rows"),
    path("rows/promotions/", views_library.promotion_rows, name="promotion_rows"),
]
