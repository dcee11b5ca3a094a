"""Text messages (core.sms): the console backend, the generic HTTP gateway and Alibaba Cloud SMS against gateways on
127.0.0.1, the start-up checks, and what volunteers, voters and the reminder job see when the gateway fails."""

from __future__ import annotations

import base64
import datetime
import hashlib
import hmac
import json
import logging
import os
import re
import socket
import subprocess
import sys
import threading
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, quote

import pytest
from django.core.cache import cache
from django.test import Client
from django.utils import timezone

from taizhang.core import sms
from taizhang.core.models import AuditEntry
from taizhang.core.netguard import FetchError
from taizhang.env import ConfigError

ROOT = Path(__file__).resolve().parents[2]  # the taizhang package
PHONE = "13812345678"
SECRET = "gateway-shared-secret-0123456789"
KEY_SECRET = "aliyun-key-secret-ABCDEFG"
TEMPLATES = {"login_code": "SMS_1001", "register_code": "SMS_1002", "vote_code": "SMS_1003",
             "waitlist_promoted": "SMS_2001", "activity_reminder": "SMS_2002"}


# --- a gateway on 127.0.0.1 -----------------------------------------------------------------------------------------
class Gateway:
    """A threaded HTTP server that records each POST (path, headers, body) and answers with ``reply(body)``."""

    def __init__(self) -> None:
        self.received: list[tuple[str, dict[str, str], bytes]] = []
        self.reply: Callable[[bytes], tuple[int, bytes]] = lambda body: (200, b'{"code": 0}')
        gateway = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                gateway.received.append((self.path, {k.lower(): v for k, v in self.headers.items()}, body))
                status, answer = gateway.reply(body)
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(answer)))
                self.end_headers()
                self.wfile.write(answer)

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/sms/send?channel=tz"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()
        self.thread.join()


@pytest.fixture
def gateway() -> Iterator[Gateway]:
    g = Gateway()
    try:
        yield g
    finally:
        g.close()


@pytest.fixture
def http_backend(settings: Any, gateway: Gateway) -> Gateway:
    settings.TAIZHANG_SMS_BACKEND = "http"
    settings.TAIZHANG_SMS_URL = gateway.url
    settings.TAIZHANG_SMS_SECRET = SECRET
    settings.TAIZHANG_SMS_TEMPLATES = {}
    return gateway


@pytest.fixture
def aliyun_backend(settings: Any, gateway: Gateway) -> Gateway:
    settings.TAIZHANG_SMS_BACKEND = "aliyun"
    settings.TAIZHANG_SMS_URL = gateway.url  # the endpoint, replaced for the test
    settings.TAIZHANG_SMS_ACCESS_KEY_ID = "LTAI-test-id"
    settings.TAIZHANG_SMS_ACCESS_KEY_SECRET = KEY_SECRET
    settings.TAIZHANG_SMS_SIGN_NAME = "某区委宣传部"
    settings.TAIZHANG_SMS_TEMPLATES = dict(TEMPLATES)
    gateway.reply = lambda body: (200, b'{"Message":"OK","RequestId":"R1","BizId":"B1","Code":"OK"}')
    return gateway


