"""Structure rules (issue 10): core depends on no app, and every setting is read from the environment only by
settings.py (through env.py's loud validation) — nowhere else."""

from __future__ import annotations

import ast
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]  # the taizhang package
APPS = {p.name for p in ROOT.iterdir() if p.is_dir() and (p / "apps.py").exists()} - {"core"}

# Test infrastructure may build data through the apps' actions; it is not imported by the running application.
CORE_EXEMPT = {"testing.py", "testing_matrix.py"}
# Commands that manage an app's objects belong to that app; until they move there they are listed here with why.
PENDING_MOVE = {
    "management/commands/api_token.py": "issues accounts' API tokens: belongs in accounts/management/commands/",
    "management/commands/setup.py": "runs the ledger's maintenance step: should call_command it or use a hook",
}


def _imports(path: Path) -> list[tuple[int, str]]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found: list[tuple[int, str]] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module:
            found.append((node.lineno, node.module))
        elif isinstance(node, ast.Import):
            found.extend((node.lineno, alias.name) for alias in node.names)
        elif isinstance(node, ast.Call) and getattr(node.func, "attr", getattr(node.func, "id", "")) in (
            "import_module", "import_string", "__import__",
        ) and node.args and isinstance(node.args[0], ast.Constant) and isinstance(node.args[0].value, str):
            found.append((node.lineno, node.args[0].value))
    return found


def test_core_imports_no_app() -> None:
    assert {"org", "accounts", "ledger", "monitor"} <= APPS
    offenders = []
    for path in sorted((ROOT / "core").rglob("*.py")):
        rel = path.relative_to(ROOT / "core")
        if rel.parts[0] in ("tests", "migrations") or rel.name in CORE_EXEMPT or str(rel) in PENDING_MOVE:
            continue
        for line, module in _imports(path):
            parts = module.split(".")
            if len(parts) >= 2 and parts[0] == "taizhang" and parts[1] in APPS:
                offenders.append(f"core/{rel}:{line} imports {module}")
    assert offenders == [], "core must not depend on an app; register a hook instead:\n" + "\n".join(offenders)


READ = re.compile(r"environ\.get\(|getenv\(|environ\[[^\]]+\](?!\s*=[^=])")  # a read; setting one for a child is fine


def test_settings_are_read_only_in_settings_and_env() -> None:
    allowed = {ROOT / "settings.py", ROOT / "env.py", ROOT / "test_settings.py", ROOT / "cli.py",
               ROOT / "celery.py", ROOT / "wsgi.py"}
    offenders = []
    for path in sorted(ROOT.rglob("*.py")):
        if path in allowed or "tests" in path.parts or "bench" in path.parts:
            continue
        text = path.read_text(encoding="utf-8")
        for line_no, line in enumerate(text.splitlines(), 1):
            if "TAIZHANG_" in line and READ.search(line):
                offenders.append(f"{path.relative_to(ROOT)}:{line_no}: {line.strip()}")
    assert offenders == [], "read TAIZHANG_* settings in settings.py with env.py's helpers:\n" + "\n".join(offenders)


def _start(env: dict[str, str], tmp_path: Path) -> subprocess.CompletedProcess[str]:
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("TAIZHANG_", "DJANGO_"))}
    clean.update({"TAIZHANG_DATA_DIR": str(tmp_path), **env})
    return subprocess.run([sys.executable, "-c", "import taizhang.settings as s; print(s.TAIZHANG_MONITOR_IMPORT_DIR)"],
                          env=clean, capture_output=True, text=True, timeout=60, cwd=ROOT.parent)


@pytest.mark.parametrize(("name", "value", "message"), [
    ("TAIZHANG_MONITOR_POLL_WORKERS", "many", "应为整数"),
    ("TAIZHANG_MONITOR_POLL_WORKERS", "0", "过小"),
    ("TAIZHANG_MONITOR_HOST_INTERVAL", "nan", "有限的数字"),
    ("TAIZHANG_MONITOR_TICK", "fast", "应为数字"),
    ("TAIZHANG_MONITOR_BRIEF_HOUR", "24", "过大"),
    ("TAIZHANG_MONITOR_SENTIMENT", "magic", "可选值"),
    ("TAIZHANG_MONITOR_IMPORT_DIR", "relative/dir", "绝对路径"),
    ("TAIZHANG_SUMMARY_WORKERS", "-1", "过小"),
    ("TAIZHANG_SUMMARY_POLISHER", "not a path", "Python 路径"),
    ("TAIZHANG_ACCESS_LOG", "maybe", "true/false"),
])
def test_bad_values_stop_the_start(tmp_path: Path, name: str, value: str, message: str) -> None:
    result = _start({name: value}, tmp_path)
    assert result.returncode != 0 and name in result.stderr and message in result.stderr


def test_import_dir_defaults_to_the_data_directory(tmp_path: Path) -> None:
    result = _start({}, tmp_path)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == str((tmp_path / "import").resolve())
    (tmp_path / "afile").write_text("x")
    bad = _start({"TAIZHANG_MONITOR_IMPORT_DIR": str(tmp_path / "afile")}, tmp_path)
    assert bad.returncode != 0 and "不是目录" in bad.stderr
