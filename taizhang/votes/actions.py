"""Every state change of public votes: open and close a poll, cast a ballot, detect and wipe suspect votes,
restore wrongly wiped ones, publish the day's counts. Callers (honours, views, API, CLI, jobs, tests) use these.

The poll is scoped to a unit: the subject's `unit` when it has one, else the root of the unit tree (the district).
Opening, closing, detecting, restoring and publishing need `manage_work` there; acting_user None is the system.
"""

from __future__ import annotations

import datetime
from collections import Counter
from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.db import IntegrityError, models, transaction
from django.db.models import Count, F, Q
from django.utils import timezone

from taizhang.core import audit
from taizhang.core.errors import InvalidInput, InvalidTransition, NotPermitted
from taizhang.org.models import Unit
from taizhang.org.roles import Cap
from taizhang.org.scoping import can_in_unit
from taizhang.votes import detection, identity
from taizhang.votes.models import (
    DEFAULT_RULES,
    AddressDay,
    AnomalyRule,
    Ballot,
    DetectionRun,
    Option,
    Poll,
    Publication,
    PublishedCount,
    Vote,
)

AUDIT_CHUNK = 500


def _require(user: Any, unit: Unit) -> None:
    if user is not None and not can_in_unit(user, Cap.MANAGE_WORK, unit):
        raise NotPermitted("您没有管理该投票的权限。")


def _unit_for(subject: models.Model) -> Unit:
    unit = getattr(subject, "unit", None)
    if isinstance(unit, Unit):
        return unit
    root = Unit.objects.filter(parent__isnull=True).order_by("sort_order", "id").first()
    if root is None:
        raise InvalidInput("尚未建立单位，无法开设投票。")
    return root


def _ct(obj: models.Model) -> ContentType:
    return ContentType.objects.get_for_model(obj, for_concrete_model=False)


def ensure_rules() -> list[AnomalyRule]:
    """The rules in force (the shipped defaults are created if a flush removed them)."""
    for spec in DEFAULT_RULES:
        AnomalyRule.objects.get_or_create(key=spec["key"], defaults={k: v for k, v in spec.items() if k != "key"})
    return list(AnomalyRule.objects.filter(active=True).order_by("order", "id"))


# --- polls --------------------------------------------------------------------------------------------------------
@transaction.atomic
def open_poll(*, acting_user: Any, code: str, title: str, subject: models.Model,
              options: list[tuple[models.Model, str]], opens_at: datetime.datetime, closes_at: datetime.datetime,
              votes_per_day: int = 1, max_choices: int = 1) -> Poll:
    """Open a public vote on `subject` offering `options` ((object, public label), in display order)."""
    unit = _unit_for(subject)
    _require(acting_user, unit)
    errors: dict[str, list[str]] = {}
    code = (code or "").strip()
    title = (title or "").strip()
    if not code or len(code) > 60:
        errors["code"] = ["请填写编号（不超过60个字符）。"]
    elif Poll.objects.filter(code=code).exists():
        errors["code"] = [f"编号 {code} 已被使用。"]
    if not title or len(title) > 200:
        errors["title"] = ["请填写标题（不超过200个字符）。"]
    if subject is None or subject.pk is None:
        errors["subject"] = ["投票对象无效。"]
    if closes_at <= opens_at:
        errors["closes_at"] = ["截止时间应晚于开始时间。"]
    if not 1 <= int(votes_per_day) <= 50:
        errors["votes_per_day"] = ["每人每天可投次数应为1至50。"]
    if not options:
        errors["options"] = ["至少需要一个候选对象。"]
    elif not 1 <= int(max_choices) <= len(options):
        errors["max_choices"] = [f"每次最多选择应为1至{len(options)}。"]
    seen: set[tuple[int, Any]] = set()
    for obj, label in options:
        key = (_ct(obj).pk, obj.pk)
        if obj.pk is None or key in seen:
            errors.setdefault("options", []).append("候选对象重复或无效。")
        seen.add(key)
        if not (label or "").strip() or len(label) > 200:
            errors.setdefault("options", []).append("候选对象的公开名称不能为空（不超过200个字符）。")
    if errors:
        raise InvalidInput("投票信息有误，请修改后再提交。", errors)
    poll = Poll.objects.create(
        code=code, title=title, unit=unit, subject_type=_ct(subject), subject_id=subject.pk, opens_at=opens_at,
        closes_at=closes_at, votes_per_day=votes_per_day, max_choices=max_choices,
        created_by=acting_user if getattr(acting_user, "is_authenticated", False) else None,
    )
    Option.objects.bulk_create([
        Option(poll=poll, subject_type=_ct(obj), subject_id=obj.pk, label=label.strip(), order=i)
        for i, (obj, label) in enumerate(options, 1)
    ])
    ensure_rules()
    audit.record("create", poll, user=acting_user, after={
        **audit.snapshot(poll, ["code", "title", "opens_at", "closes_at", "votes_per_day", "max_choices"]),
        "options": [label for _obj, label in options]}, message="开设公众投票")
    return poll


