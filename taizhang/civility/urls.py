from django.urls import URLPattern, URLResolver

app_name = "civility"

urlpatterns: list[URLPattern | URLResolver] = []
