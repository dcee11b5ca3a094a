"""New-media accounts: filings (open, change, suspend, close), statistics, dormancy checks, sampling, checks with
rectification cases, and the three-step post review (先审后发)."""

from __future__ import annotations

import datetime
import math
import random
from collections.abc import Iterable
from typing import Any

from django.db import transaction
from django.utils import timezone

from taizhang.core import audit
from taizhang.core.concurrency import save_versioned
from taizhang.core.errors import InvalidInput, InvalidTransition, NotPermitted
from taizhang.org.models import Unit
from taizhang.org.roles import Cap
from taizhang.org.scoping import can_in_unit
from taizhang.press import rules
from taizhang.press.actions.common import require_staff, require_unit, text, user_or_none
from taizhang.press.models import (
    PLATFORM_NAMES,
    AccountCheck,
    AccountFiling,
    AccountStat,
    NewMediaAccount,
    PostReview,
    PostReviewStep,
)

A = NewMediaAccount.State
F = AccountFiling.Kind
EDITABLE_FIELDS = ("name", "account_id", "url", "operator", "reviewer", "feed_url")


def _clean_account(values: dict[str, Any]) -> dict[str, Any]:
    platform = str(values.get("platform") or "")
    if platform and platform not in PLATFORM_NAMES:
        raise InvalidInput(f"未知平台“{platform}”", {"platform": ["未知平台"]})
    cleaned: dict[str, Any] = {}
    if "platform" in values:
        cleaned["platform"] = platform
    for field, label, size, required in (
        ("name", "账号名称", 100, True),
        ("account_id", "账号ID", 100, False),
        ("operator", "运维人员", 50, False),
        ("reviewer", "审核人员", 50, False),
    ):
        if field in values:
            cleaned[field] = text(values[field], field, label, max_length=size, required=required)
    for field in ("url", "feed_url"):
        if field in values:
            url = str(values[field] or "").strip()
            if url and not url.lower().startswith(("http://", "https://")):
                raise InvalidInput("地址须以 http:// 或 https:// 开头", {field: ["地址格式有误"]})
            cleaned[field] = url[:500]
    return cleaned


@transaction.atomic
def file_new_account(
    *, acting_user: Any, unit: Unit, platform: str, name: str, reason: str = "", **details: Any
) -> AccountFiling:
    """A unit files to open an account. A second account of one unit on one platform is questioned: the filing
    says so and needs a reason."""
    require_unit(acting_user, unit, "您不能为该单位备案新媒体账号。")
    if not platform:
        raise InvalidInput("请选择平台", {"platform": ["请选择平台"]})
    values = _clean_account({"platform": platform, "name": name, **details})
    duplicate = NewMediaAccount.objects.filter(unit=unit, platform=platform).exclude(state=A.CLOSED).exists()
    if duplicate and not str(reason or "").strip():
        raise InvalidInput(
            f"{unit.name}在{PLATFORM_NAMES[platform]}已有账号：原则上一个单位在同一平台只开设一个账号，"
            "确需开设请说明理由",
            {"reason": ["请说明理由"]},
        )
    account = NewMediaAccount.objects.create(unit=unit, state=A.PENDING, **values)
    filing = AccountFiling.objects.create(
        unit=unit,
        account=account,
        kind=F.OPEN,
        changes=values,
        reason=str(reason or "").strip(),
        duplicate_warning=duplicate,
        submitted_by=user_or_none(acting_user),
    )
    audit.record("newmedia_file", filing, user=acting_user, after=audit.snapshot(filing))
    return filing