def refused_url() -> str:
    """An address on 127.0.0.1 where nothing listens (a port just released)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    return f"http://127.0.0.1:{port}/send"


# --- messages and the console backend -------------------------------------------------------------------------------
def test_every_purpose_renders_its_chinese_wording() -> None:
    assert sms.render("login_code", {"code": "123456"}) == "您的志愿服务平台登录验证码为 123456，10分钟内有效。"
    assert sms.render("register_code", {"code": "654321"}) == "您的志愿服务平台注册验证码为 654321，10分钟内有效。"
    assert sms.render("vote_code", {"code": "000111"}) == "您的投票验证码为 000111，10分钟内有效。请勿告诉他人。"
    assert sms.render("waitlist_promoted", {"title": "“社区清洁”"}) == \
        "您候补的志愿服务活动“社区清洁”已有空位，您已递补，请按时参加。"  # the user's own marks are not doubled
    assert sms.render("activity_reminder", {"title": '"强国复兴有我"宣讲', "time": "05月03日 09:00",
                                            "place": "东一社区广场"}) == \
        "提醒：您报名的志愿服务活动“‘强国复兴有我’宣讲”将于05月03日 09:00在东一社区广场开始，请准时到场扫码签到。"


def test_an_unknown_purpose_or_wrong_params_are_a_bug_not_a_send() -> None:
    sms.OUTBOX.clear()
    with pytest.raises(ValueError, match="unknown SMS purpose"):
        sms.send(PHONE, "birthday", {"code": "1"})
    with pytest.raises(ValueError, match="takes"):
        sms.send(PHONE, "activity_reminder", {"title": "x"})
    assert sms.OUTBOX == []


def test_console_backend_logs_masked_and_keeps_the_outbox(settings: Any, caplog: Any) -> None:
    from taizhang.volunteers import tokens

    assert tokens.OUTBOX is sms.OUTBOX  # the volunteers' tests and the demo read the same list
    settings.TAIZHANG_SMS_BACKEND = "console"
    sms.OUTBOX.clear()
    with caplog.at_level(logging.INFO, logger="taizhang.core.sms"):
        sms.send(PHONE, "vote_code", {"code": "246810"})
    assert sms.OUTBOX == [(PHONE, "您的投票验证码为 246810，10分钟内有效。请勿告诉他人。")]
    assert "138****5678" in caplog.text and PHONE not in caplog.text and "246810" in caplog.text
    for i in range(sms.OUTBOX_SIZE + 5):
        sms.send(PHONE, "login_code", {"code": f"{i:06d}"})
    assert len(sms.OUTBOX) == sms.OUTBOX_SIZE
    assert sms.OUTBOX[-1][1].endswith(f"{sms.OUTBOX_SIZE + 4:06d}，10分钟内有效。")


# --- http: the generic gateway ---------------------------------------------------------------------------------------
def test_http_backend_posts_signed_json(http_backend: Gateway, settings: Any) -> None:
    settings.TAIZHANG_SMS_TEMPLATES = dict(TEMPLATES)
    sms.OUTBOX.clear()
    sms.send(PHONE, "activity_reminder", {"title": "社区清洁", "time": "05月03日 09:00", "place": "东一社区广场"})
    assert sms.OUTBOX == []  # only the console backend keeps messages
    [(path, headers, body)] = http_backend.received
    assert path == "/sms/send?channel=tz" and headers["content-type"].startswith("application/json")
    assert json.loads(body) == {
        "phone": PHONE, "purpose": "activity_reminder", "template": "SMS_2002",
        "params": {"title": "社区清洁", "time": "05月03日 09:00", "place": "东一社区广场"},
        "text": "提醒：您报名的志愿服务活动“社区清洁”将于05月03日 09:00在东一社区广场开始，请准时到场扫码签到。",
    }
    timestamp = headers["x-taizhang-timestamp"]
    assert timestamp.isdigit()
    expected = hmac.new(SECRET.encode(), f"{timestamp}.{body.decode()}".encode(), hashlib.sha256).hexdigest()
    assert headers["x-taizhang-signature"] == expected
    assert SECRET not in body.decode()


def test_http_backend_without_a_secret_sends_no_signature(http_backend: Gateway, settings: Any) -> None:
    settings.TAIZHANG_SMS_SECRET = ""
    sms.send(PHONE, "vote_code", {"code": "135790"})
    [(_path, headers, body)] = http_backend.received
    assert "x-taizhang-signature" not in headers and json.loads(body)["template"] == ""


@pytest.mark.parametrize(("status", "answer", "reason"), [
    (500, b"Internal Server Error", "短信网关返回 HTTP 500"),
    (403, b'{"code": 0}', "短信网关返回 HTTP 403"),
    (200, '{"code": 1001, "msg": "余额不足"}'.encode(), "短信网关返回错误 1001：余额不足"),
    (200, b'{"errcode": "E42"}', "短信网关返回错误 E42"),
])
def test_http_backend_failures_are_sms_errors(http_backend: Gateway, status: int, answer: bytes, reason: str) -> None:
    http_backend.reply = lambda body: (status, answer)
    with pytest.raises(sms.SmsError) as caught:
        sms.send(PHONE, "vote_code", {"code": "135790"})
    assert caught.value.message.startswith("短信发送失败：") and reason in caught.value.message
    assert SECRET not in caught.value.message and PHONE not in caught.value.message


@pytest.mark.parametrize("answer", [b'{"code": 0}', b'{"code": 200, "msg": "success"}', b'{"code": "OK"}', b"sent"])
def test_http_backend_accepts_the_usual_success_answers(http_backend: Gateway, answer: bytes) -> None:
    http_backend.reply = lambda body: (200, answer)
    sms.send(PHONE, "vote_code", {"code": "135790"})
    assert len(http_backend.received) == 1


def test_http_backend_masks_a_phone_and_code_the_gateway_echoes(http_backend: Gateway, caplog: Any) -> None:
    http_backend.reply = lambda body: (200, f'{{"code": 7, "msg": "号码 {PHONE} 验证码 864209 被拦截"}}'.encode())
    with caplog.at_level(logging.INFO, logger="taizhang.core.sms"), pytest.raises(sms.SmsError) as caught:
        sms.send(PHONE, "login_code", {"code": "864209"})
    assert "138****5678" in caught.value.message and PHONE not in caught.value.message
    assert "864209" not in caught.value.message and "864209" not in caplog.text and PHONE not in caplog.text


def test_http_backend_refused_connection_is_an_sms_error(settings: Any) -> None:
    settings.TAIZHANG_SMS_BACKEND = "http"
    settings.TAIZHANG_SMS_URL = refused_url()
    with pytest.raises(sms.SmsError, match="无法连接短信网关（ConnectionRefusedError）"):
        sms.send(PHONE, "vote_code", {"code": "135790"})


def test_a_gateway_that_does_not_answer_in_time_is_named(settings: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    settings.TAIZHANG_SMS_BACKEND = "http"
    settings.TAIZHANG_SMS_URL = "http://10.1.2.3/send"
    seen: dict[str, Any] = {}

    def slow(url: str, data: bytes, **kwargs: Any) -> tuple[int, bytes]:
        seen.update(kwargs)
        raise FetchError("短信网关 发送失败：TimeoutError", "network") from TimeoutError()

    monkeypatch.setattr(sms, "post_bytes", slow)
    with pytest.raises(sms.SmsError, match="短信网关在 5 秒内没有应答"):
        sms.send(PHONE, "vote_code", {"code": "135790"})
    assert seen["timeout"] == 5.0 and seen["allow_private"] is True  # an intranet gateway may be reached


# --- aliyun ---------------------------------------------------------------------------------------------------------
def test_aliyun_signature_matches_the_documented_example() -> None:
    """The worked example of Alibaba Cloud's SMS documentation (HTTP protocol and signature, SendSms, GET)."""
    params = {
        "AccessKeyId": "testId", "Action": "SendSms", "Format": "XML", "OutId": "123",
        "PhoneNumbers": "15300000001", "RegionId": "cn-hangzhou", "SignName": "阿里云短信测试专用",
        "SignatureMethod": "HMAC-SHA1", "SignatureNonce": "45e25e9b-0a6f-4070-8c85-2956eda1b466",
        "SignatureVersion": "1.0", "TemplateCode": "SMS_71390007", "TemplateParam": '{"customer":"test"}',
        "Timestamp": "2017-07-12T02:42:19Z", "Version": "2017-05-25",
    }
    assert sms.canonical_query(params).startswith(
        "AccessKeyId=testId&Action=SendSms&Format=XML&OutId=123&PhoneNumbers=15300000001&RegionId=cn-hangzhou"
        "&SignName=%E9%98%BF%E9%87%8C%E4%BA%91%E7%9F%AD%E4%BF%A1%E6%B5%8B%E8%AF%95%E4%B8%93%E7%94%A8&")
    assert "&TemplateParam=%7B%22customer%22%3A%22test%22%7D&Timestamp=2017-07-12T02%3A42%3A19Z&" in \
        sms.canonical_query(params)
    assert sms.aliyun_signature(params, "testSecret", "GET") == "zJDF+Lrzhj/ThnlvIToysFRq6t4="