@transaction.atomic
def close_poll(*, acting_user: Any, poll: Poll, now: datetime.datetime | None = None) -> Poll:
    """End the vote: a last detection run, then the final counts are published."""
    _require(acting_user, poll.unit)
    given = poll
    poll = Poll.objects.select_for_update().get(pk=poll.pk)
    if poll.state == Poll.State.CLOSED:
        raise InvalidTransition("该投票已经结束。")
    now = now or timezone.now()
    poll.state = Poll.State.CLOSED
    poll.closed_at = now
    poll.version += 1
    poll.save(update_fields=["state", "closed_at", "version", "updated_at"])
    given.state, given.closed_at, given.version = poll.state, poll.closed_at, poll.version
    audit.record("close", poll, user=acting_user, message="结束公众投票")
    detect(acting_user=acting_user, poll=poll, trigger="close", now=now)
    publish_counts(acting_user=acting_user, poll=poll, now=now, final=True)
    return poll


def final_counts(poll: Poll) -> dict[int, int]:
    """Option subject's pk -> valid votes (wiped ones excluded)."""
    rows = (Option.objects.filter(poll=poll)
            .annotate(n=Count("votes", filter=Q(votes__valid=True))).values_list("subject_id", "n"))
    return {int(pk): int(n) for pk, n in rows}


def poll_for(subject: models.Model) -> Poll | None:
    return (Poll.objects.filter(subject_type=_ct(subject), subject_id=subject.pk)
            .order_by("-opens_at", "-id").first())


def open_polls(now: datetime.datetime | None = None) -> models.QuerySet[Poll]:
    now = now or timezone.now()
    return Poll.objects.filter(state=Poll.State.OPEN, opens_at__lte=now, closes_at__gt=now).order_by("closes_at")


# --- the voter's phone -------------------------------------------------------------------------------------------
CODE_TTL = datetime.timedelta(minutes=10)
CODE_INTERVAL = datetime.timedelta(seconds=60)
CODES_PER_DAY = 10


def request_vote_code(*, phone: str, now: datetime.datetime | None = None) -> None:
    """Send a one-time code to prove the voter holds this phone (the volunteers' code mechanism, purpose "vote").
    One a minute and ten a day per phone, counted with the volunteers' codes (one SMS budget per phone). The code is
    sent after the transaction; when the gateway does not take it, it is withdrawn and InvalidInput says so."""
    from taizhang.volunteers import actions as volunteer_actions

    phone = identity.normalise_phone(phone)
    entry_id, code = _issue_vote_code(phone, now or timezone.now())
    volunteer_actions.deliver_code(phone=phone, entry_id=entry_id, code=code, sms_purpose="vote_code",
                                   audit_action="votes.code_request")


@transaction.atomic
def _issue_vote_code(phone: str, now: datetime.datetime) -> tuple[int, str]:
    from taizhang.volunteers import actions as volunteer_actions
    from taizhang.volunteers import tokens
    from taizhang.volunteers.models import LoginCode

    if not identity.PHONE_RE.match(phone):
        raise _refuse("请填写11位手机号码。", "phone")
    ph = volunteer_actions.phone_hash(phone)
    if LoginCode.objects.filter(phone_hash=ph, created_at__gt=now - CODE_INTERVAL).exists():
        raise _refuse("验证码已发送，请一分钟后再试。", "phone")
    if LoginCode.objects.filter(phone_hash=ph, created_at__gt=now - datetime.timedelta(days=1)).count() \
            >= CODES_PER_DAY:
        raise _refuse("今天获取验证码的次数过多，请明天再试。", "phone")
    code = tokens.new_code()
    entry = LoginCode.objects.create(phone_hash=ph, purpose="vote", code_hash=tokens.code_digest(ph, code),
                                     expires_at=now + CODE_TTL, created_at=now)
    audit.record("votes.code_request", None, user=None, object_type="volunteers.logincode",
                 message=f"投票验证码，号码摘要 {ph[:12]}")
    return entry.pk, code


