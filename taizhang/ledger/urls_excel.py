from django.urls import URLPattern, URLResolver, path

from taizhang.ledger import views_excel

# Included at /ledger/ (see ledger/urls.py), names in the "ledger" namespace.
urlpatterns: list[URLPattern | URLResolver] = [
    path("export/", views_excel.export, name="export"),
    path("excel/template/", views_excel.template_index, name="excel_template_index"),
    path("excel/template/<slug:type_key>/", views_excel.template_download, name="excel_template"),
    path("excel/import/", views_excel.import_page, name="excel_import"),
    path("excel/import/<int:pk>/", views_excel.import_detail, name="excel_import_detail"),
    path("excel/import/<int:pk>/status/", views_excel.import_status, name="excel_import_status"),
]
