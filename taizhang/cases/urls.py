from django.urls import URLPattern, URLResolver, path

from taizhang.cases import views

app_name = "cases"

urlpatterns: list[URLPattern | URLResolver] = [
    path("", views.case_list, name="case_list"),
    path("new/", views.case_new, name="case_new"),
    path("rules/", views.rule_list, name="rule_list"),
    path("<int:pk>/", views.case_detail, name="case_detail"),
    path("<int:pk>/act/<str:action>/", views.case_act, name="case_act"),
    path("attachments/<int:pk>/", views.attachment_download, name="attachment"),
]
