from django.urls import path

from taizhang.core import views, views_audit

app_name = "core"

urlpatterns = [
    path("", views.home, name="home"),
    path("healthz", views.healthz, name="healthz"),
    path("jobs/<int:pk>/", views.job_status, name="job"),
    path("audit/", views_audit.audit_list, name="audit_list"),
    path("audit/export/", views_audit.audit_export, name="audit_export"),
    path("audit/<int:pk>/", views_audit.audit_detail, name="audit_detail"),
]
