from django.urls import URLPattern, URLResolver, path

from taizhang.press.views import accounts, conferences, correspondents

app_name = "press"

urlpatterns: list[URLPattern | URLResolver] = [
    path("accounts/", accounts.account_list, name="account_list"),
    path("accounts/new/", accounts.account_new, name="account_new"),
    path("accounts/<int:pk>/", accounts.account_detail, name="account_detail"),
    path("accounts/<int:pk>/file/", accounts.account_file, name="account_file"),
    path("accounts/<int:pk>/check/", accounts.account_check, name="account_check"),
    path("filings/", accounts.filing_list, name="filing_list"),
    path("filings/<int:pk>/decide/", accounts.filing_decide, name="filing_decide"),
    path("stats/", accounts.stat_list, name="stat_list"),
    path("stats/import/", accounts.stat_import, name="stat_import"),
    path("stats/template/", accounts.stat_template, name="stat_template"),
    path("checks/", accounts.check_list, name="check_list"),
    path("checks/sample/", accounts.check_sample, name="check_sample"),
    path("checks/<int:pk>/", accounts.check_detail, name="check_detail"),
    path("checks/<int:pk>/recheck/", accounts.check_recheck, name="check_recheck"),
    path("reviews/", accounts.review_list, name="review_list"),
    path("reviews/<int:pk>/", accounts.review_detail, name="review_detail"),
    path("conferences/", conferences.conference_list, name="conference_list"),
    path("conferences/new/", conferences.conference_new, name="conference_new"),
    path("conferences/plan/", conferences.plan_list, name="plan_list"),
    path("conferences/<int:pk>/", conferences.conference_detail, name="conference_detail"),
    path("materials/<int:pk>/", conferences.material_download, name="material_download"),
    path("spokespersons/", conferences.spokesperson_list, name="spokesperson_list"),
    path("submissions/", correspondents.submission_list, name="submission_list"),
    path("submissions/<int:pk>/", correspondents.submission_detail, name="submission_detail"),
    path("correspondents/", correspondents.correspondent_list, name="correspondent_list"),
    path("bulletins/", correspondents.bulletins, name="bulletins"),
    path("bulletins/newmedia/", correspondents.newmedia_bulletin, name="newmedia_bulletin"),
    path("bulletins/correspondents/", correspondents.correspondents_bulletin, name="correspondents_bulletin"),
]
