from django.apps import AppConfig


class OrgConfig(AppConfig):
    name = "taizhang.org"
    label = "org"
    verbose_name = "单位"

    def ready(self) -> None:
        from taizhang.core.navigation import MenuItem, register
        from taizhang.core.permissions import ScopingBackend, register_backend
        from taizhang.org import scoping
        from taizhang.org.roles import Cap

        # core checks capabilities through this interface (core imports no app)
        register_backend(ScopingBackend(scoping.has_cap, scoping.unit_ids_for, scoping.can_in_unit))
        from taizhang.core.audit_labels import ROLE_LABELS
        from taizhang.org.roles import Role

        ROLE_LABELS.update({str(k): str(v) for k, v in Role.choices})  # the audit log shows roles by name

        register(
            MenuItem("单位管理", "org:unit_list", Cap.MANAGE_ORG, "系统管理", 100),
            MenuItem("用户管理", "org:user_list", Cap.MANAGE_ORG, "系统管理", 110),
            MenuItem("通知渠道", "org:channel_list", Cap.MANAGE_ORG, "系统管理", 115),
        )
