from django.urls import URLPattern, URLResolver, path

from taizhang.votes import views as v

app_name = "votes"

urlpatterns: list[URLPattern | URLResolver] = [
    path("", v.poll_list, name="polls"),
    path("rules/", v.rule_list, name="rules"),
    path("rules/<int:pk>/", v.rule_edit, name="rule_edit"),
    path("runs/<int:pk>/", v.run_detail, name="run_detail"),
    path("<int:pk>/", v.poll_detail, name="poll_detail"),
    path("<int:pk>/detect/", v.poll_detect, name="poll_detect"),
    path("<int:pk>/publish/", v.poll_publish, name="poll_publish"),
    path("<int:pk>/close/", v.poll_close, name="poll_close"),
    path("<int:pk>/wiped/", v.wiped_votes, name="wiped"),
    path("<int:pk>/restore/", v.restore, name="restore"),
]
