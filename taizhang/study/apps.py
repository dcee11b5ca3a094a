from django.apps import AppConfig


class StudyConfig(AppConfig):
    name = "taizhang.study"
    label = "study"
    verbose_name = "学习平台统计"

    def ready(self) -> None:
        from taizhang.core.navigation import MenuItem, register
        from taizhang.org.roles import Cap
        from taizhang.reports.sources import register_recompute
        from taizhang.study import providers

        register(MenuItem("学习平台统计", "study:week_list", Cap.VIEW, "理论武装", 30))
        providers.register_all()
        register_recompute("study", "taizhang.study.bulletin:recompute_figure")
