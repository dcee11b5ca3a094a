#!/usr/bin/env bash
# Load run (and, with --fault, the database fault run) against `taizhang serve` on loopback.
# Usage: bench/load/run.sh [--fault] [--users 50] [--time 2m]
# Needs: PostgreSQL prepared as in bench/load/README.md (DATABASE_URL, TAIZHANG_DATA_DIR exported).
set -euo pipefail
cd "$(dirname "$0")/../.."
BIN=${VENV:-.venv}/bin
FAULT=0; USERS=50; TIME=2m30s; PORT=${PORT:-8765}
while [ $# -gt 0 ]; do
  case "$1" in
    --fault) FAULT=1 ;;
    --users) USERS=$2; shift ;;
    --time) TIME=$2; shift ;;
  esac
  shift
done
: "${DATABASE_URL:?export DATABASE_URL=postgres://… first}"
OUT=bench/var/load/$(date +%Y%m%d-%H%M%S)$( [ $FAULT = 1 ] && echo -fault || true)
mkdir -p "$OUT"
export TZ_BENCH_ACKS="$OUT/acks.jsonl"

"$BIN/taizhang" serve --port "$PORT" >"$OUT/server.log" 2>&1 &
SERVER=$!
trap 'kill $SERVER 2>/dev/null || true; wait $SERVER 2>/dev/null || true' EXIT
for _ in $(seq 1 60); do
  curl -fsS "http://127.0.0.1:$PORT/healthz" >/dev/null 2>&1 && break
  sleep 1
done

FAULT_PID=""
if [ $FAULT = 1 ]; then
  (
    sleep 50
    echo "$(date +%T) 停止 PostgreSQL" >>"$OUT/fault.log"
    pg_ctlcluster --skip-systemctl-redirect 15 main stop -m fast
    for i in $(seq 1 10); do
      code=$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$PORT/healthz" || true)
      echo "$(date +%T) 停机第 ${i} 秒 healthz=$code" >>"$OUT/fault.log"
      sleep 1
    done
    pg_ctlcluster --skip-systemctl-redirect 15 main start
    echo "$(date +%T) 启动 PostgreSQL" >>"$OUT/fault.log"
    for i in $(seq 1 30); do
      code=$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$PORT/healthz" || true)
      echo "$(date +%T) 恢复后第 ${i} 秒 healthz=$code" >>"$OUT/fault.log"
      [ "$code" = 200 ] && break
      sleep 1
    done
  ) &
  FAULT_PID=$!
fi

"$BIN/locust" -f bench/load/locustfile.py --headless -u "$USERS" -r "${SPAWN_RATE:-2}" -t "$TIME" --stop-timeout 10 \
  --host "http://127.0.0.1:$PORT" --csv "$OUT/locust" --only-summary --reset-stats >"$OUT/locust.txt" 2>&1 || true
if [ -n "$FAULT_PID" ]; then wait "$FAULT_PID"; fi
"$BIN/python" bench/load/summary.py "$OUT/locust_stats.csv" | tee "$OUT/summary.txt"
if [ -f "$OUT/fault.log" ]; then cat "$OUT/fault.log"; fi
"$BIN/python" bench/load/verify.py "$TZ_BENCH_ACKS" | tee -a "$OUT/summary.txt"
echo "结果目录：$OUT"
