from django.apps import AppConfig


class MonitorConfig(AppConfig):
    name = "taizhang.monitor"
    label = "monitor"
    verbose_name = "舆情监测"

    def ready(self) -> None:
        from taizhang.core.navigation import MenuItem, register
        from taizhang.monitor import incident_cases
        from taizhang.monitor.actions import manages_monitoring
        from taizhang.org.roles import Cap

        incident_cases.register()  # an incident's assignment is a case (工单) of kind "incident"

        register(
            # the board is open to view users too: they see the incidents assigned to their units
            MenuItem("事件看板", "monitor:incident_list", Cap.VIEW, "舆情监测", 80),
            # department-wide pages: manage_work over a top-level unit (a street's staff would get 403)
            MenuItem("预警", "monitor:alert_list", Cap.MANAGE_WORK, "舆情监测", 81, manages_monitoring),
            MenuItem("每日舆情", "monitor:brief_list", Cap.MANAGE_WORK, "舆情监测", 82, manages_monitoring),
            MenuItem("信息源", "monitor:source_list", Cap.MANAGE_WORK, "舆情监测", 83, manages_monitoring),
            MenuItem("关注词", "monitor:watchlist_list", Cap.MANAGE_WORK, "舆情监测", 84, manages_monitoring),
            MenuItem("用稿线索", "monitor:proposal_list", Cap.MANAGE_WORK, "舆情监测", 85, manages_monitoring),
            # the security administrator's decision: which sources and webhooks may reach private addresses
            MenuItem("内网地址许可", "monitor:internal_addresses", Cap.MANAGE_SECURITY, "安全管理", 240),
        )