def test_aliyun_percent_encoding_follows_their_rules() -> None:
    assert sms.percent_encode("a b") == "a%20b"  # %20, not +
    assert sms.percent_encode("*") == "%2A"
    assert sms.percent_encode("~-_.") == "~-_."  # %7E is written ~
    assert sms.percent_encode("a+b/c=d&e") == "a%2Bb%2Fc%3Dd%26e"
    assert sms.percent_encode("宣") == "%E5%AE%A3"
    assert sms.canonical_query({"b": "2", "a": "1", "B": "0"}) == "B=0&a=1&b=2"  # sorted by name, bytewise


def _pop_encode(value: str) -> str:
    return quote(value, safe="-_.~")


def _check_aliyun_request(body: bytes) -> dict[str, str]:
    """What Alibaba Cloud checks: the form's parameters and their signature (computed here independently)."""
    fields = dict(parse_qsl(body.decode(), keep_blank_values=True, strict_parsing=True))
    signature = fields.pop("Signature")
    query = "&".join(f"{_pop_encode(k)}={_pop_encode(v)}" for k, v in sorted(fields.items()))
    to_sign = "POST&%2F&" + _pop_encode(query)
    expected = base64.b64encode(hmac.new(f"{KEY_SECRET}&".encode(), to_sign.encode(), hashlib.sha1).digest())
    assert signature == expected.decode()
    return fields


