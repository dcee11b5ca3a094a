from django.urls import URLPattern, URLResolver, path

from taizhang.monitor.views import alerts, board, briefs, config, placements

app_name = "monitor"

urlpatterns: list[URLPattern | URLResolver] = [
    path("", board.incident_list, name="incident_list"),
    path("incidents/<int:pk>/", board.incident_detail, name="incident_detail"),
    path("incidents/<int:pk>/assign/", board.incident_assign, name="incident_assign"),
    path("incidents/<int:pk>/respond/", board.incident_respond, name="incident_respond"),
    path("incidents/<int:pk>/close/", board.incident_close, name="incident_close"),
    path("incidents/<int:pk>/report/", board.incident_report, name="incident_report"),
    path("items/", board.item_list, name="item_list"),
    path("alerts/", alerts.alert_list, name="alert_list"),
    path("alerts/<int:pk>/ack/", alerts.alert_ack, name="alert_ack"),
    path("channels/new/", alerts.channel_edit, name="channel_create"),
    path("channels/<int:pk>/", alerts.channel_edit, name="channel_edit"),
    path("channels/<int:pk>/delete/", alerts.channel_delete, name="channel_delete"),
    path("channels/<int:pk>/test/", alerts.channel_test, name="channel_test"),
    path("briefs/", briefs.brief_list, name="brief_list"),
    path("briefs/new/", briefs.brief_create, name="brief_create"),
    path("briefs/<int:pk>/", briefs.brief_detail, name="brief_detail"),
    path("briefs/<int:pk>/docx/", briefs.brief_download, name="brief_download"),
    path("briefs/<int:pk>/figures/<str:fig_id>/", briefs.brief_figure, name="brief_figure"),
    path("sources/", config.source_list, name="source_list"),
    path("sources/new/", config.source_edit, name="source_create"),
    path("sources/upload/", config.source_upload, name="source_upload"),
    path("sources/<int:pk>/", config.source_edit, name="source_edit"),
    path("sources/<int:pk>/poll/", config.source_poll, name="source_poll"),
    path("sources/<int:pk>/token/", config.source_token, name="source_token"),
    path("sources/<int:pk>/delete/", config.source_delete, name="source_delete"),
    path("internal-addresses/", config.internal_addresses, name="internal_addresses"),
    path("watchlists/", config.watchlist_list, name="watchlist_list"),
    path("watchlists/new/", config.watchlist_edit, name="watchlist_create"),
    path("watchlists/test/", config.watchlist_test, name="watchlist_test"),
    path("watchlists/<int:pk>/", config.watchlist_edit, name="watchlist_edit"),
    path("watchlists/<int:pk>/delete/", config.watchlist_delete, name="watchlist_delete"),
    path("placements/", placements.proposal_list, name="proposal_list"),
    path("placements/<int:pk>/", placements.proposal_decide, name="proposal_decide"),
]
