from django.apps import AppConfig


class PressConfig(AppConfig):
    name = "taizhang.press"
    label = "press"
    verbose_name = "新闻宣传与新媒体"
