"""Open311 GeoReport v2 on the public site, at /open311/v2/ (see docs/open311.md).

Services are the 随手拍 categories (service_code = category key, their questions as attributes); a service request
is a report. `service_request_id` is the report's number (public); the tracking code is the request's `token`
(only the submitting client learns it). Reading requests never returns the reporter's identity (no phone, name,
email, device, account) nor anything the reporter wrote: masking catches phone and ID numbers but not a name, an
address, a licence plate or the story of a neighbours' quarrel, and the public site never shows one person's text
to another. `description` is the category's name; `status_notes` is what staff wrote for the public (the reply, the
reason for not taking it up). Staff read the reporter's text, masked, in the staff API (/api/citizen/reports/).
Errors are the spec's list: [{"code": 400, "description": …}].
"""

from __future__ import annotations

import datetime
import hashlib
import secrets
from typing import Any
from xml.sax.saxutils import escape

from django.db import transaction
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.views.decorators.csrf import csrf_exempt

from taizhang.core import audit
from taizhang.core.errors import InvalidInput
from taizhang.core.sites import staff_urls

from . import actions
from .masking import mask_text, public_coordinate
from .models import AREA_KINDS, Category, Open311Key, Place, Report

FORMATS = ("json", "xml")
MAX_RESULTS = 1000
DEFAULT_DAYS = 90


# --- keys -------------------------------------------------------------------------------------------------------
def hash_key(key: str) -> str:
    return hashlib.sha256(("open311:" + key).encode("utf-8")).hexdigest()


@transaction.atomic
def create_key(*, acting_user: Any, name: str) -> tuple[Open311Key, str]:
    name = (name or "").strip()
    if not name:
        raise InvalidInput("请填写应用名称", {"name": ["请填写应用名称"]})
    key = "o311_" + secrets.token_urlsafe(24)
    obj = Open311Key.objects.create(name=name[:80], key_hash=hash_key(key), prefix=key[5:13])
    audit.record("citizen.open311_key_create", obj, user=acting_user, message=f"为 {obj.name} 生成 Open311 密钥")
    return obj, key


@transaction.atomic
def revoke_key(*, acting_user: Any, key: str) -> Open311Key:
    obj = Open311Key.objects.filter(key_hash=hash_key(key.strip()), revoked_at__isnull=True).first()
    if obj is None:
        raise InvalidInput("未找到该密钥，或已吊销", {"key": ["未找到该密钥"]})
    obj.revoked_at = timezone.now()
    obj.save(update_fields=["revoked_at", "updated_at"])
    audit.record("citizen.open311_key_revoke", obj, user=acting_user, message=f"吊销 {obj.name} 的 Open311 密钥")
    return obj


def key_for(api_key: str) -> Open311Key | None:
    if not api_key:
        return None
    obj = Open311Key.objects.filter(key_hash=hash_key(api_key.strip()), revoked_at__isnull=True).first()
    if obj is not None:
        Open311Key.objects.filter(pk=obj.pk).update(last_used_at=timezone.now())
    return obj


