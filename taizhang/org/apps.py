from django.apps import AppConfig


class OrgConfig(AppConfig):
    name = "taizhang.org"
    label = "org"
    verbose_name = "单位"

    def ready(self) -> None:
        from taizhang.core.navigation import MenuItem, register
        from taizhang.org.roles import Cap

        register(
            MenuItem("单位管理", "org:unit_list", Cap.MANAGE_ORG, "系统管理", 100),
            MenuItem("用户管理", "org:user_list", Cap.MANAGE_ORG, "系统管理", 110),
        )
