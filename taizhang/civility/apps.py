from django.apps import AppConfig


class CivilityConfig(AppConfig):
    name = "taizhang.civility"
    label = "civility"
    verbose_name = "文明创建"
