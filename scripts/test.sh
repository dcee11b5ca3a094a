#!/usr/bin/env bash
# The full test suite, as `make test` and CI run it. Needs only what `make install` set up; installs Debian's
# chromium for the browser tests when it is missing (as root), and uses PostgreSQL when it is reachable.
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=${VENV:-.venv}/bin
export PYTHONDONTWRITEBYTECODE=1

if ! command -v chromium >/dev/null 2>&1; then
  if [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1; then
    echo "== 安装 chromium（浏览器测试用）"
    (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null) \
      || echo "chromium 安装失败：浏览器测试将被跳过"
  else
    echo "未找到 chromium 且无权安装：浏览器测试将被跳过"
  fi
fi

echo "== ruff"
"$BIN/ruff" check taizhang bench
echo "== mypy"
"$BIN/mypy" taizhang

# Dependency audit (MLPS: known vulnerabilities in components). Needs PyPI; offline it warns, in CI it fails.
echo "== pip-audit"
AUDIT_LOG=$(mktemp)
if "$BIN/pip-audit" --skip-editable --progress-spinner off --desc off >"$AUDIT_LOG" 2>&1; then
  grep -v "^Dependency not found\|could not be audited" "$AUDIT_LOG" | head -5 || true
elif grep -q "known vulnerabilit" "$AUDIT_LOG" && ! grep -q "No known vulnerabilities" "$AUDIT_LOG"; then
  cat "$AUDIT_LOG"; echo "pip-audit 发现存在已知漏洞的依赖：请升级 pyproject.toml 中的版本"; rm -f "$AUDIT_LOG"; exit 1
elif [ -n "${CI:-}" ]; then
  cat "$AUDIT_LOG"; echo "CI 环境中 pip-audit 必须成功运行"; rm -f "$AUDIT_LOG"; exit 1
else
  tail -3 "$AUDIT_LOG"; echo "pip-audit 无法运行（网络不可达？），已跳过依赖审计"
fi
rm -f "$AUDIT_LOG"

PYTEST_ARGS=(-n "${TAIZHANG_TEST_WORKERS:-2}" --dist loadfile)
# Tests that commit (browser tests on the live server, worker processes) flush the database when they end, so they
# run in a pytest session of their own after the others (taizhang/conftest.py marks them).
run_suite() {
  "$BIN/pytest" "${PYTEST_ARGS[@]}" -m "not transactional_tests" "$@"
  "$BIN/pytest" "${PYTEST_ARGS[@]}" -m "transactional_tests" "$@"
}

echo "== pytest (SQLite)"
(unset TAIZHANG_TEST_DATABASE_URL; run_suite "$@")

PG_URL=${TAIZHANG_TEST_DATABASE_URL:-postgres://postgres@127.0.0.1:5432/taizhang}
if "$BIN/python" - "$PG_URL" <<'PY'
import sys, psycopg
url = sys.argv[1].rsplit("/", 1)[0] + "/postgres"
try:
    psycopg.connect(url, connect_timeout=3).close()
except Exception as exc:
    print(f"PostgreSQL 不可用（{exc}）", file=sys.stderr)
    sys.exit(1)
PY
then
  echo "== pytest (PostgreSQL: $PG_URL)"
  TAIZHANG_TEST_DATABASE_URL="$PG_URL" run_suite "$@"
else
  if [ -n "${CI:-}" ]; then echo "CI 环境中 PostgreSQL 必须可用"; exit 1; fi
  echo "跳过 PostgreSQL 测试：数据库不可达"
fi