def test_aliyun_backend_sends_a_signed_send_sms(aliyun_backend: Gateway) -> None:
    sms.send(PHONE, "waitlist_promoted", {"title": "社区 清洁*行动"})
    sms.send(PHONE, "login_code", {"code": "102938"})
    (path, headers, first), (_p, _h, second) = aliyun_backend.received
    assert path == "/sms/send?channel=tz" and headers["content-type"] == "application/x-www-form-urlencoded"
    fields = _check_aliyun_request(first)
    assert {k: v for k, v in fields.items() if k not in ("SignatureNonce", "Timestamp")} == {
        "AccessKeyId": "LTAI-test-id", "Action": "SendSms", "Format": "JSON", "PhoneNumbers": PHONE,
        "RegionId": "cn-hangzhou", "SignName": "某区委宣传部", "SignatureMethod": "HMAC-SHA1",
        "SignatureVersion": "1.0", "TemplateCode": "SMS_2001", "TemplateParam": '{"title":"社区 清洁*行动"}',
        "Version": "2017-05-25",
    }
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", fields["Timestamp"])
    assert b"%20" in first and b"%2A" in first and b"+" not in first.split(b"&Signature=")[0]
    again = _check_aliyun_request(second)
    assert again["TemplateCode"] == "SMS_1001" and json.loads(again["TemplateParam"]) == {"code": "102938"}
    assert again["SignatureNonce"] != fields["SignatureNonce"]
    assert KEY_SECRET not in (first + second).decode()


def test_aliyun_cuts_a_long_title_to_the_variable_limit(aliyun_backend: Gateway) -> None:
    title = "二〇二六年万柏林区新时代文明实践志愿服务邻里守望关爱空巢老人走访慰问暨健康义诊活动第三场"
    sms.send(PHONE, "waitlist_promoted", {"title": title})
    sent = json.loads(_check_aliyun_request(aliyun_backend.received[0][2])["TemplateParam"])["title"]
    assert len(title) > sms.ALIYUN_PARAM_MAX and sent == title[: sms.ALIYUN_PARAM_MAX]


def test_aliyun_error_code_is_a_failure_with_their_message(aliyun_backend: Gateway) -> None:
    aliyun_backend.reply = lambda body: (200, json.dumps(
        {"Message": "触发小时级流控Permits:5", "RequestId": "R2", "Code": "isv.BUSINESS_LIMIT_CONTROL"}).encode())
    with pytest.raises(sms.SmsError) as caught:
        sms.send(PHONE, "vote_code", {"code": "135790"})
    assert caught.value.message == \
        "短信发送失败：阿里云短信服务返回 isv.BUSINESS_LIMIT_CONTROL：触发小时级流控Permits:5。"


def test_aliyun_signature_refusal_echo_leaks_neither_phone_nor_code(aliyun_backend: Gateway) -> None:
    def refuse(body: bytes) -> tuple[int, bytes]:
        fields = dict(parse_qsl(body.decode()))
        echo = f"server string to sign is:POST&%2F&PhoneNumbers%3D{fields['PhoneNumbers']}%26" \
               f"TemplateParam%3D{fields['TemplateParam']}"
        return 400, json.dumps({"Code": "SignatureDoesNotMatch", "Message": echo}).encode()

    aliyun_backend.reply = refuse
    with pytest.raises(sms.SmsError) as caught:
        sms.send(PHONE, "vote_code", {"code": "975310"})
    message = caught.value.message
    assert "SignatureDoesNotMatch" in message and PHONE not in message and "975310" not in message
    assert KEY_SECRET not in message


