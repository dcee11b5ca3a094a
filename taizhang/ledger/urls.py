from django.urls import include, path

app_name = "ledger"

# Each concern has its own URL module (records and review, dashboards, Excel, taxonomy administration).
urlpatterns = [
    path("", include("taizhang.ledger.urls_records")),
    path("", include("taizhang.ledger.urls_dashboard")),
    path("", include("taizhang.ledger.urls_excel")),
    path("taxonomy/", include("taizhang.ledger.urls_taxonomy")),
]
