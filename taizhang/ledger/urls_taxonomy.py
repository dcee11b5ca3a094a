from django.urls import URLPattern, URLResolver, path

from taizhang.ledger.views import checks, taxonomy

urlpatterns: list[URLPattern | URLResolver] = [
    path("", taxonomy.line_list, name="taxonomy"),
    path("metrics/", taxonomy.metric_list, name="metric_list"),
    path("metrics/<int:pk>/", taxonomy.metric_edit, name="metric_edit"),
    path("types/", taxonomy.type_list, name="type_list"),
    path("checks/", checks.check_list, name="check_list"),
    path("outlets/", taxonomy.outlet_list, name="outlet_list"),
    path("outlets/new/", taxonomy.outlet_edit, name="outlet_create"),
    path("outlets/<int:pk>/", taxonomy.outlet_edit, name="outlet_edit"),
]
