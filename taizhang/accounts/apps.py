from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "taizhang.accounts"
    label = "accounts"
    verbose_name = "账户"

    def ready(self) -> None:
        from taizhang.accounts import checks, signals  # noqa: F401 - registers the deploy checks and audit receivers
        from taizhang.core import audit
        from taizhang.core.navigation import MenuItem, register
        from taizhang.org.roles import Cap

        for action, label in (
            ("totp_enable", "启用动态口令"), ("totp_disable", "停用动态口令"), ("totp_reset", "重置动态口令"),
            ("audit_prune", "审计日志归档清理"), ("audit_export", "导出审计日志"),
        ):
            audit.ACTIONS.setdefault(action, label)
        register(
            MenuItem("安全策略", "accounts:security", Cap.MANAGE_SECURITY, "安全管理", 200),
            MenuItem("账户安全", "accounts:security_users", Cap.MANAGE_SECURITY, "安全管理", 210),
            MenuItem("登录锁定", "accounts:security_locks", Cap.MANAGE_SECURITY, "安全管理", 220),
            MenuItem("授权审查", "accounts:security_roles", Cap.MANAGE_SECURITY, "安全管理", 230),
            # The audit viewer lives in core (core/views_audit.py); its entry is registered here with the other
            # MLPS pages.
            MenuItem("审计日志", "core:audit_list", Cap.VIEW_AUDIT, "安全审计", 300),
        )