def verify_vote_code(*, phone: str, code: str) -> str:
    """Check the one-time code; the voter's key (a keyed digest of the phone) when right, else InvalidInput.
    The attempt counter is kept even when the code is wrong (the check commits before the error is raised)."""
    from taizhang.volunteers import actions as volunteer_actions

    failed: InvalidInput | None = None
    with transaction.atomic():
        try:
            volunteer_actions.consume_code(phone=identity.normalise_phone(phone), code=code, purpose="vote")
        except InvalidInput as exc:
            failed = exc
    if failed is not None:
        raise failed
    key = identity.voter_key(phone)
    audit.record("votes.verify", None, user=None, object_type="votes.voter", message=f"投票人验证，摘要 {key[:12]}")
    return key


# --- casting ------------------------------------------------------------------------------------------------------
def _refuse(message: str, field: str = "options") -> InvalidInput:
    return InvalidInput(message, {field: [message]})


@transaction.atomic
def cast_ballot(*, poll: Poll, voter_key: str, option_ids: list[int], address_hash: str = "",
                device_hash: str = "", now: datetime.datetime | None = None) -> Ballot:
    """One person's ballot: 1..max_choices distinct options of the poll, at most votes_per_day ballots a day per
    person, at most address_daily_limit a day from one address. The ballot number n is unique per (poll, person,
    day), so two submissions at the same moment cannot both take the last ballot."""
    now = now or timezone.now()
    if not voter_key:
        raise _refuse("请先验证手机号码。", "phone")
    state, closes_at = Poll.objects.filter(pk=poll.pk).values_list("state", "closes_at").get()  # closed meanwhile?
    if state != Poll.State.OPEN or now >= closes_at:
        raise InvalidTransition("投票已结束。")
    if now < poll.opens_at:
        raise InvalidTransition("投票尚未开始。")
    try:
        chosen = sorted({int(i) for i in option_ids})
    except (TypeError, ValueError):
        raise _refuse("选项无效，请重新选择。") from None
    if not chosen:
        raise _refuse("请至少选择一位候选对象。")
    if len(chosen) != len(option_ids):
        raise _refuse("同一候选对象在一次投票中只能选择一次。")
    if len(chosen) > poll.max_choices:
        raise _refuse(f"每次最多选择{poll.max_choices}位候选对象。")
    if Option.objects.filter(poll=poll, pk__in=chosen).count() != len(chosen):
        raise _refuse("选项无效，请重新选择。")
    day = timezone.localdate(now)
    if address_hash:
        _take_address_slot(poll, address_hash, day)
    full = f"您今天的投票次数已用完（每人每天{poll.votes_per_day}次），请明天再来。"
    ballot = None
    for _attempt in range(poll.votes_per_day + 1):
        used = Ballot.objects.filter(poll=poll, voter_key=voter_key, day=day).count()
        if used >= poll.votes_per_day:
            raise _refuse(full)
        try:
            with transaction.atomic():
                ballot = Ballot.objects.create(poll=poll, voter_key=voter_key, day=day, n=used + 1, cast_at=now,
                                               address_hash=address_hash, device_hash=device_hash)
            break
        except IntegrityError:  # another submission of the same person took ballot n at the same moment: count again
            continue
    if ballot is None:
        raise _refuse(full)
    Vote.objects.bulk_create([
        Vote(poll=poll, option_id=oid, ballot=ballot, voter_key=voter_key, address_hash=address_hash,
             device_hash=device_hash, cast_at=now) for oid in chosen
    ])
    audit.record("votes.cast", ballot, user=None, after={"poll": poll.code, "options": chosen, "n": ballot.n},
                 message="公众投票")
    return ballot


def _take_address_slot(poll: Poll, address_hash: str, day: datetime.date) -> None:
    """Count one ballot against the address's daily limit, or refuse. The row starts from the ballots already cast
    (a poll older than the counter); the conditional UPDATE is atomic on every database, and it is undone with the
    ballot's transaction when the ballot itself is refused."""
    rows = AddressDay.objects.filter(poll=poll, address_hash=address_hash, day=day)
    if not rows.exists():
        try:
            with transaction.atomic():
                AddressDay.objects.create(poll=poll, address_hash=address_hash, day=day, used=Ballot.objects.filter(
                    poll=poll, address_hash=address_hash, day=day).count())
        except IntegrityError:  # another submission from the address created it at the same moment
            pass
    if not rows.filter(used__lt=poll.address_daily_limit).update(used=F("used") + 1):
        raise _refuse("今天从您所在网络提交的投票已达上限，请明天再试。")


def ballots_left(poll: Poll, voter_key: str, now: datetime.datetime | None = None) -> int:
    if not voter_key:
        return poll.votes_per_day
    day = timezone.localdate(now or timezone.now())
    return max(0, poll.votes_per_day - Ballot.objects.filter(poll=poll, voter_key=voter_key, day=day).count())


