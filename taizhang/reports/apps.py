from django.apps import AppConfig


class ReportsConfig(AppConfig):
    name = "taizhang.reports"
    label = "reports"
    verbose_name = "工作总结"

    def ready(self) -> None:
        from taizhang.core.navigation import MenuItem, register
        from taizhang.org.roles import Cap
        from taizhang.reports import system_checks  # noqa: F401  (registers the recompute-registry check)

        register(
            MenuItem("工作总结", "reports:summary_list", Cap.VIEW, "工作总结", 60),
            MenuItem("生成总结", "reports:summary_create", Cap.MANAGE_WORK, "工作总结", 61),
            MenuItem("模板填写", "reports:template_list", Cap.MANAGE_WORK, "工作总结", 62),
            MenuItem("总结数据提取", "reports:extract", Cap.VIEW, "工作总结", 63),
            MenuItem("数据核对", "reports:check_upload", Cap.VIEW, "工作总结", 64),
            MenuItem("总结句式库", "reports:phrase_list", Cap.MANAGE_WORK, "工作总结", 65),
        )
