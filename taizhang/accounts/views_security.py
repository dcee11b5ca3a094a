"""The security administrator's pages (manage_security): the policy in force, accounts' security state with
password reset, second-factor reset and unlock, login locks, and the administrator role grants."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth import get_user_model
from django.core.paginator import Paginator
from django.db.models import Prefetch, Q
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from taizhang.accounts import actions, lockout, policy
from taizhang.accounts.forms import AdminRoleForm
from taizhang.accounts.models import LoginLock
from taizhang.core.errors import InvalidInput, NotPermitted
from taizhang.org.models import Membership
from taizhang.org.roles import ADMIN_ROLES, Cap
from taizhang.org.views import cap_required

User = get_user_model()


def _user(pk: int) -> Any:
    user = User.objects.filter(pk=pk).first()
    if user is None:
        raise Http404("未找到该用户。")
    return user


@cap_required(Cap.MANAGE_SECURITY)
def policy_view(request: HttpRequest) -> HttpResponse:
    return render(request, "accounts/security/policy.html", {
        "rows": policy.describe(), "locked": len(lockout.active_locks()),
        "admins_without_totp": _admins_without_totp(), "totp_required": policy.totp_required_for_admins(),
    })


def _admins_without_totp() -> list[Any]:
    admin_ids = Membership.objects.filter(role__in=ADMIN_ROLES).values_list("user_id", flat=True)
    return list(User.objects.filter(pk__in=admin_ids, is_active=True)
                .filter(Q(totp_confirmed_at__isnull=True)).order_by("username"))


@cap_required(Cap.MANAGE_SECURITY)
@never_cache
def user_list(request: HttpRequest) -> HttpResponse:
    q = request.GET.get("q", "").strip()[:100]
    qs = User.objects.prefetch_related(
        Prefetch("memberships", queryset=Membership.objects.select_related("unit").order_by("unit__path", "role"))
    ).order_by("username")
    if q:
        qs = qs.filter(Q(username__icontains=q) | Q(display_name__icontains=q))
    state = request.GET.get("state", "")
    if state == "must_change":
        qs = qs.filter(must_change_password=True)
    elif state == "no_totp":
        qs = qs.filter(totp_confirmed_at__isnull=True)
    elif state == "inactive":
        qs = qs.filter(is_active=False)
    page = Paginator(qs, 50).get_page(request.GET.get("page"))
    locked = {lock.key for lock in lockout.active_locks() if lock.kind == LoginLock.Kind.USER}
    rows = [{"u": u, "locked": u.username.lower() in locked, "expired": policy.password_expired(u),
             "admin": any(m.role in ADMIN_ROLES for m in u.memberships.all())} for u in page.object_list]
    return render(request, "accounts/security/user_list.html", {"page": page, "rows": rows, "q": q, "state": state})


@cap_required(Cap.MANAGE_SECURITY)
@never_cache
def user_detail(request: HttpRequest, pk: int) -> HttpResponse:
    target = _user(pk)
    locks = LoginLock.objects.filter(kind=LoginLock.Kind.USER, key=target.username.lower())
    return render(request, "accounts/security/user_detail.html", {
        "target": target, "locks": locks, "expires": policy.password_expires_at(target),
        "memberships": Membership.objects.filter(user=target).select_related("unit").order_by("unit__path"),
        "is_self": target.pk == request.user.pk,
        "enrolment_code": _pop_code(request, target) if request.method == "GET" else None,
        "enrolment_required": actions.enrolment_code_required(target),
    })


def _pop_code(request: HttpRequest, target: Any) -> str | None:
    data = request.session.pop("tz_enrolment_code", None)
    if isinstance(data, dict) and data.get("user") == target.pk:
        return str(data.get("code") or "")
    return None


@require_POST
@cap_required(Cap.MANAGE_SECURITY)
def user_reset_password(request: HttpRequest, pk: int) -> HttpResponse:
    """The reset mails a one-time link to the user; this page never shows a password or the link."""
    target = _user(pk)
    try:
        result = actions.reset_password(acting_user=request.user, user=target)
    except (InvalidInput, NotPermitted) as exc:
        messages.error(request, exc.message)
    else:
        until = f"{result.expires_at:%m-%d %H:%M}"
        messages.success(request, f"已重置 {target.username} 的密码：原密码已失效，一次性重置链接已发送至 "
                                  f"{result.sent_to}，{until} 前有效。本人和审计管理员已收到通知。")
    return redirect("accounts:security_user", pk=target.pk)


@require_POST
@cap_required(Cap.MANAGE_SECURITY)
def user_enrolment_code(request: HttpRequest, pk: int) -> HttpResponse:
    """A one-time code the user needs to bind an authenticator; shown once on the next page, to hand over."""
    target = _user(pk)
    try:
        code = actions.issue_enrolment_code(acting_user=request.user, user=target)
    except (InvalidInput, NotPermitted) as exc:
        messages.error(request, exc.message)
    else:
        # Kept in the server-side session for the one next page, never in a URL or a cookie.
        request.session["tz_enrolment_code"] = {"user": target.pk, "code": code}
    return redirect("accounts:security_user", pk=target.pk)


@require_POST
@cap_required(Cap.MANAGE_SECURITY)
def user_reset_totp(request: HttpRequest, pk: int) -> HttpResponse:
    target = _user(pk)
    try:
        actions.reset_totp(acting_user=request.user, user=target)
    except NotPermitted as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, f"已重置 {target.username} 的动态口令；对方下次登录时须重新绑定验证器。")
    return redirect("accounts:security_user", pk=target.pk)


@require_POST
@cap_required(Cap.MANAGE_SECURITY)
def user_unlock(request: HttpRequest, pk: int) -> HttpResponse:
    target = _user(pk)
    count = actions.unlock_user(acting_user=request.user, user=target)
    messages.success(request, f"已解除 {target.username} 的登录锁定。" if count else "该账户没有锁定记录。")
    return redirect("accounts:security_user", pk=target.pk)


@cap_required(Cap.MANAGE_SECURITY)
@never_cache
def lock_list(request: HttpRequest) -> HttpResponse:
    recent = LoginLock.objects.filter(Q(locked_until__isnull=False) | Q(failures__gt=0)).order_by(
        "-locked_until", "-last_failure_at")[:200]
    return render(request, "accounts/security/locks.html", {"locks": lockout.active_locks(), "recent": recent})


@require_POST
@cap_required(Cap.MANAGE_SECURITY)
def lock_release(request: HttpRequest, pk: int) -> HttpResponse:
    lock = LoginLock.objects.filter(pk=pk).first()
    if lock is None:
        raise Http404("未找到该锁定记录。")
    actions.unlock(acting_user=request.user, lock=lock)
    messages.success(request, f"已解除{lock.get_kind_display()}“{lock.key}”的登录锁定。")
    return redirect("accounts:security_locks")


@cap_required(Cap.MANAGE_SECURITY)
@never_cache
def admin_roles(request: HttpRequest) -> HttpResponse:
    """Review every role grant (administrator roles first) and grant administrator roles."""
    form = AdminRoleForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            actions.grant_admin_role(acting_user=request.user, user=d["user"], unit=d["unit"], role=d["role"])
        except (InvalidInput, NotPermitted) as exc:
            form.add_error(None, exc.message)
        else:
            messages.success(request, "已授予管理员角色。")
            return redirect("accounts:security_roles")
    grants = Membership.objects.select_related("user", "unit").order_by("user__username", "unit__path")
    admin = [m for m in grants if m.role in ADMIN_ROLES]
    show_all = request.GET.get("all") == "1"
    return render(request, "accounts/security/roles.html", {
        "form": form, "admin_grants": admin, "conflicts": separation_conflicts(grants),
        "other_grants": [m for m in grants if m.role not in ADMIN_ROLES] if show_all else None,
        "other_count": sum(1 for m in grants if m.role not in ADMIN_ROLES),
    })


def separation_conflicts(grants: Any) -> list[dict[str, Any]]:
    """People who hold an administrator role beside a business role or a second administrator role (grants made
    before the rule was enforced on every grant, or written to the database directly)."""
    by_user: dict[int, list[Any]] = {}
    for m in grants:
        by_user.setdefault(m.user_id, []).append(m)
    rows = []
    for memberships in by_user.values():
        admin = sorted({m.get_role_display() for m in memberships if m.role in ADMIN_ROLES})
        business = sorted({m.get_role_display() for m in memberships if m.role not in ADMIN_ROLES})
        if admin and (business or len(admin) > 1):
            rows.append({"user": memberships[0].user, "admin": "、".join(admin), "business": "、".join(business)})
    return rows


@require_POST
@cap_required(Cap.MANAGE_SECURITY)
def admin_role_revoke(request: HttpRequest, pk: int) -> HttpResponse:
    membership = Membership.objects.select_related("user", "unit").filter(pk=pk).first()
    if membership is None:
        raise Http404("未找到该授权。")
    try:
        actions.revoke_admin_role(acting_user=request.user, membership=membership)
    except (InvalidInput, NotPermitted) as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, f"已撤销 {membership.user} 的“{membership.get_role_display()}”角色。")
    return redirect("accounts:security_roles")
