from django.apps import AppConfig


class HonoursConfig(AppConfig):
    name = "taizhang.honours"
    label = "honours"
    verbose_name = "先进典型"
