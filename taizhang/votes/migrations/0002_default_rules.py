"""The shipped anomaly rules (data: staff may change their parameters)."""

from typing import Any

from django.db import migrations


def load(apps: Any, schema_editor: Any) -> None:
    from taizhang.votes.models import DEFAULT_RULES

    rule = apps.get_model("votes", "AnomalyRule")
    for spec in DEFAULT_RULES:
        rule.objects.get_or_create(key=spec["key"], defaults={k: v for k, v in spec.items() if k != "key"})


class Migration(migrations.Migration):
    dependencies = [("votes", "0001_initial")]
    operations = [migrations.RunPython(load, migrations.RunPython.noop)]
