"""Text messages (短信): one-time codes for the volunteers' log-in and registration and for voters, the waiting-list
and reminder notices. Chinese providers send only pre-approved templates with variables, so a message is a
*purpose* (PURPOSES: its Chinese wording, the text the console and the generic gateway see) and its *params*.

``send(phone, purpose, params)`` hands the message to the backend ``TAIZHANG_SMS_BACKEND`` names:

* ``console`` (default): the log (phone masked, 138****5678) and OUTBOX, the last 50 messages (tests, the demo);
* ``http``: a generic gateway (a 政务短信平台 on the intranet): JSON ``{"phone", "purpose", "template", "params",
  "text"}`` POSTed to ``TAIZHANG_SMS_URL`` (private addresses allowed); with ``TAIZHANG_SMS_SECRET`` the headers
  ``X-Taizhang-Timestamp`` and ``X-Taizhang-Signature`` = hex HMAC-SHA256 of ``f"{timestamp}.{body}"``. A 2xx answer
  is sent, unless it is a JSON object whose ``code``/``errcode`` is not 0, 200 or "OK";
* ``aliyun``: Alibaba Cloud SMS (Dysmsapi ``SendSms``, version 2017-05-25) with the RPC signature (HMAC-SHA1,
  SignatureVersion 1.0), the template codes of ``TAIZHANG_SMS_TEMPLATES`` and the params as TemplateParam; an answer
  whose Code is not "OK" is a failure. ``TAIZHANG_SMS_URL``, when set, replaces the public endpoint (a proxy on the
  intranet; private addresses are then allowed).

Every failure is logged (phone masked) and raised as SmsError with a Chinese reason that names neither the secret nor
the whole phone number. Requests go through the address guard (core.netguard via core.webhooks.post_bytes), 5 s.
``check_settings`` validates the variables at start-up (settings.py calls it).
"""

from __future__ import annotations

import base64
import datetime
import hashlib
import hmac
import json
import logging
import string
import time
import uuid
from collections.abc import Mapping
from typing import Any
from urllib.parse import quote

from django.conf import settings

from taizhang.core.errors import TaizhangError
from taizhang.core.netguard import FetchError
from taizhang.core.text import inner_quotes, unwrap
from taizhang.core.webhooks import post_bytes
from taizhang.env import ConfigError

log = logging.getLogger("taizhang.core.sms")

# purpose -> the Chinese wording with its {params}; providers' templates must use the same variable names.
PURPOSES: dict[str, str] = {
    "login_code": "您的志愿服务平台登录验证码为 {code}，10分钟内有效。",
    "register_code": "您的志愿服务平台注册验证码为 {code}，10分钟内有效。",
    "vote_code": "您的投票验证码为 {code}，10分钟内有效。请勿告诉他人。",
    "waitlist_promoted": "您候补的志愿服务活动“{title}”已有空位，您已递补，请按时参加。",
    "activity_reminder": "提醒：您报名的志愿服务活动“{title}”将于{time}在{place}开始，请准时到场扫码签到。",
}
BACKENDS = ("console", "http", "aliyun")
TIMEOUT = 5.0
ALIYUN_ENDPOINT = "https://dysmsapi.aliyuncs.com/"
ALIYUN_VERSION = "2017-05-25"
ALIYUN_PARAM_MAX = 35  # Alibaba Cloud refuses a notice variable longer than this (isv.PARAM_LENGTH_LIMIT)
QUOTED_PARAMS = {"title"}  # the wording puts these in “”: the user's own quotation marks are unwrapped (core.text)
OUTBOX: list[tuple[str, str]] = []  # (phone, text) of messages sent by the console backend (tests read it)
OUTBOX_SIZE = 50
_OK_CODES = {"0", "200", "ok", "success"}


class SmsError(TaizhangError):
    """A message the gateway did not take; the message (Chinese) names the reason, never a secret or a phone."""


def masked(phone: str) -> str:
    from taizhang.core.crypto import mask  # not at import: settings.py imports this module

    return mask(phone, "phone")