# --- detection, wiping, restoring -----------------------------------------------------------------------------------
def _chunks(ids: list[int], size: int = AUDIT_CHUNK) -> list[list[int]]:
    return [ids[i:i + size] for i in range(0, len(ids), size)]


@transaction.atomic
def detect(*, acting_user: Any, poll: Poll, trigger: str = "manual",
           now: datetime.datetime | None = None) -> DetectionRun:
    """Run every active rule over the poll's valid votes (restored ones are staff decisions and are left alone);
    a vote flagged by several rules is wiped by the first. Wiped votes stay, marked invalid with rule and reason;
    the audit log gets one row per wiped vote and one for the run."""
    _require(acting_user, poll.unit)
    now = now or timezone.now()
    rules = ensure_rules()
    run = DetectionRun.objects.create(poll=poll, trigger=trigger[:20], started_at=now,
                                      acting_user=acting_user if getattr(acting_user, "is_authenticated",
                                                                         False) else None)
    rows = list(Vote.objects.filter(poll=poll, valid=True, restored=False)
                .values_list("id", "option_id", "cast_at", "address_hash", "device_hash", "voter_key"))
    votes = [detection.VoteRow(*r) for r in rows]
    flagged = detection.evaluate(rules, votes, opens_at=poll.opens_at)
    results = []
    total = 0
    for rule in rules:
        hits = flagged.get(rule.key, {})
        by_reason: dict[str, list[int]] = {}
        for vote_id, reason in hits.items():
            by_reason.setdefault(reason, []).append(vote_id)
        for reason, ids in by_reason.items():
            for chunk in _chunks(sorted(ids)):
                Vote.objects.filter(pk__in=chunk, valid=True).update(
                    valid=False, wiped_by=rule, wipe_reason=reason[:300], wipe_run=run)
                audit.record_many("votes.wipe", Vote.objects.filter(pk__in=chunk).order_by("pk"), user=acting_user,
                                  fields=["option", "valid", "wiped_by", "wipe_reason", "wipe_run"],
                                  message=f"{rule.name}：{reason}"[:500])
        results.append({"rule": rule.key, "name": rule.name, "params": rule.params, "wiped": len(hits)})
        total += len(hits)
    run.examined = len(votes)
    run.wiped = total
    run.results = results
    run.finished_at = timezone.now()
    run.save(update_fields=["examined", "wiped", "results", "finished_at"])
    audit.record("votes.detect", run, user=acting_user, after={"poll": poll.code, "examined": run.examined,
                                                               "wiped": total, "results": results},
                 message=f"刷票检测：检查 {run.examined} 票，作废 {total} 票")
    return run


@transaction.atomic
def restore_votes(*, acting_user: Any, poll: Poll, vote_ids: list[int], reason: str) -> int:
    """Staff found these wiped votes genuine: valid again, kept out of later detection runs; the rule and reason
    that wiped them stay on the row."""
    _require(acting_user, poll.unit)
    reason = (reason or "").strip()
    if not reason:
        raise _refuse("请填写恢复理由。", "reason")
    if not vote_ids:
        raise _refuse("请选择要恢复的投票。", "votes")
    ids = list(Vote.objects.filter(poll=poll, pk__in=vote_ids, valid=False).values_list("pk", flat=True))
    if not ids:
        raise _refuse("所选投票不是已作废的投票。", "votes")
    for chunk in _chunks(sorted(ids)):
        Vote.objects.filter(pk__in=chunk).update(valid=True, restored=True, restore_reason=reason[:300])
        audit.record_many("votes.restore", Vote.objects.filter(pk__in=chunk).order_by("pk"), user=acting_user,
                          fields=["option", "valid", "wiped_by", "wipe_reason", "restored", "restore_reason"],
                          message=reason[:500])
    return len(ids)


@transaction.atomic
def update_rule(*, acting_user: Any, rule: AnomalyRule, params: dict[str, Any], active: bool = True) -> AnomalyRule:
    """Change a rule's parameters (the district's staff only: rules apply to every poll)."""
    root = Unit.objects.filter(parent__isnull=True).order_by("sort_order", "id").first()
    if acting_user is not None and (root is None or not can_in_unit(acting_user, Cap.MANAGE_WORK, root)):
        raise NotPermitted("只有区级工作人员可以修改刷票识别规则。")
    cleaned, errors = detection.clean_params(rule.key, params)
    if errors:
        raise InvalidInput("规则参数有误。", {"params": errors})
    before = audit.snapshot(rule, ["params", "active"])
    rule.params = cleaned
    rule.active = active
    rule.save(update_fields=["params", "active"])
    audit.record("config", rule, user=acting_user, before=before, after=audit.snapshot(rule, ["params", "active"]))
    return rule


