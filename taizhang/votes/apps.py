from django.apps import AppConfig


class VotesConfig(AppConfig):
    name = "taizhang.votes"
    label = "votes"
    verbose_name = "公众投票"
