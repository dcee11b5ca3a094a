from django.urls import URLPattern, URLResolver

app_name = "votes"

urlpatterns: list[URLPattern | URLResolver] = []
