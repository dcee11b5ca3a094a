from django.urls import path

app_name = "monitor"

urlpatterns: list = []
