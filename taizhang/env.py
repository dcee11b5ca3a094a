"""Settings helpers that read the environment and fail loudly on bad values (after healthchecks' envbool)."""

from __future__ import annotations

import os
from pathlib import Path


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
