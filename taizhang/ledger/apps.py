from django.apps import AppConfig


class LedgerConfig(AppConfig):
    name = "taizhang.ledger"
    label = "ledger"
    verbose_name = "台账"

    def ready(self) -> None:
        from taizhang.core.navigation import MenuItem, register
        from taizhang.org.roles import Cap

        register(
            MenuItem("数据看板", "ledger:dashboard", Cap.VIEW, "台账", 1),
            MenuItem("台账记录", "ledger:record_list", Cap.VIEW, "台账", 20),
            MenuItem("审核", "ledger:review_queue", Cap.REVIEW_RECORDS, "台账", 30),
            MenuItem("新增记录", "ledger:record_create", Cap.EDIT_RECORDS, "台账", 40),
            MenuItem("Excel 导入", "ledger:excel_import", Cap.EDIT_RECORDS, "台账", 45),
            MenuItem("指标体系", "ledger:taxonomy", Cap.MANAGE_ORG, "系统管理", 120),
            MenuItem("媒体名录", "ledger:outlet_list", Cap.MANAGE_ORG, "系统管理", 130),
        )
