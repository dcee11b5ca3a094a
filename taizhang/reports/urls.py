from django.urls import URLPattern, URLResolver, path

from taizhang.reports.views import editor, extraction, phrases, summaries, templates

app_name = "reports"

urlpatterns: list[URLPattern | URLResolver] = [
    path("", summaries.summary_list, name="summary_list"),
    path("new/", summaries.summary_create, name="summary_create"),
    path("<int:pk>/", summaries.summary_detail, name="summary_detail"),
    path("<int:pk>/figures/<str:fig_id>/", summaries.figure_source, name="figure_source"),
    path("<int:pk>/export/<str:fmt>/", summaries.summary_export, name="summary_export"),
    path("<int:pk>/check/", summaries.summary_check, name="summary_check"),
    path("<int:pk>/state/<str:action>/", summaries.summary_state, name="summary_state"),
    path("<int:pk>/edit/", editor.summary_edit, name="summary_edit"),
    path("<int:pk>/edit/title/", editor.title_save, name="title_save"),
    path("<int:pk>/edit/all/", editor.save_all, name="save_all"),
    path("<int:pk>/edit/text/", editor.summary_text_edit, name="summary_text_edit"),
    path("<int:pk>/edit/blocks/<int:index>/", editor.block_save, name="block_save"),
    path("<int:pk>/edit/blocks/<int:index>/delete/", editor.block_delete, name="block_delete"),
    path("<int:pk>/edit/blocks/add/", editor.block_add, name="block_add"),
    path("<int:pk>/edit/problems/", editor.problem_set, name="problem_set"),
    path("<int:pk>/edit/metric/", editor.metric_preview, name="metric_preview"),
    path("check/", summaries.check_upload, name="check_upload"),
    path("templates/", templates.template_list, name="template_list"),
    path("templates/<int:pk>/", templates.template_detail, name="template_detail"),
    path("templates/<int:pk>/fill/", templates.template_fill, name="template_fill"),
    path("templates/<int:pk>/delete/", templates.template_delete, name="template_delete"),
    path("extract/", extraction.extract_page, name="extract"),
    path("extract/import/", extraction.extract_import, name="extract_import"),
    path("phrases/", phrases.phrase_list, name="phrase_list"),
    path("phrases/<str:key>/", phrases.phrase_edit, name="phrase_edit"),
    path("phrases/<str:key>/reset/", phrases.phrase_reset, name="phrase_reset"),
]
