from django.templatetags.static import static
from django.urls import path
from django.views.generic import RedirectView

from taizhang.core import views, views_audit, views_workbench

app_name = "core"

urlpatterns = [
    path("", views_workbench.workbench, name="home"),
    path("favicon.ico", RedirectView.as_view(url=static("taizhang/favicon.svg"), permanent=True), name="favicon"),
    path("healthz", views.healthz, name="healthz"),
    path("jobs/<int:pk>/", views.job_status, name="job"),
    path("notices/", views_workbench.notice_list, name="notice_list"),
    path("notices/count/", views_workbench.notice_count, name="notice_count"),
    path("notices/settings/", views_workbench.notice_settings, name="notice_settings"),
    path("notices/read-all/", views_workbench.notice_read_all, name="notice_read_all"),
    path("notices/deliveries/", views_workbench.delivery_list, name="delivery_list"),
    path("notices/<int:pk>/", views_workbench.notice_open, name="notice_open"),
    path("notices/<int:pk>/read/", views_workbench.notice_read, name="notice_read"),
    path("audit/", views_audit.audit_list, name="audit_list"),
    path("audit/export/", views_audit.audit_export, name="audit_export"),
    path("audit/<int:pk>/", views_audit.audit_detail, name="audit_detail"),
]