def test_aliyun_answer_that_is_not_theirs_is_a_failure(aliyun_backend: Gateway) -> None:
    aliyun_backend.reply = lambda body: (502, b"<html>Bad Gateway</html>")
    with pytest.raises(sms.SmsError, match="HTTP 502"):
        sms.send(PHONE, "vote_code", {"code": "135790"})


def test_aliyun_public_endpoint_never_reaches_a_private_address(
    aliyun_backend: Gateway, settings: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Without TAIZHANG_SMS_URL the endpoint is Alibaba Cloud's, and the address guard refuses a private answer."""
    settings.TAIZHANG_SMS_URL = ""
    monkeypatch.setattr(sms, "ALIYUN_ENDPOINT", aliyun_backend.url)
    with pytest.raises(sms.SmsError, match="内网或本机地址"):
        sms.send(PHONE, "vote_code", {"code": "135790"})
    assert aliyun_backend.received == []


# --- start-up checks ------------------------------------------------------------------------------------------------
def _check(**overrides: str) -> dict[str, str]:
    values = {"backend": "console", "url": "", "access_key_id": "", "access_key_secret": "", "sign_name": "",
              "templates": ""}
    values.update(overrides)
    return sms.check_settings(**values)


def test_console_and_http_need_no_templates() -> None:
    assert _check() == {}
    assert _check(backend="http", url="http://10.0.0.8/sms") == {}
    assert _check(backend="aliyun", access_key_id="id", access_key_secret="s", sign_name="宣传部",
                  templates=json.dumps(TEMPLATES)) == TEMPLATES


@pytest.mark.parametrize(("overrides", "variable", "words"), [
    ({"backend": "twilio"}, "TAIZHANG_SMS_BACKEND", "可选值为 console, http, aliyun"),
    ({"backend": "http"}, "TAIZHANG_SMS_URL", "未设置"),
    ({"backend": "aliyun", "access_key_secret": "s", "sign_name": "x", "templates": "{}"},
     "TAIZHANG_SMS_ACCESS_KEY_ID", "未设置"),
    ({"backend": "aliyun", "access_key_id": "i", "sign_name": "x"}, "TAIZHANG_SMS_ACCESS_KEY_SECRET", "未设置"),
    ({"backend": "aliyun", "access_key_id": "i", "access_key_secret": "s"}, "TAIZHANG_SMS_SIGN_NAME", "未设置"),
    ({"backend": "aliyun", "access_key_id": "i", "access_key_secret": "s", "sign_name": "x"},
     "TAIZHANG_SMS_TEMPLATES", "未设置"),
    ({"templates": '["SMS_1"]'}, "TAIZHANG_SMS_TEMPLATES", "应为 JSON 对象"),
    ({"templates": "{login_code: SMS_1}"}, "TAIZHANG_SMS_TEMPLATES", "不是合法的 JSON"),
    ({"templates": json.dumps({**TEMPLATES, "login": "SMS_9"})}, "TAIZHANG_SMS_TEMPLATES", "未知的短信类型 login"),
    ({"templates": json.dumps({k: v for k, v in TEMPLATES.items() if k != "vote_code"})},
     "TAIZHANG_SMS_TEMPLATES", "缺少短信类型 vote_code"),
    ({"templates": json.dumps({**TEMPLATES, "vote_code": 3})}, "TAIZHANG_SMS_TEMPLATES", "vote_code 的模板编号"),
])
def test_bad_sms_settings_name_the_variable(overrides: dict[str, str], variable: str, words: str) -> None:
    with pytest.raises(ConfigError) as caught:
        _check(**overrides)
    assert f"环境变量 {variable} " in str(caught.value) and words in str(caught.value)


def _run(tmp_path: Path, env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("TAIZHANG_", "DJANGO_", "DATABASE_URL"))}
    clean.update({"TAIZHANG_DATA_DIR": str(tmp_path), **env})
    return subprocess.run([sys.executable, *args], env=clean, capture_output=True, text=True, timeout=120,
                          cwd=ROOT.parent)


