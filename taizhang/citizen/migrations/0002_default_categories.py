from typing import Any

from django.db import migrations


def load(apps: Any, schema_editor: Any) -> None:
    from taizhang.citizen.defaults import load as load_categories

    load_categories(apps.get_model("citizen", "Category"))


class Migration(migrations.Migration):
    dependencies = [("citizen", "0001_initial")]

    operations = [migrations.RunPython(load, migrations.RunPython.noop)]
