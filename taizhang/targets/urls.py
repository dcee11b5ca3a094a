"""/targets/: progress, targets and allocations, schemes, runs and rankings, bonus/deduction entries, bulletins."""

from django.urls import URLPattern, URLResolver, path
from django.views.generic import RedirectView

from taizhang.targets.views import adjustments, bulletins, progress, runs, schemes

app_name = "targets"

urlpatterns: list[URLPattern | URLResolver] = [
    path("", RedirectView.as_view(pattern_name="targets:progress", query_string=True), name="index"),
    path("progress/", progress.progress_page, name="progress"),
    path("targets/", progress.target_list, name="target_list"),
    path("targets/new/", progress.target_create, name="target_create"),
    path("targets/<int:pk>/", progress.target_detail, name="target_detail"),
    path("targets/<int:pk>/edit/", progress.target_edit, name="target_edit"),
    path("targets/<int:pk>/records/", progress.target_records, name="target_records"),
    path("targets/<int:pk>/allocate/", progress.target_allocate, name="target_allocate"),
    path("targets/<int:pk>/delete/", progress.target_delete, name="target_delete"),
    path("ranking/", runs.ranking, name="ranking"),
    path("runs/", runs.run_list, name="run_list"),
    path("runs/new/", runs.run_create, name="run_create"),
    path("runs/<int:pk>/", runs.run_detail, name="run_detail"),
    path("runs/<int:pk>/publish/", runs.run_publish, name="run_publish"),
    path("runs/<int:pk>/discard/", runs.run_discard, name="run_discard"),
    path("runs/<int:pk>/rerun/", runs.run_rerun, name="run_rerun"),
    path("runs/<int:pk>/bulletin/", runs.bulletin_create, name="bulletin_create"),
    path("runs/<int:pk>/units/<str:code>/", runs.unit_result, name="unit_result"),
    path("schemes/", schemes.scheme_list, name="scheme_list"),
    path("schemes/new/", schemes.scheme_create, name="scheme_create"),
    path("schemes/<slug:key>/", schemes.scheme_detail, name="scheme_detail"),
    path("schemes/<slug:key>/edit/", schemes.scheme_edit, name="scheme_edit"),
    path("schemes/<slug:key>/ranking/", schemes.ranking_edit, name="ranking_edit"),
    path("schemes/<slug:key>/items/new/", schemes.item_edit, name="item_create"),
    path("schemes/<slug:key>/items/<slug:item_key>/", schemes.item_edit, name="item_edit"),
    path("schemes/<slug:key>/items/<slug:item_key>/delete/", schemes.item_delete, name="item_delete"),
    path("adjustments/", adjustments.adjustment_list, name="adjustment_list"),
    path("adjustments/new/", adjustments.adjustment_create, name="adjustment_create"),
    path("adjustments/review/", adjustments.adjustment_review, name="adjustment_review"),
    path("adjustments/<int:pk>/decide/", adjustments.adjustment_decide, name="adjustment_decide"),
    path("adjustments/<int:pk>/withdraw/", adjustments.adjustment_withdraw, name="adjustment_withdraw"),
    path("adjustments/<int:pk>/evidence/", adjustments.adjustment_evidence, name="adjustment_evidence"),
    path("bulletins/", bulletins.bulletin_list, name="bulletin_list"),
    path("bulletins/<int:pk>/", bulletins.bulletin_detail, name="bulletin_detail"),
    path("bulletins/<int:pk>/download/", bulletins.bulletin_download, name="bulletin_download"),
    path("bulletins/<int:pk>/figures/<str:fig_id>/", bulletins.bulletin_figure, name="bulletin_figure"),
]
