"""`taizhang demo`: no accounts of its own (org.demo creates the users); a note on the second factor."""

from __future__ import annotations

from typing import Any

from taizhang.accounts import policy


def build(ctx: Any) -> None:
    if policy.totp_required_for_admins():
        ctx.log("管理员账户（sysadmin、secadmin、auditadmin）首次登录时须用手机验证器绑定动态口令，并输入一次性绑定码："
                "在服务器上执行 taizhang totp_code --user secadmin 签发"
                "（其余管理员的绑定码也可由 secadmin 在“账户安全”页签发）；"
                "开发环境可设 TAIZHANG_REQUIRE_TOTP_FOR_ADMINS=false 或 TAIZHANG_DEV_RELAXED=true 关闭。")
