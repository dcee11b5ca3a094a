from django.apps import AppConfig


class VolunteersConfig(AppConfig):
    name = "taizhang.volunteers"
    label = "volunteers"
    verbose_name = "志愿服务"

    def ready(self) -> None:
        from taizhang.core.navigation import MenuItem, register
        from taizhang.org.roles import Cap
        from taizhang.volunteers import portal, providers

        register(
            MenuItem("志愿服务概况", "volunteers:dashboard", Cap.VIEW, "志愿服务", 80),
            MenuItem("志愿服务活动", "volunteers:activities", Cap.VIEW, "志愿服务", 81),
            MenuItem("服务时长", "volunteers:hours", Cap.VIEW, "志愿服务", 82),
            MenuItem("时长申诉", "volunteers:disputes", Cap.VIEW, "志愿服务", 83),
            MenuItem("志愿者", "volunteers:volunteers", Cap.VIEW, "志愿服务", 84),
            MenuItem("队伍和阵地", "volunteers:teams", Cap.VIEW, "志愿服务", 85),
            MenuItem("点单服务", "volunteers:orders", Cap.VIEW, "志愿服务", 86),
            MenuItem("志愿服务证明", "volunteers:certificates", Cap.VIEW, "志愿服务", 87),
        )
        providers.register_all()
        portal.register_sections()
        from taizhang.volunteers import workbench

        workbench.register_panels()