@transaction.atomic
def file_account_change(
    *, acting_user: Any, account: NewMediaAccount, kind: str, reason: str = "", changes: dict[str, Any] | None = None
) -> AccountFiling:
    """Change (new name, operator…), suspend or close an account: a filing the department approves."""
    require_unit(acting_user, account.unit, "您不能为该单位备案新媒体账号。")
    if kind not in (F.CHANGE, F.SUSPEND, F.CLOSE):
        raise InvalidInput("备案类型只能是变更、暂停或关停", {"kind": ["备案类型有误"]})
    if account.state == A.CLOSED:
        raise InvalidTransition("账号已关停，不能再备案")
    if account.filings.filter(state=AccountFiling.State.PENDING).exists():
        raise InvalidTransition("该账号有待审核的备案，请等待审核后再提交")
    cleaned = _clean_account({k: v for k, v in (changes or {}).items() if k in EDITABLE_FIELDS})
    if kind == F.CHANGE and not cleaned:
        raise InvalidInput("请填写要变更的内容", {"changes": ["请填写要变更的内容"]})
    if kind in (F.SUSPEND, F.CLOSE) and not str(reason or "").strip():
        raise InvalidInput("请说明暂停或关停的理由", {"reason": ["请说明理由"]})
    filing = AccountFiling.objects.create(
        unit=account.unit,
        account=account,
        kind=kind,
        changes=cleaned,
        reason=str(reason or "").strip(),
        submitted_by=user_or_none(acting_user),
    )
    audit.record("newmedia_file", filing, user=acting_user, after=audit.snapshot(filing))
    return filing


@transaction.atomic
def decide_filing(
    *, acting_user: Any, filing: AccountFiling, approve: bool, note: str = "", filing_number: str = ""
) -> AccountFiling:
    require_staff(acting_user, filing.unit, "只有宣传部工作人员可以审核账号备案。")
    filing = AccountFiling.objects.select_for_update().get(pk=filing.pk)
    if filing.state != AccountFiling.State.PENDING:
        raise InvalidTransition("该备案已审核")
    if not approve and not str(note or "").strip():
        raise InvalidInput("退回备案须说明理由", {"note": ["请说明理由"]})
    account = NewMediaAccount.objects.get(pk=filing.account_id)
    before = audit.snapshot(account)
    if approve:
        fields: list[str] = []
        if filing.kind == F.OPEN:
            account.state = A.ACTIVE
            account.opened_on = account.opened_on or timezone.localdate()
            account.filing_number = filing_number.strip() or f"XMT{timezone.localdate():%Y}{account.pk:05d}"
            fields = ["state", "opened_on", "filing_number"]
        elif filing.kind == F.CHANGE:
            for key, value in filing.changes.items():
                setattr(account, key, value)
            fields = list(filing.changes)
        elif filing.kind == F.SUSPEND:
            account.state, fields = A.SUSPENDED, ["state"]
        elif filing.kind == F.CLOSE:
            account.state, fields = A.CLOSED, ["state"]
        save_versioned(account, account.version, fields)
    elif filing.kind == F.OPEN:
        account.state = A.CLOSED  # a refused opening never runs
        save_versioned(account, account.version, ["state"])
    filing.state = AccountFiling.State.APPROVED if approve else AccountFiling.State.RETURNED
    filing.decided_by, filing.decided_at, filing.note = user_or_none(acting_user), timezone.now(), note.strip()
    filing.save(update_fields=["state", "decided_by", "decided_at", "note", "updated_at"])
    audit.record(
        "newmedia_filing_decide",
        filing,
        user=acting_user,
        before=before,
        after=audit.snapshot(account),
        message="通过" if approve else f"退回：{note}",
    )
    return filing


# --- statistics ---------------------------------------------------------------------------------------------------
STAT_FIELDS = (
    "posts",
    "reads",
    "likes",
    "shares",
    "comments",
    "new_followers",
    "total_followers",
    "last_post_date",
    "top_post_title",
    "top_post_reads",
)


