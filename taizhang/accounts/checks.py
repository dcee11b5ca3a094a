"""Deployment checks (`taizhang check --deploy`) for the MLPS controls, next to Django's own."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.checks import Tags, Warning, register


@register(Tags.security, deploy=True)
def mlps_deploy_checks(app_configs: Any = None, **kwargs: Any) -> list[Warning]:
    problems: list[Warning] = []
    if settings.TAIZHANG_DEV_RELAXED:
        problems.append(Warning("TAIZHANG_DEV_RELAXED 已开启：口令、锁定、双因素和会话策略均被放宽，不能用于生产环境。",
                                id="taizhang.W001"))
    if not settings.TAIZHANG_SM4_KEY_FROM_ENV:
        problems.append(Warning("TAIZHANG_SM4_KEY 未通过环境变量设置：个人信息加密密钥保存在数据目录中，"
                                "会随数据一起被拷走。生产环境请由密钥管理渠道注入环境变量。", id="taizhang.W002"))
    if not settings.TAIZHANG_REQUIRE_TOTP_FOR_ADMINS:
        problems.append(Warning("TAIZHANG_REQUIRE_TOTP_FOR_ADMINS 已关闭：管理员可只凭密码登录（等保三级要求双因素）。",
                                id="taizhang.W003"))
    if settings.TAIZHANG_LOCKOUT_ATTEMPTS <= 0:
        problems.append(Warning("TAIZHANG_LOCKOUT_ATTEMPTS 为 0：登录失败不会锁定账户。", id="taizhang.W004"))
    if not settings.SECURE_HTTPS:
        problems.append(Warning("TAIZHANG_HTTPS 未开启：生产环境须通过 HTTPS 访问（安全 Cookie、HSTS）。",
                                id="taizhang.W005"))
    return problems
