"""志愿服务证明 (certificates): issue, revoke, write as .docx, verify on the public site.

The format follows the 志愿服务记录与证明出具办法: a number, the issuing organisation with its head, the handler and
a contact, the volunteer's name, ID type and (masked) number, volunteer number, hours and content of service, the
date, and a QR code that opens the public verification page. The document is written by the shared GB/T 9704
writer (taizhang/reports/docwriter.py); the QR image is added to the written file afterwards.
"""

from __future__ import annotations

import datetime
import io
import secrets
import time
from decimal import Decimal
from typing import Any

import segno
from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.db.models import Sum
from django.utils import timezone

from taizhang.core import audit
from taizhang.core.crypto import blind_index, mask
from taizhang.core.errors import InvalidInput, InvalidTransition, NotPermitted
from taizhang.org.roles import Cap
from taizhang.volunteers.actions import require
from taizhang.volunteers.models import Certificate, HourRecord, Team, Volunteer, format_hours, round_hours


def verify_url(cert: Certificate, page: str = "") -> str:
    """The verification link in the QR: `page` is the absolute URL of the public verification page (the views pass
    it from the request); without it, the first public host (TAIZHANG_PUBLIC_HOSTS) is assumed."""
    if not page:
        hosts = list(getattr(settings, "TAIZHANG_PUBLIC_HOSTS", []) or [])
        page = f"https://{hosts[0]}/volunteers/verify/" if hosts else "/volunteers/verify/"
    return f"{page}?number={cert.number}&code={cert.verify_code}"


def _new_number(issued_on: datetime.date) -> str:
    prefix = f"ZYZM{issued_on:%Y%m%d}"
    last = Certificate.objects.filter(number__startswith=prefix).order_by("-number").values_list(
        "number", flat=True).first()
    return f"{prefix}{(int(last[len(prefix):]) if last else 0) + 1:05d}"


@transaction.atomic
def issue_certificate(*, acting_user: Any, volunteer: Volunteer, issuer: Team, handler: str = "",
                      contact: str = "", start: datetime.date | None = None, end: datetime.date | None = None,
                      by_volunteer: Volunteer | None = None) -> Certificate:
    """A certificate of the confirmed hours the volunteer served with `issuer` (optionally in start..end).

    Issued by the organiser (acting_user with EDIT_RECORDS in the issuer's unit) or self-served by the volunteer
    (by_volunteer, only for themselves)."""
    if by_volunteer is not None:
        if by_volunteer.pk != volunteer.pk:
            raise NotPermitted("只能为自己申请志愿服务证明。")
    else:
        require(acting_user, Cap.EDIT_RECORDS, issuer.unit)
    records = HourRecord.objects.filter(volunteer=volunteer, team=issuer, status=HourRecord.Status.CONFIRMED)
    if start:
        records = records.filter(day__gte=start)
    if end:
        records = records.filter(day__lte=end)
    rows = list(records.order_by("day").values_list("id", "day", "hours", "content"))
    if not rows:
        raise InvalidTransition("在该组织没有已确认的志愿服务时长，不能出具证明。")
    total = round_hours(sum((r[2] for r in rows), Decimal(0)))
    contents = sorted({r[3] for r in rows if r[3]})
    content = "参加" + "、".join(contents[:8]) + (f"等{len(contents)}项" if len(contents) > 8 else "") + "志愿服务"
    today = timezone.localdate()
    cert = Certificate.objects.create(
        number=_new_number(today), verify_code=secrets.token_hex(6), volunteer=volunteer, unit_id=issuer.unit_id,
        issuer_name=issuer.name, issuer_head=issuer.head or "—", handler=(handler or issuer.head or "—")[:40],
        contact=(contact or issuer.contact or "—")[:40], hours=total, content=content,
        period_start=rows[0][1], period_end=rows[-1][1], issued_on=today, hour_ids=[r[0] for r in rows],
    )
    audit.record("create", cert, user=acting_user, after=audit.snapshot(cert),
                 message="出具志愿服务证明" + ("（志愿者自助申请）" if by_volunteer else ""))
    return cert


@transaction.atomic
def revoke_certificate(*, acting_user: Any, cert: Certificate, reason: str) -> Certificate:
    require(acting_user, Cap.EDIT_RECORDS, cert.unit)
    if cert.revoked:
        raise InvalidTransition("该证明已撤销。")
    if not reason.strip():
        raise InvalidInput("请填写撤销原因。", {"reason": ["请填写撤销原因。"]})
    cert.revoked, cert.revoked_reason = True, reason.strip()[:200]
    cert.save(update_fields=["revoked", "revoked_reason", "updated_at"])
    audit.record("withdraw", cert, user=acting_user, message=f"撤销证明：{cert.revoked_reason}")
    return cert


VERIFY_MISSING = "请输入证明上的编号和核验码。"
VERIFY_WRONG = "编号或核验码不正确，请核对证明上印的编号和核验码。"
VERIFY_TOO_MANY = "核验过于频繁，请一分钟后再试。"
VERIFY_PER_MINUTE = 10  # look-ups from one address a minute