def param_names(purpose: str) -> set[str]:
    return {name for _text, name, _spec, _conv in string.Formatter().parse(PURPOSES[purpose]) if name}


def clean_params(purpose: str, params: Mapping[str, Any]) -> dict[str, str]:
    """The params as text (titles without the user's own outer quotation marks). An unknown purpose or params that do
    not match its wording are a bug (ValueError), not a failed send."""
    if purpose not in PURPOSES:
        raise ValueError(f"unknown SMS purpose {purpose!r}")
    if set(params) != param_names(purpose):
        raise ValueError(f"SMS purpose {purpose!r} takes {sorted(param_names(purpose))}, not {sorted(params)}")
    return {k: inner_quotes(unwrap(str(v))) if k in QUOTED_PARAMS else str(v) for k, v in params.items()}


def render(purpose: str, params: Mapping[str, Any]) -> str:
    """The Chinese text of a message (the console's and the generic gateway's)."""
    return PURPOSES[purpose].format(**clean_params(purpose, params))


def send(phone: str, purpose: str, params: Mapping[str, Any]) -> None:
    """Send one message through the configured backend; SmsError when it was not taken."""
    values = clean_params(purpose, params)
    text = PURPOSES[purpose].format(**values)
    backend = str(getattr(settings, "TAIZHANG_SMS_BACKEND", "console") or "console")
    if backend == "console":
        OUTBOX.append((phone, text))
        del OUTBOX[:-OUTBOX_SIZE]
        log.warning("短信（未配置短信网关，仅记录）→ %s：%s", masked(phone), text)
        return
    try:
        if backend == "http":
            _send_http(phone, purpose, values, text)
        elif backend == "aliyun":
            _send_aliyun(phone, purpose, values)
        else:
            raise SmsError(f"短信发送失败：未知的短信网关类型 {backend}。")
    except SmsError as exc:  # a gateway may echo the request: keep the number and any code out of the reason
        exc.message = exc.message.replace(phone, masked(phone))
        if len(values.get("code", "")) >= 4:
            exc.message = exc.message.replace(values["code"], "******")
        exc.args = (exc.message,)
        log.warning("短信未发出（%s，%s）→ %s：%s", backend, purpose, masked(phone), exc.message)
        raise
    log.info("短信已发送（%s，%s）→ %s", backend, purpose, masked(phone))


def _setting(name: str) -> str:
    return str(getattr(settings, name, "") or "")


def _templates() -> dict[str, str]:
    value = getattr(settings, "TAIZHANG_SMS_TEMPLATES", None) or {}
    return {str(k): str(v) for k, v in value.items()} if isinstance(value, dict) else {}


def _post(url: str, data: bytes, *, content_type: str, allow_private: bool,
          headers: Mapping[str, str] | None = None) -> tuple[int, bytes]:
    """The guarded POST, its failures as SmsError (no URL in the message: it may hold a token)."""
    try:
        return post_bytes(url, data, content_type=content_type, allow_private=allow_private, timeout=TIMEOUT,
                          headers=headers, what="短信网关")
    except FetchError as exc:
        cause = exc.__cause__
        if exc.kind == "invalid":
            reason = "短信网关地址无效，请检查 TAIZHANG_SMS_URL。"
        elif exc.kind == "blocked":
            reason = "短信网关地址解析到内网或本机地址，已拒绝连接。"
        elif isinstance(cause, TimeoutError):
            reason = f"短信网关在 {TIMEOUT:g} 秒内没有应答。"
        elif cause is not None:
            reason = f"无法连接短信网关（{cause.__class__.__name__}）。"
        else:
            reason = f"{exc.message}。"
        # an invalid URL's message names the URL, which may hold a token: not chained
        raise SmsError(f"短信发送失败：{reason}") from (None if exc.kind == "invalid" else exc)


def _answer(text: bytes) -> dict[str, Any]:
    try:
        answer = json.loads(text or b"{}")
    except ValueError:
        return {}
    return answer if isinstance(answer, dict) else {}


def _short(value: object) -> str:
    return " ".join(str(value).split())[:200]


