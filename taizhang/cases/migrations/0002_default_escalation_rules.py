from typing import Any

from django.db import migrations


def create_rules(apps: Any, schema_editor: Any) -> None:
    rule = apps.get_model("cases", "EscalationRule")
    if rule.objects.exists():
        return
    # As soon as a case is overdue: its unit's leaders; three working days later: the department.
    rule.objects.create(kind="", after_working_days=0, level=1)
    rule.objects.create(kind="", after_working_days=3, level=2)


class Migration(migrations.Migration):
    dependencies = [("cases", "0001_initial")]

    operations = [migrations.RunPython(create_rules, migrations.RunPython.noop)]