def store_stats(rows: Iterable[dict[str, Any]], *, acting_user: Any, batch_size: int = 2000) -> tuple[int, int]:
    """Insert or replace statistics rows (validated by press.imports); the caller holds the transaction.
    A re-import of the same account and period replaces the row, never adds a second. Returns (created, updated).
    Rows are written in bulk: one query per batch to find existing periods, one insert and one update."""
    rows = list(rows)
    now = timezone.now()
    created = updated = 0
    touched: dict[int, datetime.date] = {}
    for i in range(0, len(rows), batch_size):
        batch = rows[i : i + batch_size]
        account_ids = {r["account"].pk for r in batch}
        existing = {
            (a, start, end): pk
            for pk, a, start, end in AccountStat.objects.filter(account_id__in=account_ids).values_list(
                "id", "account_id", "period_start", "period_end")
        }
        new: list[AccountStat] = []
        changed: list[AccountStat] = []
        for row in batch:
            account: NewMediaAccount = row["account"]
            values = {k: row[k] for k in STAT_FIELDS if k in row}
            pk = existing.get((account.pk, row["period_start"], row["period_end"]))
            stat = AccountStat(pk=pk, account=account, period_start=row["period_start"], period_end=row["period_end"],
                               imported_at=now, **values)
            (changed if pk else new).append(stat)
            last = row.get("last_post_date")
            if last and (account.pk not in touched or last > touched[account.pk]):
                touched[account.pk] = last
        AccountStat.objects.bulk_create(new)
        if changed:
            # replaced rows keep their ids (documents cite them); delete + insert is far faster than bulk_update
            AccountStat.objects.filter(pk__in=[stat.pk for stat in changed]).delete()
            AccountStat.objects.bulk_create(changed)
        created, updated = created + len(new), updated + len(changed)
    for account_id, last in touched.items():
        note_last_post(account_id, last)
    audit.record("newmedia_stats_import", None, user=acting_user, object_type="press.accountstat",
                 message=f"新增 {created} 条，更新 {updated} 条")
    return created, updated


def note_last_post(account_id: int, day: datetime.date) -> None:
    """Move an account's last post date forward (statistics, a followed public feed); never backwards."""
    NewMediaAccount.objects.filter(pk=account_id).exclude(last_post_date__gte=day).update(last_post_date=day)


# --- dormancy, sampling and checks --------------------------------------------------------------------------------
def dormancy(on: datetime.date, accounts: Iterable[NewMediaAccount] | None = None) -> list[dict[str, Any]]:
    """Every active account with its last post date, days since and flag (ok / warning / dormant) on `on`."""
    qs = accounts if accounts is not None else NewMediaAccount.objects.filter(state=A.ACTIVE).select_related("unit")
    out = []
    for account in qs:
        days = rules.days_since(account.last_post_date, on, account.opened_on)
        out.append(
            {"account": account, "last_post": account.last_post_date, "days": days, "flag": rules.dormancy_flag(days)}
        )
    return out


@transaction.atomic
def sample_accounts(
    *, acting_user: Any, month: datetime.date, share: float | None = None, owner: Unit | None = None
) -> list[AccountCheck]:
    """Draw at least `share` of the active accounts (TAIZHANG_NEWMEDIA_SAMPLE_PERCENT) for this month's checks.
    Accounts already checked this month count toward the share; the draw is reproducible for a month."""
    from django.conf import settings

    if owner is not None:
        require_staff(acting_user, owner)
    share = settings.TAIZHANG_NEWMEDIA_SAMPLE_PERCENT / 100 if share is None else share
    if not 0 < share <= 1:
        raise InvalidInput("抽查比例须在 0 到 1 之间")
    first = month.replace(day=1)
    last = (first + datetime.timedelta(days=32)).replace(day=1) - datetime.timedelta(days=1)
    accounts = NewMediaAccount.objects.filter(state=A.ACTIVE)
    if owner is not None:
        accounts = accounts.filter(unit__path__startswith=owner.path)
    ids = sorted(accounts.values_list("id", flat=True))
    need = math.ceil(len(ids) * share)
    done = set(
        AccountCheck.objects.filter(account_id__in=ids, check_date__range=(first, last)).values_list(
            "account_id", flat=True
        )
    )
    rest = [i for i in ids if i not in done]
    random.Random(f"{first:%Y-%m}").shuffle(rest)
    chosen = rest[: max(0, need - len(done))]
    checks = [
        AccountCheck.objects.create(account_id=i, check_date=max(first, min(last, timezone.localdate())), sampled=True)
        for i in chosen
    ]
    audit.record(
        "newmedia_sample",
        None,
        user=acting_user,
        object_type="press.accountcheck",
        message=f"{first:%Y年%m月}抽取 {len(checks)} 个账号（共 {len(ids)} 个，比例 {share:.0%}）",
    )
    return checks