# --- http: the generic gateway --------------------------------------------------------------------------------------
def http_signature(secret: str, timestamp: str, body: bytes) -> str:
    """Hex HMAC-SHA256 of f"{timestamp}.{body}" with the shared secret (what the gateway checks)."""
    return hmac.new(secret.encode(), timestamp.encode() + b"." + body, hashlib.sha256).hexdigest()


def _send_http(phone: str, purpose: str, params: dict[str, str], text: str) -> None:
    body = {"phone": phone, "purpose": purpose, "template": _templates().get(purpose, ""), "params": params,
            "text": text}
    data = json.dumps(body, ensure_ascii=False, separators=(",", ":")).encode()
    headers: dict[str, str] = {}
    secret = _setting("TAIZHANG_SMS_SECRET")
    if secret:
        timestamp = str(int(time.time()))
        headers = {"X-Taizhang-Timestamp": timestamp, "X-Taizhang-Signature": http_signature(secret, timestamp, data)}
    status, answer_text = _post(_setting("TAIZHANG_SMS_URL"), data, content_type="application/json; charset=utf-8",
                                allow_private=True, headers=headers)
    if status >= 300:
        raise SmsError(f"短信发送失败：短信网关返回 HTTP {status}。")
    answer = _answer(answer_text)
    code = answer.get("code", answer.get("errcode"))
    if code is not None and str(code).strip().lower() not in _OK_CODES:
        detail = answer.get("message") or answer.get("msg") or answer.get("errmsg") or ""
        raise SmsError(f"短信发送失败：短信网关返回错误 {_short(code)}" + (f"：{_short(detail)}。" if detail else "。"))


# --- aliyun: Dysmsapi SendSms with the RPC signature ----------------------------------------------------------------
def percent_encode(value: str) -> str:
    """Alibaba Cloud's POP encoding: UTF-8, RFC 3986 unreserved characters kept, space %20, * %2A, ~ kept."""
    return quote(value, safe="-_.~")


def canonical_query(params: Mapping[str, str]) -> str:
    return "&".join(f"{percent_encode(k)}={percent_encode(v)}" for k, v in sorted(params.items()))


def aliyun_signature(params: Mapping[str, str], access_key_secret: str, method: str = "POST") -> str:
    """Signature 1.0: Base64 of HMAC-SHA1(secret + "&", METHOD&%2F&encode(sorted, encoded query))."""
    string_to_sign = f"{method}&{percent_encode('/')}&{percent_encode(canonical_query(params))}"
    mac = hmac.new(f"{access_key_secret}&".encode(), string_to_sign.encode(), hashlib.sha1).digest()
    return base64.b64encode(mac).decode()


