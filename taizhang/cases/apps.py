from django.apps import AppConfig


class CasesConfig(AppConfig):
    name = "taizhang.cases"
    label = "cases"
    verbose_name = "工单"

    def ready(self) -> None:
        from taizhang.cases import providers
        from taizhang.cases.actions import AUDIT_ACTIONS
        from taizhang.core import audit
        from taizhang.core.navigation import MenuItem, register
        from taizhang.org.roles import Cap

        for action, label in AUDIT_ACTIONS.items():
            audit.ACTIONS.setdefault(action, label)
        register(
            MenuItem("工单", "cases:case_list", Cap.VIEW, "工单", 70),
            MenuItem("督办规则", "cases:rule_list", Cap.MANAGE_WORK, "工单", 71),
        )
        providers.register_all()
        from taizhang.cases.models import Case
        from taizhang.ledger.maintenance import register_figure_table

        register_figure_table(Case._meta.db_table)  # 办结率 by unit reads cases_unit_created_figs index-only
