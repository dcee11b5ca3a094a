from django.apps import AppConfig


class CitizenConfig(AppConfig):
    name = "taizhang.citizen"
    label = "citizen"
    verbose_name = "随手拍"
