from django.apps import AppConfig


class CitizenConfig(AppConfig):
    name = "taizhang.citizen"
    label = "citizen"
    verbose_name = "随手拍"

    def ready(self) -> None:
        from taizhang.core.navigation import MenuItem, register
        from taizhang.org.roles import Cap

        register(
            MenuItem("随手拍受理", "citizen:queue", Cap.MANAGE_WORK, "随手拍", 70),
            MenuItem("随手拍报告", "citizen:report_list", Cap.MANAGE_WORK, "随手拍", 71),
            MenuItem("随手拍统计", "citizen:stats", Cap.VIEW, "随手拍", 72),
            MenuItem("派单目录", "citizen:catalogue", Cap.MANAGE_WORK, "随手拍", 73),
            MenuItem("地点", "citizen:place_list", Cap.MANAGE_WORK, "随手拍", 74),
        )
        from taizhang.citizen import portal, providers, workbench  # noqa: F401 - workbench registers its panel

        portal.register_sections()
        providers.register_all()
        self._register_case_kind()

    @staticmethod
    def _register_case_kind() -> None:
        try:
            from taizhang.cases.registry import CaseKind, register_kind
        except ImportError:  # the case loop is not there yet: dispatch will say so
            return
        from django.urls import reverse

        from taizhang.citizen.actions import CASE_KIND, on_case_state_change

        register_kind(CaseKind(
            key=CASE_KIND, name="随手拍", sla_working_days=3, has_citizen=True,
            subject_url=lambda obj: reverse("citizen:report_detail", args=[obj.pk]),
            on_state_change=on_case_state_change,
        ))
