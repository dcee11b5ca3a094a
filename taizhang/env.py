"""Settings helpers that read the environment and fail loudly on bad values (after healthchecks' envbool)."""

from __future__ import annotations

import os
import re
import time
import zoneinfo
from pathlib import Path
from urllib.parse import urlsplit


class ConfigError(RuntimeError):
    """A configuration value in the environment is not valid."""


TRUE_VALUES = {"1", "true", "yes", "on"}
FALSE_VALUES = {"0", "false", "no", "off", ""}


def env_str(name: str, default: str = "") -> str:
    return os.environ.get(name, default)


def env_bool(name: str, default: bool = False) -> bool:
    raw = os.environ.get(name)
    if raw is None:
        return default
    value = raw.strip().lower()
    if value in TRUE_VALUES:
        return True
    if value in FALSE_VALUES:
        return False
    raise ConfigError(f"环境变量 {name} 的值 {raw!r} 无效：应为 true/false、1/0、yes/no 或 on/off")


def env_int(name: str, default: int, *, minimum: int | None = None, maximum: int | None = None) -> int:
    raw = os.environ.get(name)
    if raw is None or raw.strip() == "":
        return default
    try:
        value = int(raw.strip())
    except ValueError as exc:
        raise ConfigError(f"环境变量 {name} 的值 {raw!r} 无效：应为整数") from exc
    if minimum is not None and value < minimum:
        raise ConfigError(f"环境变量 {name} 的值 {value} 过小：不得小于 {minimum}")
    if maximum is not None and value > maximum:
        raise ConfigError(f"环境变量 {name} 的值 {value} 过大：不得大于 {maximum}")
    return value


def env_list(name: str, default: list[str]) -> list[str]:
    raw = os.environ.get(name)
    if raw is None:
        return default
    return [part.strip() for part in raw.split(",") if part.strip()]


def env_choice(name: str, default: str, choices: set[str]) -> str:
    raw = os.environ.get(name, default).strip()
    if raw not in choices:
        raise ConfigError(f"环境变量 {name} 的值 {raw!r} 无效：可选值为 {', '.join(sorted(choices))}")
    return raw


def env_float(name: str, default: float, *, minimum: float | None = None, maximum: float | None = None) -> float:
    raw = os.environ.get(name)
    if raw is None or raw.strip() == "":
        return default
    try:
        value = float(raw.strip())
    except ValueError as exc:
        raise ConfigError(f"环境变量 {name} 的值 {raw!r} 无效：应为数字") from exc
    if value != value or value in (float("inf"), float("-inf")):
        raise ConfigError(f"环境变量 {name} 的值 {raw!r} 无效：应为有限的数字")
    if minimum is not None and value < minimum:
        raise ConfigError(f"环境变量 {name} 的值 {value:g} 过小：不得小于 {minimum:g}")
    if maximum is not None and value > maximum:
        raise ConfigError(f"环境变量 {name} 的值 {value:g} 过大：不得大于 {maximum:g}")
    return value


def env_dotted_path(name: str, default: str = "") -> str:
    """A dotted Python path (module.attribute) or empty; anything else stops the start."""
    raw = os.environ.get(name, default).strip()
    if raw and (raw.count(".") == 0 or not all(part.isidentifier() for part in raw.split("."))):
        raise ConfigError(f"环境变量 {name} 的值 {raw!r} 无效：应为 Python 路径，如 package.module.function")
    return raw


def env_path(name: str, default: Path) -> Path:
    """An absolute directory path (resolved); a relative path, a file or a NUL stops the start."""
    raw = os.environ.get(name, "").strip()
    if not raw:
        return default.resolve()
    if "\x00" in raw or not os.path.isabs(raw):
        raise ConfigError(f"环境变量 {name} 的值 {raw!r} 无效：应为绝对路径")
    path = Path(raw).resolve()
    if path.exists() and not path.is_dir():
        raise ConfigError(f"环境变量 {name} 的值 {raw!r} 无效：不是目录")
    return path


def env_time_zone(name: str, default: str) -> str:
    """An IANA time zone name (Asia/Shanghai, UTC); empty: the default."""
    raw = os.environ.get(name, "").strip()
    if not raw:
        return default
    message = f"环境变量 {name} 的值 {raw!r} 无效：应为 IANA 时区名称，如 Asia/Shanghai 或 UTC"
    try:
        zoneinfo.ZoneInfo(raw)
    except (KeyError, ValueError, OSError) as exc:  # ZoneInfoNotFoundError is a KeyError
        raise ConfigError(message) from exc
    # Django checks the name against the system's zone files too (django.conf.Settings); fail here, in Chinese.
    root = Path("/usr/share/zoneinfo")
    if hasattr(time, "tzset") and root.exists() and not root.joinpath(*raw.split("/")).exists():
        raise ConfigError(message)
    return raw


LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL")


def env_log_level(name: str, default: str = "INFO") -> str:
    """A logging level name, in any case; empty: the default."""
    raw = os.environ.get(name, "").strip()
    if not raw:
        return default
    if raw.upper() not in LOG_LEVELS:
        raise ConfigError(f"环境变量 {name} 的值 {raw!r} 无效：可选值为 {', '.join(LOG_LEVELS)}（不区分大小写）")
    return raw.upper()


def env_url(name: str, schemes: tuple[str, ...], *, example: str, separators: str = "") -> str:
    """Empty, or a URL with one of the schemes (several URLs when separators are given, each checked)."""
    raw = os.environ.get(name, "").strip()
    if not raw:
        return ""
    parts = re.split(f"[{re.escape(separators)}]", raw) if separators else [raw]
    for part in parts:
        try:
            scheme = urlsplit(part.strip()).scheme.lower()
        except ValueError:
            scheme = ""
        if "://" not in part or scheme not in schemes:
            allowed = ", ".join(f"{s}://" for s in schemes)
            raise ConfigError(f"环境变量 {name} 的值 {raw!r} 无效：应以 {allowed} 之一开头，如 {example}")
    return raw


def env_tile_url(name: str) -> str:
    """Empty, or a tile URL template on an http(s) server with {z}, {x} and {y} (Leaflet's tileLayer)."""
    raw = os.environ.get(name, "").strip()
    if not raw:
        return ""
    try:
        parts = urlsplit(raw)
        ok = parts.scheme.lower() in ("http", "https") and bool(parts.netloc)
    except ValueError:
        ok = False
    if not ok or "{z}" not in raw or "{x}" not in raw or ("{y}" not in raw and "{-y}" not in raw):
        raise ConfigError(
            f"环境变量 {name} 的值 {raw!r} 无效：应为以 http:// 或 https:// 开头、含 {{z}}、{{x}}、{{y}} 的瓦片地址，"
            "如 https://tiles.example/{z}/{x}/{y}.png"
        )
    return raw