@transaction.atomic
def record_check(*, acting_user: Any, check: AccountCheck, failed: Iterable[str], note: str = "") -> AccountCheck:
    """Record a check's result. The 14-day rule is decided from the last post date, not by the checker. A failed
    check opens a rectification case (kind newmedia_rectification) for the owning unit; a re-check of a failed
    check closes its case when it passes and sends it back to the unit when it fails again."""
    check = AccountCheck.objects.select_for_update().select_related("account__unit").get(pk=check.pk)
    account = check.account
    require_staff(acting_user, account.unit, "只有宣传部工作人员可以检查新媒体账号。")
    if check.result != AccountCheck.Result.PENDING:
        raise InvalidTransition("该检查已有结论")
    failed_set = {str(k) for k in failed} - {"no_update"}
    unknown = failed_set - set(rules.INDICATOR_BY_KEY)
    if unknown:
        raise InvalidInput(f"未知检查项：{'、'.join(sorted(unknown))}")
    days = rules.days_since(account.last_post_date, check.check_date, account.opened_on)
    if rules.dormancy_flag(days) == "dormant":
        failed_set.add("no_update")
    points, vetoed, passed = rules.score(failed_set)
    check.items = {i.key: {"failed": i.key in failed_set, "name": i.name} for i in rules.INDICATORS}
    check.days_since_post, check.score, check.vetoed = days, points, vetoed
    check.result = AccountCheck.Result.PASSED if passed else AccountCheck.Result.FAILED
    check.checker, check.note = user_or_none(acting_user), str(note or "").strip()[:2000]
    check.save(update_fields=["items", "days_since_post", "score", "vetoed", "result", "checker", "note", "updated_at"])
    audit.record("newmedia_check", check, user=acting_user, after=audit.snapshot(check))
    _follow_up(acting_user, check, passed, failed_set)
    return check


def _follow_up(acting_user: Any, check: AccountCheck, passed: bool, failed: set[str]) -> None:
    from taizhang.cases import actions as cases
    from taizhang.cases.models import Case

    original = check.recheck_of
    if original is not None:
        for case in Case.objects.for_subject(original).exclude(state__in=Case.DONE_STATES):
            if case.state == Case.State.HANDLED:
                cases.verify_case(
                    acting_user=acting_user, case=case, passed=passed, reason="复查合格" if passed else "复查仍不合格"
                )
            elif passed:
                cases.close_case(acting_user=acting_user, case=case, reason="复查合格")
        return
    if not passed:
        names = "、".join(rules.INDICATOR_BY_KEY[k].name for k in sorted(failed))
        cases.dispatch_case(
            acting_user=acting_user,
            kind="newmedia_rectification",
            unit=check.account.unit,
            title=f"新媒体账号整改：{check.account}",
            subject=check,
            description=f"{check.check_date:%Y年%m月%d日}检查不合格（{check.score}分）：{names}。请整改后回复。",
        )


@transaction.atomic
def start_recheck(*, acting_user: Any, check: AccountCheck) -> AccountCheck:
    require_staff(acting_user, check.account.unit)
    if check.result != AccountCheck.Result.FAILED:
        raise InvalidTransition("只有不合格的检查需要复查")
    if check.rechecks.filter(result=AccountCheck.Result.PENDING).exists():
        raise InvalidTransition("已有待完成的复查")
    recheck = AccountCheck.objects.create(
        account=check.account, check_date=timezone.localdate(), sampled=False, recheck_of=check
    )
    audit.record("newmedia_recheck", recheck, user=acting_user)
    return recheck


@transaction.atomic
def check_account(*, acting_user: Any, account: NewMediaAccount, on: datetime.date | None = None) -> AccountCheck:
    """A targeted (not sampled) check of one account, e.g. one flagged dormant."""
    require_staff(acting_user, account.unit)
    if account.state != A.ACTIVE:
        raise InvalidTransition("只检查运行中的账号")
    return AccountCheck.objects.create(account=account, check_date=on or timezone.localdate(), sampled=False)


