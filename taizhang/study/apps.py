from django.apps import AppConfig


class StudyConfig(AppConfig):
    name = "taizhang.study"
    label = "study"
    verbose_name = "学习平台统计"
