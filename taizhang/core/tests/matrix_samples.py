"""Sample objects for the permission matrix (core/testing_matrix.py): core's URLs, and the accounts app's (kept
here, beside the matrix, as the accounts app is the security helpers' and its models are shared by core)."""

from __future__ import annotations

import datetime
from typing import Any

from django.apps import apps
from django.utils import timezone

from taizhang.core.testing_matrix import MatrixWorld, Sample


def _model(label: str) -> Any:
    try:
        return apps.get_model(label)
    except LookupError:
        return None


def samples(world: MatrixWorld) -> dict[str, Sample]:
    from taizhang.core import audit
    from taizhang.core.models import AuditEntry, Job
    from taizhang.org.models import Membership

    out: dict[str, Sample] = {}
    viewer = world.users["in:viewer@SA"]
    staff = world.users["in:staff@D"]
    job = Job.objects.create(kind="matrix.sample", params={}, created_by=staff)
    out["core:job"] = Sample({"pk": job.pk})
    audit.record("config", None, user=None, message="permission matrix", object_type="matrix")
    out["core:audit_detail"] = Sample({"pk": AuditEntry.objects.order_by("-id").values_list("pk", flat=True)[0]})
    notification = _model("core.Notification")
    if notification is not None:
        notice = notification.objects.create(recipient=staff, event="matrix", title="矩阵通知")
        out["core:notice_open"] = Sample({"pk": notice.pk})
        out["core:notice_read"] = Sample({"pk": notice.pk})
    # accounts: the security administrator's pages about a user, a lock, an administrator role; one's own token
    for name in ("security_user", "security_reset_password", "security_reset_totp", "security_enrolment_code",
                 "security_unlock_user"):
        out[f"accounts:{name}"] = Sample({"pk": viewer.pk})
    lock = _model("accounts.LoginLock")
    if lock is not None:
        found = lock.objects.create(kind="user", key="mx_locked", failures=5,
                                    locked_until=timezone.now() + datetime.timedelta(minutes=15))
        out["accounts:security_lock_release"] = Sample({"pk": found.pk})
    admin_role = Membership.objects.filter(role="auditadmin").order_by("id").first()
    if admin_role is not None:
        out["accounts:security_role_revoke"] = Sample({"pk": admin_role.pk})
    token = _model("accounts.ApiToken")
    if token is not None:
        made = token.objects.create(user=staff, name="矩阵", prefix="mx", digest="f" * 64,
                                    expires_at=timezone.now() + datetime.timedelta(days=30))
        out["accounts:token_revoke"] = Sample({"pk": made.pk})
    out["accounts:password_reset_confirm"] = Sample({"code": "not-a-real-code-000000"})
    # org: units, users and their roles (system administrator)
    tree = world.tree
    membership = Membership.objects.filter(user=viewer).first()
    out["org:unit_edit"] = Sample({"pk": tree.street_a.pk})
    out["org:unit_move"] = Sample({"pk": tree.community_a1.pk})
    out["org:user_detail"] = Sample({"pk": viewer.pk})
    out["org:role_grant"] = Sample({"pk": viewer.pk})
    if membership is not None:
        out["org:role_revoke"] = Sample({"pk": membership.pk})
    out["unit-detail"] = Sample({"code": tree.street_a.code}, tree.street_a)
    return out
