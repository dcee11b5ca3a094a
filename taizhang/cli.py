"""The `taizhang` command: the one entry point for people and scripts.

Every Django management command is available (`taizhang migrate`, `taizhang createsuperuser` …) next to the
project's own (`taizhang demo`, `taizhang figures`, `taizhang summary` …). `taizhang help` lists them all.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path


def _apply_db_option(argv: list[str]) -> list[str]:
    """`--db PATH` (any command) selects a SQLite file before Django reads its settings."""
    out: list[str] = []
    it = iter(range(len(argv)))
    skip = False
    for i in it:
        if skip:
            skip = False
            continue
        arg = argv[i]
        if arg == "--db" and i + 1 < len(argv):
            os.environ["DATABASE_URL"] = f"sqlite:///{Path(argv[i + 1]).resolve()}"
            skip = True
            continue
        if arg.startswith("--db="):
            os.environ["DATABASE_URL"] = f"sqlite:///{Path(arg[5:]).resolve()}"
            continue
        out.append(arg)
    return out


# Commands whose public names have dashes (Django command names are module names).
ALIASES = {
    "check-report": "check_report",
    "import-summary": "import_summary",
    "excel-template": "excel_template",
    "api-token": "api_token",
    "load-defaults": "load_defaults",
    "notify-test": "notify_test",
    "figure-summary": "figure_summary",
}


def main(argv: list[str] | None = None) -> None:
    """A bad environment value (taizhang.env.ConfigError) ends the program with its Chinese message alone on
    stderr and exit status 2, no traceback; every other exception propagates unchanged."""
    from taizhang.env import ConfigError

    try:
        _main(argv)
    except ConfigError as exc:
        print(f"配置错误：{exc}", file=sys.stderr)
        sys.exit(2)


def _main(argv: list[str] | None) -> None:
    args = list(sys.argv if argv is None else argv)
    args = _apply_db_option(args)
    # `taizhang monitor analyze FILE` needs no database and no settings beyond defaults.
    if len(args) >= 3 and args[1] == "monitor" and args[2] == "analyze":
        from taizhang.monitor.pipeline.analyze import main_analyze

        sys.exit(main_analyze(args[3:]))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "taizhang.settings")
    from django.core.management import execute_from_command_line

    if len(args) == 1:
        args.append("help")
    args[1] = ALIASES.get(args[1], args[1])
    args[0] = "taizhang"
    execute_from_command_line(args)


if __name__ == "__main__":
    main()