# --- publication --------------------------------------------------------------------------------------------------
def _midnight(day: datetime.date) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time()))


@transaction.atomic
def publish_counts(*, acting_user: Any, poll: Poll, now: datetime.datetime | None = None,
                   final: bool = False) -> Publication | None:
    """Publish the valid votes cast up to last midnight (or, final, up to the close): once a day. Returns None when
    there is nothing to publish yet (the poll had not opened by last midnight) or today's is already out."""
    _require(acting_user, poll.unit)
    now = now or timezone.now()
    if final:
        cutoff = min(now, poll.closes_at)
        day = timezone.localdate(cutoff - datetime.timedelta(microseconds=1))
    else:
        day = timezone.localdate(now) - datetime.timedelta(days=1)
        cutoff = _midnight(day + datetime.timedelta(days=1))
        if cutoff <= poll.opens_at or Publication.objects.filter(poll=poll, day=day).exists():
            return None
        cutoff = min(cutoff, poll.closes_at)
    counts = dict(Vote.objects.filter(poll=poll, valid=True, cast_at__lt=cutoff)
                  .values_list("option").annotate(n=Count("id")).values_list("option", "n"))
    pub, _created = Publication.objects.update_or_create(
        poll=poll, day=day, defaults={"cutoff": cutoff, "published_at": now, "final": final,
                                      "total": sum(counts.values()),
                                      "acting_user": acting_user if getattr(acting_user, "is_authenticated",
                                                                            False) else None})
    PublishedCount.objects.filter(publication=pub).delete()
    PublishedCount.objects.bulk_create([PublishedCount(publication=pub, option=o, votes=counts.get(o.pk, 0))
                                        for o in poll.options.all()])
    audit.record("publish", pub, user=acting_user, after={"poll": poll.code, "day": day.isoformat(),
                                                          "final": final, "total": pub.total},
                 message=f"发布投票计数（截至 {timezone.localtime(cutoff):%Y-%m-%d %H:%M}）")
    return pub


def latest_publication(poll: Poll) -> Publication | None:
    return poll.publications.order_by("-cutoff", "-id").first()


def published_rows(poll: Poll) -> tuple[Publication | None, list[tuple[Option, int]]]:
    """What the public may see: the last published snapshot, never live counts."""
    pub = latest_publication(poll)
    counts = dict(pub.counts.values_list("option_id", "votes")) if pub else {}
    return pub, [(o, counts.get(o.pk, 0)) for o in poll.options.all()]


# --- the audit figures (CLI, staff pages) ---------------------------------------------------------------------------
def audit_summary(poll: Poll) -> dict[str, Any]:
    """Per option: votes received, valid, wiped, and per rule the count it wiped (rule keys with names)."""
    rules = {r.pk: r for r in AnomalyRule.objects.all()}
    wiped_by: dict[int, Counter[str]] = {}
    for option_id, rule_id, n in (Vote.objects.filter(poll=poll, valid=False).values_list("option", "wiped_by")
                                  .annotate(n=Count("id")).values_list("option", "wiped_by", "n")):
        key = rules[rule_id].key if rule_id in rules else "other"
        wiped_by.setdefault(option_id, Counter())[key] += n
    totals = dict(Vote.objects.filter(poll=poll).values_list("option").annotate(n=Count("id"))
                  .values_list("option", "n"))
    valid = dict(Vote.objects.filter(poll=poll, valid=True).values_list("option").annotate(n=Count("id"))
                 .values_list("option", "n"))
    options: list[dict[str, Any]] = []
    for o in poll.options.all():
        options.append({"option": o.pk, "subject_id": o.subject_id, "label": o.label,
                        "received": totals.get(o.pk, 0), "valid": valid.get(o.pk, 0),
                        "wiped": totals.get(o.pk, 0) - valid.get(o.pk, 0),
                        "wiped_by_rule": dict(sorted(wiped_by.get(o.pk, Counter()).items()))})
    rule_totals: Counter[str] = Counter()
    for row in options:
        rule_totals.update(row["wiped_by_rule"])
    return {"poll": poll.code, "title": poll.title, "state": poll.state,
            "received": sum(o["received"] for o in options), "valid": sum(o["valid"] for o in options),
            "wiped": sum(o["wiped"] for o in options), "options": options,
            "rules": [{"rule": r.key, "name": r.name, "wiped": rule_totals.get(r.key, 0)}
                      for r in sorted(rules.values(), key=lambda r: (r.order, r.pk))]}
