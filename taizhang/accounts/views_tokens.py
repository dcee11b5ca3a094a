"""The user's own API tokens (账户 › 接口令牌): list, issue (shown once), revoke. Administrators confirm the issue
with a current TOTP code."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_POST

from taizhang.accounts import tokens, totp
from taizhang.accounts.forms import TokenForm
from taizhang.accounts.models import ApiToken
from taizhang.core.errors import InvalidInput, NotPermitted

SHOWN_ONCE = "tz_new_token"


@sensitive_post_parameters("code")
@login_required
@never_cache
def token_list(request: HttpRequest) -> HttpResponse:
    user: Any = request.user
    admin_totp = tokens._admin_needs_totp(user)
    form = TokenForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        checked = bool(admin_totp and d.get("code") and totp.verify_user(user, d["code"]))
        try:
            if admin_totp and not checked:
                raise InvalidInput("动态口令不正确：管理员签发接口令牌须输入验证器当前显示的 6 位数字。",
                                   {"code": ["动态口令不正确"]})
            token, key = tokens.issue(acting_user=user, user=user, name=d["name"], days=d.get("days"),
                                      totp_checked=checked)
        except (InvalidInput, NotPermitted) as exc:
            form.add_error("code" if "code" in getattr(exc, "errors", {}) else None, exc.message)
        else:
            request.session[SHOWN_ONCE] = {"id": token.pk, "key": key}
            return redirect("accounts:tokens")
    shown = request.session.pop(SHOWN_ONCE, None) if request.method == "GET" else None
    return render(request, "accounts/tokens.html", {
        "form": form, "admin_totp": admin_totp, "new_key": shown.get("key") if isinstance(shown, dict) else None,
        "tokens": ApiToken.objects.filter(user=user).order_by("-created_at")[:100],
        "default_days": tokens.default_days(),
    })


@require_POST
@login_required
def token_revoke(request: HttpRequest, pk: int) -> HttpResponse:
    user: Any = request.user
    token = ApiToken.objects.select_related("user").filter(pk=pk, user=user).first()
    if token is None:
        raise Http404("未找到该令牌。")
    tokens.revoke(acting_user=request.user, token=token, reason="本人作废")
    messages.success(request, f"已作废接口令牌“{token.name}”。")
    return redirect("accounts:tokens")