@pytest.mark.parametrize(("env", "variable"), [
    ({"TAIZHANG_SMS_BACKEND": "twilio"}, "TAIZHANG_SMS_BACKEND"),
    ({"TAIZHANG_SMS_BACKEND": "http"}, "TAIZHANG_SMS_URL"),
    ({"TAIZHANG_SMS_BACKEND": "http", "TAIZHANG_SMS_URL": "ftp://10.0.0.8/"}, "TAIZHANG_SMS_URL"),
    ({"TAIZHANG_SMS_BACKEND": "aliyun", "TAIZHANG_SMS_ACCESS_KEY_ID": "LTAI1",
      "TAIZHANG_SMS_ACCESS_KEY_SECRET": "s3cr-aliyun", "TAIZHANG_SMS_SIGN_NAME": "宣传部",
      "TAIZHANG_SMS_TEMPLATES": '{"login_code": "SMS_1"}'}, "TAIZHANG_SMS_TEMPLATES"),
])
def test_bad_sms_settings_stop_the_start_with_one_chinese_line(
    tmp_path: Path, env: dict[str, str], variable: str
) -> None:
    result = _run(tmp_path, env, "-m", "taizhang", "check")
    assert result.returncode == 2, result.stderr
    assert result.stderr.strip().startswith("配置错误：") and len(result.stderr.strip().splitlines()) == 1
    assert f"环境变量 {variable} " in result.stderr and "Traceback" not in result.stderr
    assert "s3cr-aliyun" not in result.stderr


def test_a_complete_aliyun_configuration_starts(tmp_path: Path) -> None:
    env = {"TAIZHANG_SMS_BACKEND": "aliyun", "TAIZHANG_SMS_ACCESS_KEY_ID": "LTAI1",
           "TAIZHANG_SMS_ACCESS_KEY_SECRET": "s3cr-aliyun", "TAIZHANG_SMS_SIGN_NAME": "宣传部",
           "TAIZHANG_SMS_TEMPLATES": json.dumps(TEMPLATES)}
    code = "import json, taizhang.settings as s; print(s.TAIZHANG_SMS_BACKEND, json.dumps(s.TAIZHANG_SMS_TEMPLATES))"
    result = _run(tmp_path, env, "-c", code)
    assert result.returncode == 0, result.stderr
    backend, templates = result.stdout.strip().split(" ", 1)
    assert backend == "aliyun" and json.loads(templates) == TEMPLATES


# --- what people see when the gateway fails ------------------------------------------------------------------------
V = "/public/volunteers"


@pytest.mark.django_db
def test_volunteer_code_request_whose_sms_fails_says_so_and_is_not_counted(tree: Any, http_backend: Gateway) -> None:
    from taizhang.volunteers.models import LoginCode
    from taizhang.volunteers.tests.factories import make_volunteer

    v = make_volunteer(tree.community_a1)
    http_backend.reply = lambda body: (500, b"down")
    c = Client()
    r = c.post(f"{V}/code/", {"phone": v.phone, "purpose": "login"})
    assert r.status_code == 302
    page = c.get(f"{V}/login/")
    body = page.content.decode()
    assert page.status_code == 200 and "短信发送失败，请稍后再试。" in body and "验证码已发送" not in body
    assert LoginCode.objects.count() == 0  # withdrawn: neither usable nor counted against the minute
    failed = AuditEntry.objects.filter(action="volunteer_code_request", success=False).get()
    assert "HTTP 500" in failed.message and v.phone not in failed.message
    http_backend.reply = lambda body: (200, b'{"code": 0}')
    again = c.post(f"{V}/code/", {"purpose": "login"})  # 重新获取验证码 at once: not "请于…秒后"
    assert again.status_code == 302 and "验证码已发送" in c.get(f"{V}/login/").content.decode()
    sent = json.loads(http_backend.received[-1][2])
    assert sent["purpose"] == "login_code" and sent["phone"] == v.phone
    code = sent["params"]["code"]
    assert c.post(f"{V}/login/", {"code": code}).status_code == 302  # the code that did arrive logs in


@pytest.mark.django_db
def test_registration_code_whose_sms_fails_shows_the_form_again(tree: Any, http_backend: Gateway) -> None:
    http_backend.reply = lambda body: (200, b'{"code": 500, "msg": "gateway busy"}')
    r = Client().post(f"{V}/code/", {"phone": "13912345670", "purpose": "register", "real_name": "陈志愿"})
    body = r.content.decode()
    assert r.status_code == 400 and "短信发送失败，请稍后再试。" in body and "陈志愿" in body
    assert json.loads(http_backend.received[-1][2])["purpose"] == "register_code"