# --- rendering --------------------------------------------------------------------------------------------------
def _xml_value(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    return escape(str(value))


def _xml_item(tag: str, data: dict[str, Any]) -> str:
    out = [f"<{tag}>"]
    for key, value in data.items():
        if key == "attributes" and isinstance(value, list):
            out.append("<attributes>" + "".join(_xml_attribute(a) for a in value) + "</attributes>")
        else:
            out.append(f"<{key}>{_xml_value(value)}</{key}>")
    out.append(f"</{tag}>")
    return "".join(out)


def _xml_attribute(attr: dict[str, Any]) -> str:
    parts = ["<attribute>"]
    for key, value in attr.items():
        if key == "values":
            parts.append("<values>" + "".join(
                f"<value><key>{_xml_value(v['key'])}</key><name>{_xml_value(v['name'])}</name></value>"
                for v in value) + "</values>")
        else:
            parts.append(f"<{key}>{_xml_value(value)}</{key}>")
    parts.append("</attribute>")
    return "".join(parts)


def _respond(fmt: str, root: str, item: str, rows: list[dict[str, Any]] | dict[str, Any],
             status: int = 200) -> HttpResponse:
    if fmt == "xml":
        if isinstance(rows, dict):
            body = _xml_item(root, rows)
        else:
            body = f"<{root}>" + "".join(_xml_item(item, r) for r in rows) + f"</{root}>"
        return HttpResponse('<?xml version="1.0" encoding="utf-8"?>' + body, status=status,
                            content_type="text/xml; charset=utf-8")
    return JsonResponse(rows, status=status, safe=False, json_dumps_params={"ensure_ascii": False})


def error(fmt: str, code: int, description: str) -> HttpResponse:
    fmt = fmt if fmt in FORMATS else "json"
    return _respond(fmt, "errors", "error", [{"code": code, "description": description}], status=code)


# --- services ---------------------------------------------------------------------------------------------------
def discovery(request: HttpRequest) -> HttpResponse:
    base = request.build_absolute_uri(reverse("citizen_public:open311_root"))
    return JsonResponse({
        "changeset": "2024-01-01T00:00:00+08:00", "contact": "随手拍受理平台",
        "key_service": "向平台管理员申请 Open311 接口密钥（taizhang open311-key）",
        "endpoints": [{"specification": "http://wiki.open311.org/GeoReport_v2", "url": base,
                       "changeset": "2024-01-01T00:00:00+08:00", "type": "production",
                       "formats": ["text/xml", "application/json"]}],
    }, json_dumps_params={"ensure_ascii": False})


def service_row(c: Category) -> dict[str, Any]:
    return {"service_code": c.key, "service_name": c.name, "description": c.description,
            "metadata": bool(c.attributes), "type": "realtime", "keywords": c.keywords, "group": c.group}


def services(request: HttpRequest, fmt: str) -> HttpResponse:
    if fmt not in FORMATS:
        return error("json", 404, "format not supported: use .json or .xml")
    rows = [service_row(c) for c in Category.objects.filter(active=True)]
    return _respond(fmt, "services", "service", rows)


def attribute_rows(c: Category) -> list[dict[str, Any]]:
    out = []
    for order, attr in enumerate(c.attributes or [], start=1):
        row: dict[str, Any] = {
            "variable": True, "code": attr.get("code"), "datatype": attr.get("datatype", "string"),
            "required": bool(attr.get("required")), "datatype_description": attr.get("help", ""),
            "order": order, "description": attr.get("label", ""),
        }
        if attr.get("datatype") in ("singlevaluelist", "multivaluelist"):
            row["values"] = [{"key": v.get("key"), "name": v.get("name")} for v in attr.get("values") or []]
        out.append(row)
    return out


def service_definition(request: HttpRequest, code: str, fmt: str) -> HttpResponse:
    if fmt not in FORMATS:
        return error("json", 404, "format not supported: use .json or .xml")
    category = Category.objects.filter(key=code, active=True).first()
    if category is None:
        return error(fmt, 404, f"service_code not found: {code}")
    return _respond(fmt, "service_definition", "", {"service_code": category.key,
                                                     "attributes": attribute_rows(category)})


# --- requests ---------------------------------------------------------------------------------------------------
# never "description", "address" or "answers": the reporter's own words are not read here at all
ROW_FIELDS = ("pk", "status", "reject_reason", "merged_into_id", "public_reply", "category__name", "category__key",
              "unit__name", "submitted_at", "updated_at", "deadline", "place_id", "place__name", "area__name",
              "area__kind", "lat", "lng")
STATUS_LABELS = dict(Report.Status.choices)
OPEN = frozenset(Report.OPEN_STATUSES)


def status_notes(row: dict[str, Any]) -> str:
    """Staff's words for the public (the same as the public list shows): the reason for not taking the report up,
    the merge, the public reply (masked) once the report is closed (`Report.shown_reply`: never while it is
    handled or handled again), else the status's name."""
    if row["status"] == Report.Status.REJECTED:
        return mask_text(row["reject_reason"])
    if row["status"] == Report.Status.MERGED and row["merged_into_id"]:
        return f"duplicate: merged into {row['merged_into_id']}"
    if row["public_reply"] and row["status"] in (Report.Status.ANSWERED, Report.Status.CLOSED):
        return mask_text(row["public_reply"])
    return str(STATUS_LABELS.get(row["status"], ""))


def _local(value: datetime.datetime | None, tz: Any) -> str | None:
    return value.astimezone(tz).replace(microsecond=0).isoformat() if value is not None else None


def request_rows(qs: Any) -> list[dict[str, Any]]:
    """The spec's fields for each report, read as plain values (no model instances, nothing personal loaded)."""
    tz = timezone.get_current_timezone()
    out = []
    for row in qs.values(*ROW_FIELDS):
        deadline = row["deadline"]
        expected = (datetime.datetime.combine(deadline, datetime.time(18, 0), tzinfo=tz).isoformat()
                    if deadline is not None else None)
        # never the reporter's free text (位置补充说明): the registered place, else the street/community, else 附近
        address = row["place__name"] or (row["area__name"] if row["area__kind"] in AREA_KINDS else "") or "附近"
        out.append({
            "service_request_id": str(row["pk"]), "status": "open" if row["status"] in OPEN else "closed",
            "status_notes": status_notes(row), "service_name": row["category__name"],
            "service_code": row["category__key"], "description": row["category__name"],
            "agency_responsible": row["unit__name"] or "", "service_notice": "",
            "requested_datetime": _local(row["submitted_at"], tz), "updated_datetime": _local(row["updated_at"], tz),
            "expected_datetime": expected, "address": address,
            "address_id": str(row["place_id"]) if row["place_id"] else "", "zipcode": "",
            "lat": public_coordinate(row["lat"]), "long": public_coordinate(row["lng"]), "media_url": "",
        })
    return out


def _parse_dt(text: str) -> datetime.datetime | None:
    value = parse_datetime(text.strip().replace(" ", "+")) if text else None
    if value is not None and timezone.is_naive(value):
        value = timezone.make_aware(value)
    return value


def _float(text: str) -> float | None:
    try:
        return float(text)
    except (TypeError, ValueError):
        return None


@csrf_exempt
def requests_view(request: HttpRequest, fmt: str) -> HttpResponse:
    if fmt not in FORMATS:
        return error("json", 404, "format not supported: use .json or .xml")
    if request.method == "POST":
        return _create(request, fmt)
    if request.method != "GET":
        return error(fmt, 405, "method not allowed")
    qs = Report.objects.all()
    ids = [i.strip() for i in request.GET.get("service_request_id", "").split(",") if i.strip()]
    if ids:
        if not all(i.isdigit() for i in ids):
            return error(fmt, 400, "service_request_id must be a comma-separated list of numbers")
        qs = qs.filter(pk__in=[int(i) for i in ids[:MAX_RESULTS]])
    else:
        codes = [c.strip() for c in request.GET.get("service_code", "").split(",") if c.strip()]
        if codes:
            qs = qs.filter(category__key__in=codes)
        start_text, end_text = request.GET.get("start_date", ""), request.GET.get("end_date", "")
        start, end = _parse_dt(start_text), _parse_dt(end_text)
        if (start_text and start is None) or (end_text and end is None):
            return error(fmt, 400, "start_date and end_date must be w3 date-times, e.g. 2010-01-01T00:00:00Z")
        if start is None and end is None:
            start = timezone.now() - datetime.timedelta(days=DEFAULT_DAYS)
        if start is not None:
            qs = qs.filter(submitted_at__gte=start)
        if end is not None:
            qs = qs.filter(submitted_at__lte=end)
        statuses = {s.strip() for s in request.GET.get("status", "").split(",") if s.strip()}
        if statuses - {"open", "closed"}:
            return error(fmt, 400, "status must be open, closed or both")
        if statuses == {"open"}:
            qs = qs.filter(status__in=Report.OPEN_STATUSES)
        elif statuses == {"closed"}:
            qs = qs.filter(status__in=Report.CLOSED_STATUSES)
    rows = request_rows(qs.order_by("-submitted_at", "-id")[:MAX_RESULTS])
    return _respond(fmt, "service_requests", "request", rows)


def request_one(request: HttpRequest, request_id: str, fmt: str) -> HttpResponse:
    if fmt not in FORMATS:
        return error("json", 404, "format not supported: use .json or .xml")
    rows = request_rows(Report.objects.filter(pk=int(request_id) if request_id.isdigit() else 0))
    if not rows:
        return error(fmt, 404, f"service_request_id not found: {request_id}")
    return _respond(fmt, "service_requests", "request", rows)


def token_view(request: HttpRequest, token: str, fmt: str) -> HttpResponse:
    if fmt not in FORMATS:
        return error("json", 404, "format not supported: use .json or .xml")
    report = Report.objects.filter(code=token.upper()).only("pk", "code").first()
    if report is None:
        return error(fmt, 404, f"token not found: {token}")
    return _respond(fmt, "service_requests", "request", [{"service_request_id": str(report.pk), "token": report.code}])


def _create(request: HttpRequest, fmt: str) -> HttpResponse:
    data = request.POST
    client = key_for(data.get("api_key", ""))
    if client is None:
        return error(fmt, 403, "Invalid api_key received -- can't proceed with create_request.")
    code = data.get("service_code", "").strip()
    if not code:
        return error(fmt, 400, "service_code is required")
    category = Category.objects.filter(key=code, active=True).first()
    if category is None:
        return error(fmt, 400, f"service_code not found: {code}")
    lat, lng = _float(data.get("lat", "")), _float(data.get("long", ""))
    address = data.get("address_string", "").strip()
    place = None
    address_id = data.get("address_id", "").strip()
    if address_id:
        place = Place.objects.filter(pk=int(address_id) if address_id.isdigit() else 0, active=True).first()
        if place is None:
            return error(fmt, 400, f"address_id not found: {address_id}")
    if (lat is None or lng is None) and not address and place is None:
        return error(fmt, 400, "lat & long, address_string or address_id is required")
    answers = {k[len("attribute["):-1]: (data.getlist(k) if len(data.getlist(k)) > 1 else data.get(k))
               for k in data if k.startswith("attribute[") and k.endswith("]")}
    try:
        phone = actions.normalise_phone(data.get("phone", ""))
    except InvalidInput:
        phone = ""  # a contact number we could not use is dropped, not a reason to refuse the report
    name = " ".join(p for p in (data.get("first_name", "").strip(), data.get("last_name", "").strip()) if p)
    description = data.get("description", "").strip() or f"（通过 Open311 报告：{category.name}）"
    try:
        with staff_urls():
            report = actions.submit_report(
                category=category, description=description[:2000], answers=answers, place=place,
                address=address[:200],
                lat=lat if lng is not None else None, lng=lng if lat is not None else None, phone=phone,
                contact_name=name, channel=Report.Channel.OPEN311, device_hash=hash_key("device:" + data.get(
                    "device_id", ""))[:64] if data.get("device_id") else "", open311_client=client,
                external_id=data.get("account_id", "")[:60],
            )
    except InvalidInput as exc:
        details = "; ".join(f"{k}: {'，'.join(v)}" for k, v in exc.errors.items()) or exc.message
        return error(fmt, 400, details)
    return _respond(fmt, "service_requests", "request", [{
        "service_request_id": str(report.pk), "token": report.code,
        "service_notice": f"已受理，{category.sla_working_days} 个工作日内答复。", "account_id": None,
    }])
