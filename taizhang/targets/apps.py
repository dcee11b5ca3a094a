from django.apps import AppConfig


class TargetsConfig(AppConfig):
    name = "taizhang.targets"
    label = "targets"
    verbose_name = "目标考核"
