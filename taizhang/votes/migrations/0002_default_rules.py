"""The shipped anomaly rules (data: staff may change their parameters). Frozen here as shipped; later changes to
models.DEFAULT_RULES reach existing installations through a migration of their own."""

from typing import Any

from django.db import migrations

RULES: list[dict[str, Any]] = [
    {
        "key": "burst",
        "name": "短时激增",
        "order": 1,
        "description": "某一候选对象在一个时间窗内得票达到最少票数，且为其平常每个时间窗得票的若干倍以上：该时间窗内来自同一网络地址达到一定票数的投票作废（其他人恰好此时投的票保留）。",
        "params": {
            "window_minutes": 5,
            "min_votes": 100,
            "factor": 10,
            "min_per_source": 3
        }
    },
    {
        "key": "address",
        "name": "同一网络地址大量投票",
        "order": 2,
        "description": "同一网络地址在一个时间窗内的投票达到上限（一个单位或小区共用出口地址时属正常，工作人员可复核恢复）：这些票作废。",
        "params": {
            "window_minutes": 10,
            "max_votes": 30
        }
    },
    {
        "key": "device",
        "name": "同一设备大量投票",
        "order": 3,
        "description": "同一设备一天内为多个手机号投票达到上限：这些票作废。",
        "params": {
            "max_per_day": 10
        }
    },
    {
        "key": "timing",
        "name": "投票间隔过于规律",
        "order": 4,
        "description": "同一网络地址一天内的连续投票，间隔几乎相同（变异系数低于阈值，或时间完全相同），像是程序自动投票：这些票作废。",
        "params": {
            "min_votes": 20,
            "max_cv": 0.1
        }
    }
]


def load(apps: Any, schema_editor: Any) -> None:
    rule = apps.get_model("votes", "AnomalyRule")
    for spec in RULES:
        rule.objects.get_or_create(key=spec["key"], defaults={k: v for k, v in spec.items() if k != "key"})


class Migration(migrations.Migration):
    dependencies = [("votes", "0001_initial")]
    operations = [migrations.RunPython(load, migrations.RunPython.noop)]
