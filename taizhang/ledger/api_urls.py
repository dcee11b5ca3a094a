from django.urls import path

urlpatterns: list = []  # filled by the ledger API
_ = path
