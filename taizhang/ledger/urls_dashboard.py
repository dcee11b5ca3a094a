"""The dashboard (数据看板) under /ledger/: the page; its htmx fragments (a line's KPI tile, a line's card, a
metric's month chart); a line's detail page."""

from django.urls import URLPattern, URLResolver, path

from taizhang.ledger import views_dashboard as views

urlpatterns: list[URLPattern | URLResolver] = [
    path("dashboard/", views.dashboard, name="dashboard"),
    path("dashboard/tiles/", views.dashboard_tiles, name="dashboard_tiles"),
    path("dashboard/cards/", views.dashboard_cards, name="dashboard_cards"),
    path("dashboard/records/", views.dashboard_records, name="dashboard_records"),
    path("dashboard/kpi/<slug:key>/", views.dashboard_kpi, name="dashboard_kpi"),
    path("dashboard/card/<slug:key>/", views.dashboard_card, name="dashboard_card"),
    path("dashboard/line/<slug:key>/", views.dashboard_line, name="dashboard_line"),
    path("dashboard/trend/<slug:metric>/", views.dashboard_trend, name="dashboard_trend"),
]
