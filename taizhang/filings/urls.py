from django.urls import URLPattern, URLResolver

app_name = "filings"

urlpatterns: list[URLPattern | URLResolver] = []