def aliyun_params(phone: str, template_code: str, params: Mapping[str, str], *, access_key_id: str,
                  sign_name: str, now: datetime.datetime | None = None, nonce: str = "") -> dict[str, str]:
    """The SendSms request's parameters, unsigned."""
    moment = now or datetime.datetime.now(datetime.UTC)
    return {
        "AccessKeyId": access_key_id,
        "Action": "SendSms",
        "Format": "JSON",
        "PhoneNumbers": phone,
        "RegionId": "cn-hangzhou",
        "SignName": sign_name,
        "SignatureMethod": "HMAC-SHA1",
        "SignatureNonce": nonce or uuid.uuid4().hex,
        "SignatureVersion": "1.0",
        "TemplateCode": template_code,
        "TemplateParam": json.dumps(dict(params), ensure_ascii=False, separators=(",", ":")),
        "Timestamp": moment.astimezone(datetime.UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "Version": ALIYUN_VERSION,
    }


def _send_aliyun(phone: str, purpose: str, params: dict[str, str]) -> None:
    template_code = _templates().get(purpose, "")
    if not template_code:
        raise SmsError(f"短信发送失败：TAIZHANG_SMS_TEMPLATES 中没有 {purpose} 的模板编号。")
    # a long activity title would have the whole message refused: it is cut to the variable's limit instead
    params = {k: v[:ALIYUN_PARAM_MAX] for k, v in params.items()}
    request = aliyun_params(phone, template_code, params, access_key_id=_setting("TAIZHANG_SMS_ACCESS_KEY_ID"),
                            sign_name=_setting("TAIZHANG_SMS_SIGN_NAME"))
    signature = aliyun_signature(request, _setting("TAIZHANG_SMS_ACCESS_KEY_SECRET"), "POST")
    data = f"{canonical_query(request)}&Signature={percent_encode(signature)}".encode()
    override = _setting("TAIZHANG_SMS_URL")
    status, answer_text = _post(override or ALIYUN_ENDPOINT, data, content_type="application/x-www-form-urlencoded",
                                allow_private=bool(override))
    answer = _answer(answer_text)
    code = answer.get("Code")
    if code == "OK" and status < 300:
        return
    if code:
        detail = _short(answer.get("Message") or "")
        raise SmsError(f"短信发送失败：阿里云短信服务返回 {_short(code)}" + (f"：{detail}。" if detail else "。"))
    raise SmsError(f"短信发送失败：阿里云短信服务返回 HTTP {status}，应答无法识别。")


# --- start-up checks ------------------------------------------------------------------------------------------------
def check_settings(*, backend: str, url: str, access_key_id: str, access_key_secret: str, sign_name: str,
                   templates: str) -> dict[str, str]:
    """The template codes (TAIZHANG_SMS_TEMPLATES parsed), after checking the variables the backend needs;
    ConfigError (Chinese, naming the variable) otherwise."""
    if backend not in BACKENDS:
        raise ConfigError(f"环境变量 TAIZHANG_SMS_BACKEND 的值 {backend!r} 无效：可选值为 {', '.join(BACKENDS)}")
    if backend == "http" and not url:
        raise ConfigError("环境变量 TAIZHANG_SMS_URL 未设置：TAIZHANG_SMS_BACKEND=http 时应填写短信网关的地址，"
                          "如 https://sms.example.gov.cn/send")
    if backend == "aliyun":
        for name, value in (("TAIZHANG_SMS_ACCESS_KEY_ID", access_key_id),
                            ("TAIZHANG_SMS_ACCESS_KEY_SECRET", access_key_secret),
                            ("TAIZHANG_SMS_SIGN_NAME", sign_name)):
            if not value:
                raise ConfigError(f"环境变量 {name} 未设置：TAIZHANG_SMS_BACKEND=aliyun 时必须填写")
        if not templates.strip():
            raise ConfigError("环境变量 TAIZHANG_SMS_TEMPLATES 未设置：TAIZHANG_SMS_BACKEND=aliyun 时应为各类短信的"
                              f"模板编号，如 {{\"login_code\": \"SMS_1234\"}}，需包括 {', '.join(PURPOSES)}")
    return parse_templates(templates)


def parse_templates(raw: str) -> dict[str, str]:
    """TAIZHANG_SMS_TEMPLATES: empty, or a JSON object with a template code (non-empty text) for every purpose."""
    if not raw.strip():
        return {}
    name = "环境变量 TAIZHANG_SMS_TEMPLATES"
    try:
        value = json.loads(raw)
    except ValueError as exc:
        raise ConfigError(f"{name} 无效：不是合法的 JSON，应为对象，如 {{\"login_code\": \"SMS_1234\"}}") from exc
    if not isinstance(value, dict):
        raise ConfigError(f"{name} 无效：应为 JSON 对象（短信类型 → 模板编号），如 {{\"login_code\": \"SMS_1234\"}}")
    unknown = sorted(set(value) - set(PURPOSES))
    if unknown:
        raise ConfigError(f"{name} 无效：未知的短信类型 {', '.join(unknown)}；可用的类型为 {', '.join(PURPOSES)}")
    missing = [p for p in PURPOSES if p not in value]
    if missing:
        raise ConfigError(f"{name} 无效：缺少短信类型 {', '.join(missing)} 的模板编号")
    empty = [p for p in PURPOSES if not isinstance(value[p], str) or not value[p].strip()]
    if empty:
        raise ConfigError(f"{name} 无效：短信类型 {', '.join(empty)} 的模板编号应为非空文本")
    return {p: value[p].strip() for p in PURPOSES}