@pytest.mark.django_db
def test_vote_code_whose_sms_fails_is_a_400_with_the_reason(tree: Any, http_backend: Gateway, settings: Any) -> None:
    from taizhang.volunteers.models import LoginCode
    from taizhang.votes import actions as vote_actions

    today = timezone.localdate()
    poll = vote_actions.open_poll(
        acting_user=None, code="SMS-2026", title="短信测试投票", subject=tree.district,
        options=[(tree.street_a, "东城候选人"), (tree.street_b, "西城候选人")],
        opens_at=timezone.now() - datetime.timedelta(days=1),
        closes_at=timezone.make_aware(datetime.datetime.combine(today + datetime.timedelta(days=20),
                                                                datetime.time(0, 0))))
    cache.clear()
    settings.TAIZHANG_SMS_URL = refused_url()  # nothing listens there
    r = Client().post(f"/public/votes/{poll.code}/verify/", {"phone": PHONE, "send": "1"})
    assert r.status_code == 400 and "短信发送失败，请稍后再试。" in r.content.decode()
    assert not LoginCode.objects.exists()
    assert AuditEntry.objects.filter(action="votes.code_request", success=False).count() == 1


@pytest.mark.django_db
def test_waiting_list_sms_failure_is_logged_not_raised(
    tree: Any, http_backend: Gateway, caplog: Any, django_capture_on_commit_callbacks: Any
) -> None:
    from taizhang.volunteers import actions
    from taizhang.volunteers.models import SignUp
    from taizhang.volunteers.tests.factories import make_activity, make_team, make_volunteer

    shift = make_activity(make_team(tree.street_a), capacity=1).shifts.get()
    first = actions.sign_up(volunteer=make_volunteer(tree.community_a1), shift=shift)
    waiting_volunteer = make_volunteer(tree.community_a1)
    waiting = actions.sign_up(volunteer=waiting_volunteer, shift=shift)
    assert waiting.state == SignUp.State.WAITLISTED
    http_backend.reply = lambda body: (503, b"")
    with caplog.at_level(logging.WARNING), django_capture_on_commit_callbacks(execute=True) as callbacks:
        actions.cancel_signup(volunteer=first.volunteer, signup=first)
    assert len(callbacks) == 1  # the SMS ran after commit, and its failure did not reach the caller
    waiting.refresh_from_db()
    assert waiting.state == SignUp.State.APPROVED
    assert "候补递补短信未发出" in caplog.text and waiting_volunteer.number in caplog.text
    assert waiting_volunteer.phone not in caplog.text
    assert json.loads(http_backend.received[-1][2])["params"] == {"title": "社区环境清洁"}


@pytest.mark.django_db
def test_reminders_go_on_past_a_failure_and_the_failed_one_stays_due(tree: Any, http_backend: Gateway) -> None:
    from taizhang.volunteers import actions
    from taizhang.volunteers.jobs import send_reminders
    from taizhang.volunteers.models import SignUp
    from taizhang.volunteers.tests.factories import make_activity, make_team, make_volunteer

    shift = make_activity(make_team(tree.street_a), start=timezone.now() + datetime.timedelta(hours=5)).shifts.get()
    ok, bad = make_volunteer(tree.community_a1), make_volunteer(tree.community_a1)
    for v in (bad, ok):
        actions.sign_up(volunteer=v, shift=shift)
    http_backend.reply = lambda body: (500, b"") if json.loads(body)["phone"] == bad.phone else (200, b"")
    with pytest.raises(sms.SmsError, match="1 条活动提醒短信未发出（已发出 1 条）"):
        send_reminders()
    assert set(SignUp.objects.filter(reminded=True).values_list("volunteer_id", flat=True)) == {ok.pk}
    reminder = next(json.loads(b) for _p, _h, b in http_backend.received if json.loads(b)["phone"] == ok.phone)
    assert reminder["purpose"] == "activity_reminder" and reminder["params"]["place"] == "东一社区广场"
    http_backend.reply = lambda body: (200, b"")
    assert send_reminders() == 1  # the next run sends the one that failed
    assert not SignUp.objects.filter(reminded=False).exists()
