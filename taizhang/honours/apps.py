from django.apps import AppConfig


class HonoursConfig(AppConfig):
    name = "taizhang.honours"
    label = "honours"
    verbose_name = "先进典型"

    def ready(self) -> None:
        from taizhang.core.navigation import MenuItem, register
        from taizhang.core.notifications import register_event
        from taizhang.org.roles import Cap

        register(
            MenuItem("评选活动", "honours:campaign_list", Cap.VIEW, "先进典型", 80),
            MenuItem("资格审查", "honours:signoff_queue", Cap.REVIEW_RECORDS, "先进典型", 81),
            MenuItem("公示异议", "honours:objection_list", Cap.MANAGE_WORK, "先进典型", 82),
            MenuItem("典型库", "honours:rolemodel_list", Cap.VIEW, "先进典型", 83),
        )
        register_event("objection_received", "公示异议")
        from taizhang.honours import portal, providers, workbench  # noqa: F401 - workbench registers its panel

        portal.register_sections()
        providers.register_all()
