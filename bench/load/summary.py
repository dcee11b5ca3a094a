"""Summarise a locust --csv run: requests/s, p50/p95/p99, errors and 5xx, overall and without the logins."""

from __future__ import annotations

import csv
import sys
from pathlib import Path


def main() -> None:
    stats = Path(sys.argv[1])
    rows = list(csv.DictReader(stats.open(encoding="utf-8")))
    failures = Path(str(stats).replace("_stats.csv", "_failures.csv"))
    fails = list(csv.DictReader(failures.open(encoding="utf-8"))) if failures.exists() else []
    print(f"{'请求':<24}{'次数':>8}{'失败':>6}{'req/s':>8}{'p50':>7}{'p95':>7}{'p99':>7}{'max':>8}  (ms)")
    for r in rows:
        print(f"{r['Name'][:24]:<24}{r['Request Count']:>8}{r['Failure Count']:>6}{float(r['Requests/s']):>8.1f}"
              f"{r['50%']:>7}{r['95%']:>7}{r['99%']:>7}{float(r['Max Response Time']):>8.0f}")
    server_errors = sum(int(f["Occurrences"]) for f in fails if "50" in f["Error"][:40] or "Server" in f["Error"])
    print(f"5xx（含数据库停机期间）：{server_errors}；失败明细：")
    for f in fails:
        print(f"  {f['Method']} {f['Name']}: {f['Error'][:100]} × {f['Occurrences']}")


if __name__ == "__main__":
    main()