# --- 先审后发: three-step post review ---------------------------------------------------------
STEP_ORDER: tuple[str, ...] = (PostReview.State.FIRST, PostReview.State.SECOND, PostReview.State.FINAL)
NEXT_STATE: dict[str, str] = {
    PostReview.State.FIRST: PostReview.State.SECOND,
    PostReview.State.SECOND: PostReview.State.FINAL,
    PostReview.State.FINAL: PostReview.State.APPROVED,
}
#: who may sign each step: 初审 the unit's editors, 复审 its reviewers or department staff, 终审 department staff
#: or the unit's reviewers; a person signs one step of a post only.
STEP_CAPS: dict[str, tuple[str, ...]] = {
    PostReview.State.FIRST: (Cap.EDIT_RECORDS, Cap.REVIEW_RECORDS, Cap.MANAGE_WORK),
    PostReview.State.SECOND: (Cap.REVIEW_RECORDS, Cap.MANAGE_WORK),
    PostReview.State.FINAL: (Cap.REVIEW_RECORDS, Cap.MANAGE_WORK),
}


@transaction.atomic
def submit_post(*, acting_user: Any, account: NewMediaAccount, title: str, content: str) -> PostReview:
    require_unit(acting_user, account.unit, "您不能为该账号提交待审稿件。")
    if account.state != A.ACTIVE:
        raise InvalidTransition("账号未在运行，不能提交稿件")
    review = PostReview.objects.create(
        account=account,
        title=text(title, "title", "标题", max_length=200),
        content=text(content, "content", "内容", max_length=50000),
        author=user_or_none(acting_user),
    )
    audit.record("newmedia_post_submit", review, user=acting_user)
    return review


@transaction.atomic
def sign_post(
    *, acting_user: Any, review: PostReview, approve: bool, note: str = "", expected_version: int | None = None
) -> PostReview:
    """Sign the current step. Steps run in order; a return sends the post back to its author (state returned);
    the same person cannot sign two steps of one post."""
    review = PostReview.objects.select_for_update().select_related("account__unit").get(pk=review.pk)
    step = review.state
    if step not in STEP_ORDER:
        raise InvalidTransition(f"稿件当前为“{review.get_state_display()}”，不在审核环节")
    unit = review.account.unit
    if acting_user is not None:
        if not any(can_in_unit(acting_user, cap, unit) for cap in STEP_CAPS[step]):
            raise NotPermitted(f"您不能签批{PostReviewStep.Step(step).label}")
        if review.steps.filter(round=review.round, user=acting_user, approved=True).exists():
            raise NotPermitted("同一人不能签批同一稿件的两个环节")
        if review.author_id == acting_user.pk and step != PostReview.State.FIRST:
            raise NotPermitted("撰稿人不能复审或终审自己的稿件")
    if not approve and not str(note or "").strip():
        raise InvalidInput("退回须写明意见", {"note": ["请填写意见"]})
    PostReviewStep.objects.create(
        review=review,
        step=step,
        round=review.round,
        approved=approve,
        user=user_or_none(acting_user),
        note=str(note or "").strip()[:2000],
    )
    review.state = NEXT_STATE[step] if approve else PostReview.State.RETURNED
    save_versioned(review, review.version if expected_version is None else expected_version, ["state"])
    audit.record(
        "newmedia_post_sign",
        review,
        user=acting_user,
        message=f"{PostReviewStep.Step(step).label}{'通过' if approve else '退回：' + note}",
    )
    return review


@transaction.atomic
def publish_post(*, acting_user: Any, review: PostReview, on: datetime.date | None = None) -> PostReview:
    require_unit(acting_user, review.account.unit)
    if review.state != PostReview.State.APPROVED:
        raise InvalidTransition("稿件须经初审、复审、终审后方可发布")
    review.state, review.published_on = PostReview.State.PUBLISHED, on or timezone.localdate()
    save_versioned(review, review.version, ["state", "published_on"])
    note_last_post(review.account_id, review.published_on)
    audit.record("newmedia_post_publish", review, user=acting_user)
    return review


@transaction.atomic
def resubmit_post(*, acting_user: Any, review: PostReview, title: str, content: str) -> PostReview:
    require_unit(acting_user, review.account.unit)
    if review.state != PostReview.State.RETURNED:
        raise InvalidTransition("只有退回的稿件可以修改后重新提交")
    review.title = text(title, "title", "标题", max_length=200)
    review.content = text(content, "content", "内容", max_length=50000)
    review.state, review.round = PostReview.State.FIRST, review.round + 1  # a new round; earlier sign-offs stay
    save_versioned(review, review.version, ["title", "content", "state", "round"])
    audit.record("newmedia_post_resubmit", review, user=acting_user)
    return review
