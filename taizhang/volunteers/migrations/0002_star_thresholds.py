"""The star levels of the national rules (星级认定): 100 / 300 / 600 / 1000 / 1500 hours, as editable data."""

from typing import Any

from django.db import migrations

STARS = [(1, 100, "一星级志愿者"), (2, 300, "二星级志愿者"), (3, 600, "三星级志愿者"),
         (4, 1000, "四星级志愿者"), (5, 1500, "五星级志愿者")]


def load(apps: Any, schema_editor: Any) -> None:
    StarThreshold = apps.get_model("volunteers", "StarThreshold")
    for level, hours, name in STARS:
        StarThreshold.objects.get_or_create(level=level, defaults={"hours": hours, "name": name})


class Migration(migrations.Migration):
    dependencies = [("volunteers", "0001_initial")]
    operations = [migrations.RunPython(load, migrations.RunPython.noop)]
