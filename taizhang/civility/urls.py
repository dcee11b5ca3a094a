"""/civility/: score, problems, the inspector's phone pages, sites, rounds, frameworks, documents, surveys,
bulletins and titles."""

from django.urls import URLPattern, URLResolver, path
from django.views.generic import RedirectView

from taizhang.civility.views import bulletins, inspect, problems, register, reviews, score, titles

app_name = "civility"

urlpatterns: list[URLPattern | URLResolver] = [
    path("", RedirectView.as_view(pattern_name="civility:score", query_string=True), name="index"),
    path("score/", score.score_page, name="score"),
    path("problems/", problems.problem_list, name="problem_list"),
    path("problems/<int:pk>/", problems.problem_detail, name="problem_detail"),
    path("photos/<int:pk>/", problems.photo, name="photo"),
    path("sw.js", inspect.service_worker, name="service_worker"),
    path("inspect/", inspect.inspect_start, name="inspect_start"),
    path("inspect/<int:pk>/", inspect.inspect_site, name="inspect_site"),
    path("inspections/", inspect.inspection_list, name="inspection_list"),
    path("inspections/<int:pk>/", inspect.inspection_detail, name="inspection_detail"),
    path("sites/", register.site_list, name="site_list"),
    path("sites/new/", register.site_edit, name="site_create"),
    path("sites/import/", register.site_import, name="site_import"),
    path("sites/<int:pk>/edit/", register.site_edit, name="site_edit"),
    path("rounds/", register.round_list, name="round_list"),
    path("rounds/new/", register.round_create, name="round_create"),
    path("frameworks/", register.framework_list, name="framework_list"),
    path("frameworks/new/", register.framework_create, name="framework_create"),
    path("frameworks/<int:pk>/", register.framework_detail, name="framework_detail"),
    path("documents/", reviews.document_list, name="document_list"),
    path("documents/<int:pk>/review/", reviews.document_review, name="document_review"),
    path("documents/<int:pk>/download/", reviews.document_download, name="document_download"),
    path("surveys/", reviews.survey_list, name="survey_list"),
    path("bulletins/", bulletins.bulletin_list, name="bulletin_list"),
    path("bulletins/<int:pk>/", bulletins.bulletin_detail, name="bulletin_detail"),
    path("bulletins/<int:pk>/download/", bulletins.bulletin_download, name="bulletin_download"),
    path("bulletins/<int:pk>/figures/<str:fig_id>/", bulletins.bulletin_figure, name="bulletin_figure"),
    path("bulletin-photos/<int:pk>/", bulletins.bulletin_photo, name="bulletin_photo"),
    path("titles/", titles.title_list, name="title_list"),
    path("titles/applications/<int:pk>/review/", titles.application_review, name="application_review"),
    path("titles/<int:pk>/", titles.title_action, name="title_action"),
]
