"""After a (fault) run: every acknowledged write is in the database, exactly once.

    DATABASE_URL=… TAIZHANG_DATA_DIR=… .venv/bin/python bench/load/verify.py bench/var/load/acks.jsonl
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))


def main() -> None:
    path = Path(sys.argv[1] if len(sys.argv) > 1 else ROOT / "bench" / "var" / "load" / "acks.jsonl")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "taizhang.settings")
    import django

    django.setup()
    from taizhang.ledger.models import Record

    creates: dict[int, str] = {}
    updates: dict[int, tuple[int, str]] = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        item = json.loads(line)
        if item["kind"] == "create":
            creates[item["id"]] = item["key"]
        elif item["id"] not in updates or item["version"] > updates[item["id"]][0]:
            updates[item["id"]] = (item["version"], item["key"])
    found = dict(Record.objects.filter(pk__in=list(creates)).values_list("pk", "idempotency_key"))
    missing = [pk for pk, key in creates.items() if found.get(pk) != key]
    dupes = sum(1 for key in creates.values() if Record.objects.filter(idempotency_key=key).count() != 1)
    rows = {pk: (v, t) for pk, v, t in Record.objects.filter(pk__in=list(updates)).values_list("pk", "version",
                                                                                                 "title")}
    lost_updates = [pk for pk, (version, title) in updates.items()
                    if pk not in rows or rows[pk][0] < version or (rows[pk][0] == version and rows[pk][1] != title)]
    print(f"已确认的新增 {len(creates)} 条：缺失 {len(missing)}，重复 {dupes}")
    print(f"已确认的修改 {len(updates)} 条记录：丢失 {len(lost_updates)}")
    sys.exit(1 if missing or dupes or lost_updates else 0)


if __name__ == "__main__":
    main()
