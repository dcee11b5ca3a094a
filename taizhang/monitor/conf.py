"""Monitoring settings. settings.py reads and validates them from the environment at start-up (a bad value stops
the start with a Chinese message, like every other setting); tests override the Django settings.

| name | default | meaning |
|---|---|---|
| TAIZHANG_MONITOR_HOST_INTERVAL | 5 | seconds between two requests to one host (politeness), for every worker |
| TAIZHANG_MONITOR_RETENTION_DAYS | 180 | `monitor prune` default: items older than this are deleted (incidents kept) |
| TAIZHANG_MONITOR_TICK | 5 | seconds between two cycles of `monitor run` |
| TAIZHANG_MONITOR_BRIEF_HOUR | 7 | local hour after which `monitor run` writes yesterday's 每日舆情 |
| TAIZHANG_MONITOR_SENTIMENT | model | `model`: taizhang.monitor.sentiment; `lexicon`: the word-list stand-in |
| TAIZHANG_MONITOR_DELIVERY_ATTEMPTS | 6 | attempts per alert and channel (exponential backoff from 30 s) |
| TAIZHANG_MONITOR_POLL_WORKERS | 4 | threads of `monitor run` that fetch sources in parallel (analysis stays serial) |
| TAIZHANG_MONITOR_RESPONSE_HOURS | 24 | default deadline for a response, from assignment |
| TAIZHANG_MONITOR_IMPORT_DIR | $TAIZHANG_DATA_DIR/import | the only directory file sources read from (by file name) |
"""

from __future__ import annotations

from pathlib import Path

from django.conf import settings

DEFAULTS: dict[str, float | int | str] = {
    "TAIZHANG_MONITOR_HOST_INTERVAL": 5.0,
    "TAIZHANG_MONITOR_RETENTION_DAYS": 180,
    "TAIZHANG_MONITOR_TICK": 5.0,
    "TAIZHANG_MONITOR_BRIEF_HOUR": 7,
    "TAIZHANG_MONITOR_SENTIMENT": "model",
    "TAIZHANG_MONITOR_DELIVERY_ATTEMPTS": 6,
    "TAIZHANG_MONITOR_POLL_WORKERS": 4,
    "TAIZHANG_MONITOR_RESPONSE_HOURS": 24,
}


def _raw(name: str) -> object:
    value = getattr(settings, name, None)
    return DEFAULTS[name] if value in (None, "") else value


def import_dir() -> Path:
    """TAIZHANG_MONITOR_IMPORT_DIR, resolved (symbolic links followed), created when missing (mode 0700)."""
    configured = getattr(settings, "TAIZHANG_MONITOR_IMPORT_DIR", None)
    path = Path(configured) if configured else Path(settings.DATA_DIR) / "import"
    path = path.resolve()
    path.mkdir(mode=0o700, parents=True, exist_ok=True)
    return path


def get_float(name: str) -> float:
    try:
        return float(_raw(name))  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return float(DEFAULTS[name])


def get_int(name: str) -> int:
    try:
        return int(float(_raw(name)))  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return int(DEFAULTS[name])


def get_str(name: str) -> str:
    return str(_raw(name))
