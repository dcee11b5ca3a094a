from django.apps import AppConfig


class MonitorConfig(AppConfig):
    name = "taizhang.monitor"
    label = "monitor"
    verbose_name = "舆情监测"
