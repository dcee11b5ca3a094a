"""Prepare a demo database for the load test: 50 bench users (liaisons in 50 units, reviewers) with API tokens.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/taizhang_bench TAIZHANG_DATA_DIR=/tmp/tzbench \\
        .venv/bin/python bench/load/prepare.py --users 50 --out bench/var/load/users.json

Run after `taizhang demo --no-serve` on the same DATABASE_URL. Passwords satisfy the default policy.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))
PASSWORD = "Bench#Load2024"


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--users", type=int, default=50)
    parser.add_argument("--out", default=str(ROOT / "bench" / "var" / "load" / "users.json"))
    args = parser.parse_args()
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "taizhang.settings")
    import django

    django.setup()
    from django.contrib.auth import get_user_model

    from taizhang.accounts.tokens import key_for
    from taizhang.ledger.models import ActivityType
    from taizhang.org import actions
    from taizhang.org.models import Unit

    units = list(Unit.objects.filter(depth__gte=1, is_active=True).order_by("path"))
    if not units:
        sys.exit("没有单位：请先运行 taizhang demo --no-serve")
    atype = ActivityType.objects.filter(key="lecture_event").first()
    if atype is None:
        sys.exit("没有活动类型 lecture_event：请先运行 taizhang demo --no-serve")
    model = get_user_model()
    users = []
    for i in range(args.users):
        unit = units[i % len(units)]
        name = f"bench{i + 1:02d}"
        user = model.objects.filter(username=name).first()
        if user is None:
            user = model.objects.create_user(username=name, password=PASSWORD)
            actions.grant_role(acting_user=None, user=user, unit=unit, role="liaison")
        users.append({"username": name, "password": PASSWORD, "token": key_for(user, "压测"), "unit": unit.code})
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps({"users": users, "activity_type": atype.key}, ensure_ascii=False, indent=1))
    print(f"{len(users)} 个压测用户已就绪：{out}")


if __name__ == "__main__":
    main()
