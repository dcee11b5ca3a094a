from django.apps import AppConfig


class TargetsConfig(AppConfig):
    name = "taizhang.targets"
    label = "targets"
    verbose_name = "目标考核"

    def ready(self) -> None:
        from taizhang.core.navigation import MenuItem, register
        from taizhang.org.roles import Cap

        register(
            MenuItem("目标进度", "targets:progress", Cap.VIEW, "目标考核", 50),
            MenuItem("考核排名", "targets:ranking", Cap.VIEW, "目标考核", 51),
            MenuItem("考核通报", "targets:bulletin_list", Cap.VIEW, "目标考核", 52),
            MenuItem("加减分申报", "targets:adjustment_list", Cap.EDIT_RECORDS, "目标考核", 53),
            MenuItem("加减分审核", "targets:adjustment_review", Cap.MANAGE_WORK, "目标考核", 54),
            MenuItem("目标任务管理", "targets:target_list", Cap.MANAGE_WORK, "目标考核", 55),
            MenuItem("考核方案", "targets:scheme_list", Cap.VIEW, "目标考核", 56),
            MenuItem("考核运行", "targets:run_list", Cap.MANAGE_WORK, "目标考核", 57),
        )
