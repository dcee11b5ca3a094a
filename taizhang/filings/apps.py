from django.apps import AppConfig


class FilingsConfig(AppConfig):
    name = "taizhang.filings"
    label = "filings"
    verbose_name = "阵地备案"

    def ready(self) -> None:
        from django.urls import reverse

        from taizhang.cases.registry import CaseKind, register_kind
        from taizhang.core.navigation import MenuItem, register
        from taizhang.filings import providers
        from taizhang.org.roles import Cap

        register(
            MenuItem("活动备案", "filings:filing_list", Cap.VIEW, "意识形态", 70),
            MenuItem("备案日历", "filings:calendar", Cap.VIEW, "意识形态", 71),
            MenuItem("未备案活动", "filings:unfiled_list", Cap.MANAGE_WORK, "意识形态", 72),
        )
        register_kind(CaseKind(
            key="filing_followup", name="未备案活动整改", sla_working_days=5,
            subject_url=lambda event: reverse("filings:unfiled_list") + f"?ids={event.pk}",
            description="论坛、讲座等活动未按规定备案即举办，由举办单位说明情况并整改",
        ))
        providers.register_all()