def verify(number: str, code: str = "") -> tuple[str, Certificate | None]:
    """("valid" | "revoked" | "missing" | "wrong" | "", certificate).

    A certificate is shown only for its number together with its 核验码: numbers are the date and a counter, so
    they can be walked. A number without a code is "missing" (VERIFY_MISSING), a wrong pair "wrong"
    (VERIFY_WRONG) whether or not the number exists: neither answer tells that a number was issued. "" is the
    empty form."""
    number, code = (number or "").strip().upper(), (code or "").strip().lower()
    if not number and not code:
        return "", None
    if not number or not code:
        return "missing", None
    cert = Certificate.objects.select_related("volunteer").filter(number=number).first()
    # compared as bytes (compare_digest refuses non-ASCII text), and compared even without a certificate
    matches = secrets.compare_digest(code.encode("utf-8"), (cert.verify_code if cert else "-").encode("utf-8"))
    if cert is None or not matches:
        return "wrong", None
    return ("revoked" if cert.revoked else "valid"), cert


def current_minute() -> int:
    """The fixed one-minute window verification look-ups are counted in (tests pin it)."""
    return int(time.time() // 60)


def verify_over_rate(address: str) -> str:
    """Count a look-up from this client address in the current minute (cache, like votes.identity.over_rate); past
    VERIFY_PER_MINUTE a Chinese message, else "". The address is kept only as a keyed digest."""
    if not address:
        return ""
    key = f"volunteers:verify:{blind_index(address, 'volunteer-verify')[:32]}:{current_minute()}"
    if cache.add(key, 1, 120):
        return ""
    try:
        n = cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.set(key, 1, 120)
        n = 1
    return VERIFY_TOO_MANY if n > VERIFY_PER_MINUTE else ""


def public_view(cert: Certificate) -> dict[str, Any]:
    """What the verification page may show: nothing personal unmasked."""
    v = cert.volunteer
    return {"number": cert.number, "name": mask(v.real_name, "name"), "id_type": v.get_id_type_display(),
            "id_number": mask(v.id_number, "id_number"), "volunteer_number": v.number, "hours": cert.hours,
            "content": cert.content, "issuer": cert.issuer_name, "issued_on": cert.issued_on,
            "revoked": cert.revoked}


def qr_png(text: str) -> bytes:
    buf = io.BytesIO()
    segno.make(text, error="m").save(buf, kind="png", scale=4, border=2)
    return buf.getvalue()


def write_docx(cert: Certificate, verify_page: str = "") -> bytes:
    """The certificate as .docx bytes; records how long it took on the certificate."""
    import docx
    from docx.shared import Mm

    from taizhang.reports.document import Document, Paragraph, Table
    from taizhang.reports.docwriter import write_docx as gb_write

    started = time.perf_counter()
    v = cert.volunteer
    total = format_hours(cert.hours)
    span = ""
    if cert.period_start and cert.period_end:
        span = f"{cert.period_start.year}年{cert.period_start.month}月{cert.period_start.day}日至" \
               f"{cert.period_end.year}年{cert.period_end.month}月{cert.period_end.day}日期间，"
    body = (f"兹证明{v.real_name}（{v.get_id_type_display()}：{mask(v.id_number, 'id_number')}，志愿者编号："
            f"{v.number}）{span}在{cert.issuer_name}{cert.content}，累计志愿服务时长{total}小时。")
    doc = Document(
        title="志愿服务证明", issuer=cert.issuer_name, date=cert.issued_on,
        subtitle=f"编号：{cert.number}",
        blocks=[
            Paragraph("body", [body]),
            Paragraph("body", ["特此证明。"]),
            Table(header=["项目", "内容"], col_widths=[1, 3], rows=[
                ["出具组织", cert.issuer_name], ["负责人", cert.issuer_head], ["经办人", cert.handler],
                ["联系方式", cert.contact], ["核验码", cert.verify_code],
            ]),
            Paragraph("note", ["扫描下方二维码，或在公众服务平台“志愿服务证明核验”页输入编号和核验码，"
                               "可核验本证明真伪。"]),
        ],
    )
    raw = io.BytesIO()
    gb_write(doc, raw, provenance=False)
    raw.seek(0)
    word = docx.Document(raw)
    word.add_picture(io.BytesIO(qr_png(verify_url(cert, verify_page))), width=Mm(30))
    out = io.BytesIO()
    word.save(out)
    elapsed = int((time.perf_counter() - started) * 1000)
    Certificate.objects.filter(pk=cert.pk).update(generation_ms=elapsed)
    cert.generation_ms = elapsed
    return out.getvalue()


def confirmed_hours_by_team(volunteer: Volunteer) -> list[dict[str, Any]]:
    rows = (HourRecord.objects.filter(volunteer=volunteer, status=HourRecord.Status.CONFIRMED, team__isnull=False)
            .values("team_id", "team__name").annotate(total=Sum("hours")).order_by("team__name"))
    return [{"team_id": r["team_id"], "team": r["team__name"], "hours": r["total"]} for r in rows]
