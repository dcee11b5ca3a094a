from decimal import Decimal

from django.db import migrations

# One district's rule (WORKFLOWS.md): news adopted by district / city / province-or-above media earns 1 / 3 / 5
# points, articles 2 / 5 / 10. Staff edit these rows; the same piece counts once, at its highest level.
DEFAULTS = {
    ("news", "district"): 1, ("news", "municipal"): 3, ("news", "provincial"): 5, ("news", "national"): 5,
    ("article", "district"): 2, ("article", "municipal"): 5, ("article", "provincial"): 10,
    ("article", "national"): 10,
}


def create(apps, schema_editor):
    PointRule = apps.get_model("press", "PointRule")
    for (kind, level), points in DEFAULTS.items():
        PointRule.objects.get_or_create(kind=kind, level=level, defaults={"points": Decimal(points)})


class Migration(migrations.Migration):
    dependencies = [("press", "0001_initial")]
    operations = [migrations.RunPython(create, migrations.RunPython.noop)]
