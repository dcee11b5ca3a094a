"""A bad environment value stops the program with a Chinese message naming the variable, and no traceback
(README "Configuration", docs/security.md); documented values still pass."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from taizhang import cli
from taizhang.env import (
    ConfigError,
    env_log_level,
    env_tile_url,
    env_time_zone,
    env_url,
)

ROOT = Path(__file__).resolve().parents[2]  # the taizhang package
CACHE_SCHEMES = ("redis", "rediss", "unix")
BROKER_SCHEMES = ("redis", "rediss", "sentinel", "amqp", "amqps", "pyamqp")


def _clean_env(tmp_path: Path, extra: dict[str, str]) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("TAIZHANG_", "DJANGO_", "DATABASE_URL"))}
    env.update({"TAIZHANG_DATA_DIR": str(tmp_path), **extra})
    return env


# --- helpers, in process ------------------------------------------------------------------------------------------


@pytest.mark.parametrize("value", ["Asia/Shanghai", "UTC", "Europe/Berlin", "America/Argentina/Buenos_Aires"])
def test_time_zone_accepts_iana_names(monkeypatch: pytest.MonkeyPatch, value: str) -> None:
    monkeypatch.setenv("TAIZHANG_TIME_ZONE", value)
    assert env_time_zone("TAIZHANG_TIME_ZONE", "Asia/Shanghai") == value


@pytest.mark.parametrize("value", ["Mars/Base", "Asia", "../../etc/passwd", "/etc/localtime", "Asia/Shanghai/x"])
def test_time_zone_refuses_other_names(monkeypatch: pytest.MonkeyPatch, value: str) -> None:
    monkeypatch.setenv("TAIZHANG_TIME_ZONE", value)
    with pytest.raises(ConfigError, match=r"TAIZHANG_TIME_ZONE.*IANA 时区"):
        env_time_zone("TAIZHANG_TIME_ZONE", "Asia/Shanghai")


def test_time_zone_empty_is_the_default(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TAIZHANG_TIME_ZONE", " ")
    assert env_time_zone("TAIZHANG_TIME_ZONE", "Asia/Shanghai") == "Asia/Shanghai"


@pytest.mark.parametrize(
    ("value", "level"),
    [
        ("DEBUG", "DEBUG"),
        ("info", "INFO"),
        ("Warning", "WARNING"),
        ("error", "ERROR"),
        ("CRITICAL", "CRITICAL"),
        ("", "INFO"),
    ],
)
def test_log_level_accepts_level_names(monkeypatch: pytest.MonkeyPatch, value: str, level: str) -> None:
    monkeypatch.setenv("TAIZHANG_LOG_LEVEL", value)
    assert env_log_level("TAIZHANG_LOG_LEVEL", "INFO") == level


@pytest.mark.parametrize("value", ["LOUD", "10", "verbose"])
def test_log_level_refuses_other_values(monkeypatch: pytest.MonkeyPatch, value: str) -> None:
    monkeypatch.setenv("TAIZHANG_LOG_LEVEL", value)
    with pytest.raises(ConfigError, match=r"TAIZHANG_LOG_LEVEL.*可选值为 DEBUG, INFO, WARNING, ERROR, CRITICAL"):
        env_log_level("TAIZHANG_LOG_LEVEL", "INFO")


@pytest.mark.parametrize(
    "value",
    [
        "",
        "redis://127.0.0.1:6379/1",
        "rediss://:pw@cache.example:6380/0",
        "unix:///run/redis/redis.sock?db=1",
        "redis://a:6379/1,redis://b:6379/1",
        "redis://a:6379/1;redis://b:6379/1",
    ],
)
def test_cache_url_accepts_redis(monkeypatch: pytest.MonkeyPatch, value: str) -> None:
    monkeypatch.setenv("TAIZHANG_CACHE_URL", value)
    assert env_url("TAIZHANG_CACHE_URL", CACHE_SCHEMES, example="redis://", separators=",;") == value


@pytest.mark.parametrize(
    "value", ["http://x", "memcached://127.0.0.1:11211", "127.0.0.1:6379", "redis://a:6379/1,http://b", "locmem"]
)
def test_cache_url_refuses_other_schemes(monkeypatch: pytest.MonkeyPatch, value: str) -> None:
    monkeypatch.setenv("TAIZHANG_CACHE_URL", value)
    with pytest.raises(ConfigError, match=r"TAIZHANG_CACHE_URL.*redis://"):
        env_url("TAIZHANG_CACHE_URL", CACHE_SCHEMES, example="redis://", separators=",;")


@pytest.mark.parametrize(
    "value",
    [
        "",
        "redis://127.0.0.1:6379/0",
        "amqp://guest:guest@127.0.0.1:5672//",
        "amqps://u:p@mq.example:5671//",
        "pyamqp://guest@localhost//",
        "rediss://r.example:6380/0",
        "sentinel://s1:26379;sentinel://s2:26379",
        "amqp://a//;amqp://b//",
    ],
)
def test_broker_url_accepts_documented_brokers(monkeypatch: pytest.MonkeyPatch, value: str) -> None:
    monkeypatch.setenv("TAIZHANG_BROKER_URL", value)
    assert env_url("TAIZHANG_BROKER_URL", BROKER_SCHEMES, example="redis://", separators=";") == value


@pytest.mark.parametrize("value", ["foo://", "http://x", "memory://", "redis", "amqp://a//;foo://b"])
def test_broker_url_refuses_other_schemes(monkeypatch: pytest.MonkeyPatch, value: str) -> None:
    monkeypatch.setenv("TAIZHANG_BROKER_URL", value)
    with pytest.raises(ConfigError, match=r"TAIZHANG_BROKER_URL.*amqp://"):
        env_url("TAIZHANG_BROKER_URL", BROKER_SCHEMES, example="redis://", separators=";")


@pytest.mark.parametrize(
    "value",
    [
        "",
        "https://tiles.example/{z}/{x}/{y}.png",
        "http://10.0.0.5:8080/{z}/{x}/{y}.png",
        "https://{s}.tiles.example/{z}/{x}/{y}.png?key=1",
        "https://tiles.example/{z}/{x}/{-y}.png",
    ],
)
def test_map_tiles_accepts_tile_templates(monkeypatch: pytest.MonkeyPatch, value: str) -> None:
    monkeypatch.setenv("TAIZHANG_MAP_TILES", value)
    assert env_tile_url("TAIZHANG_MAP_TILES") == value


@pytest.mark.parametrize(
    "value",
    [
        "ftp://x",
        "ftp://x/{z}/{x}/{y}.png",
        "https://tiles.example/map.png",
        "/tiles/{z}/{x}/{y}.png",
        "javascript:alert(1)//{z}/{x}/{y}",
        "https:///{z}/{x}/{y}",
    ],
)
def test_map_tiles_refuses_anything_else(monkeypatch: pytest.MonkeyPatch, value: str) -> None:
    monkeypatch.setenv("TAIZHANG_MAP_TILES", value)
    with pytest.raises(ConfigError, match=r"TAIZHANG_MAP_TILES.*https://"):
        env_tile_url("TAIZHANG_MAP_TILES")


def test_cli_lets_other_exceptions_through(monkeypatch: pytest.MonkeyPatch) -> None:
    def boom(argv: list[str] | None) -> None:
        raise RuntimeError("not a configuration error")

    monkeypatch.setattr(cli, "_main", boom)
    with pytest.raises(RuntimeError, match="not a configuration error"):
        cli.main(["taizhang", "check"])


def test_serve_reads_its_variables_from_settings() -> None:
    """docs/security.md: the environment is read by settings.py only; serve.py takes the validated values."""
    text = (ROOT / "core" / "management" / "commands" / "serve.py").read_text(encoding="utf-8")
    assert "taizhang.env" not in text and "environ.get" not in text


# --- the program, in a subprocess ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "value", "message"),
    [
        ("TAIZHANG_TIME_ZONE", "Mars/Base", "IANA 时区名称"),
        ("TAIZHANG_LOG_LEVEL", "LOUD", "可选值为 DEBUG, INFO, WARNING, ERROR, CRITICAL"),
        ("TAIZHANG_CACHE_URL", "http://x", "redis://"),
        ("TAIZHANG_BROKER_URL", "foo://", "amqp://"),
        ("TAIZHANG_MAP_TILES", "ftp://x", "https://"),
        ("TAIZHANG_SERVE_WORKER", "maybe", "true/false"),
        ("TAIZHANG_WEB_WORKERS", "many", "应为整数"),
        ("TAIZHANG_WEB_THREADS", "0", "过小"),
        ("TAIZHANG_MONITOR_TICK", "fast", "应为数字"),
    ],
)
def test_cli_bad_value_is_a_chinese_message_without_traceback(
    tmp_path: Path, name: str, value: str, message: str
) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "taizhang", "check"],
        env=_clean_env(tmp_path, {name: value}),
        capture_output=True,
        text=True,
        timeout=120,
        cwd=ROOT.parent,
    )
    assert result.returncode == 2, result.stderr
    assert "Traceback" not in result.stderr, result.stderr
    assert f"环境变量 {name} " in result.stderr and message in result.stderr
    assert result.stderr.strip().startswith("配置错误：") and len(result.stderr.strip().splitlines()) == 1


def test_documented_values_start_and_pass_the_check(tmp_path: Path) -> None:
    good = {
        "TAIZHANG_TIME_ZONE": "UTC",
        "TAIZHANG_LOG_LEVEL": "debug",
        "TAIZHANG_CACHE_URL": "redis://127.0.0.1:6379/1",
        "TAIZHANG_BROKER_URL": "amqp://guest:guest@127.0.0.1:5672//",
        "TAIZHANG_MAP_TILES": "https://tiles.example/{z}/{x}/{y}.png",
        "TAIZHANG_SERVE_WORKER": "false",
        "TAIZHANG_WEB_WORKERS": "4",
        "TAIZHANG_WEB_THREADS": "16",
    }
    code = (
        "import taizhang.settings as s; print(s.TIME_ZONE, s.LOGGING['root']['level'],"
        " s.CACHES['default']['LOCATION'], s.CELERY_BROKER_URL, s.TAIZHANG_MAP_TILES,"
        " s.TAIZHANG_SERVE_WORKER, s.TAIZHANG_WEB_WORKERS, s.TAIZHANG_WEB_THREADS)"
    )
    result = subprocess.run(
        [sys.executable, "-c", code],
        env=_clean_env(tmp_path, good),
        capture_output=True,
        text=True,
        timeout=120,
        cwd=ROOT.parent,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == [
        "UTC",
        "DEBUG",
        "redis://127.0.0.1:6379/1",
        "amqp://guest:guest@127.0.0.1:5672//",
        "https://tiles.example/{z}/{x}/{y}.png",
        "False",
        "4",
        "16",
    ]
    check = subprocess.run(
        [sys.executable, "-m", "taizhang", "check"],
        env=_clean_env(tmp_path, good),
        capture_output=True,
        text=True,
        timeout=120,
        cwd=ROOT.parent,
    )
    assert check.returncode == 0, check.stderr
    assert "Traceback" not in check.stderr
