"""Roles a user holds in a unit, and what each role may do. Capabilities are checked, never role names."""

from __future__ import annotations

from django.db import models


class Role(models.TextChoices):
    VIEWER = "viewer", "查看人员"
    LIAISON = "liaison", "联络员"
    REVIEWER = "reviewer", "审核员"
    STAFF = "staff", "部门工作人员"
    SYSADMIN = "sysadmin", "系统管理员"
    SECADMIN = "secadmin", "安全管理员"
    AUDITADMIN = "auditadmin", "审计管理员"


class Cap:
    VIEW = "view"  # see business data (records, figures, dashboards) in the subtree
    EDIT_RECORDS = "edit_records"  # create, edit, submit records of the subtree
    REVIEW_RECORDS = "review_records"  # approve or return submitted records of the subtree
    MANAGE_WORK = "manage_work"  # targets, schemes, summaries, bulletins, monitoring
    MANAGE_ORG = "manage_org"  # units, users and their roles, taxonomy, outlets
    MANAGE_SECURITY = "manage_security"  # password policy, locks, role grants review
    VIEW_AUDIT = "view_audit"  # read and export the audit log


ROLE_CAPS: dict[str, frozenset[str]] = {
    Role.VIEWER: frozenset({Cap.VIEW}),
    Role.LIAISON: frozenset({Cap.VIEW, Cap.EDIT_RECORDS}),
    Role.REVIEWER: frozenset({Cap.VIEW, Cap.REVIEW_RECORDS}),
    Role.STAFF: frozenset({Cap.VIEW, Cap.REVIEW_RECORDS, Cap.MANAGE_WORK}),
    # Separation of duties (三权分立): administrators manage the system, not business data or each other.
    Role.SYSADMIN: frozenset({Cap.MANAGE_ORG}),
    Role.SECADMIN: frozenset({Cap.MANAGE_SECURITY}),
    Role.AUDITADMIN: frozenset({Cap.VIEW_AUDIT}),
}

ADMIN_ROLES = frozenset({Role.SYSADMIN, Role.SECADMIN, Role.AUDITADMIN})
