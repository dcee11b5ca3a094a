from django.urls import URLPattern, URLResolver, path

from taizhang.filings import views

app_name = "filings"

urlpatterns: list[URLPattern | URLResolver] = [
    path("", views.filing_list, name="filing_list"),
    path("new/", views.filing_new, name="filing_new"),
    path("calendar/", views.calendar_view, name="calendar"),
    path("unfiled/", views.unfiled_list, name="unfiled_list"),
    path("<int:pk>/", views.filing_detail, name="filing_detail"),
    path("<int:pk>/edit/", views.filing_edit, name="filing_edit"),
]
