from typing import Any

import django.db.models.manager
from django.db import migrations, models


def install_summary(apps: Any, schema_editor: Any) -> None:
    # The triggers that keep the whole tree's summary too, then both summaries of the figures already there
    # (taizhang.ledger.summary); one transaction, so no figure is written between the two.
    from taizhang.ledger import summary

    summary.install(schema_editor.connection)
    summary.rebuild(schema_editor.connection)


def uninstall_summary(apps: Any, schema_editor: Any) -> None:
    # Backwards: the table goes and the triggers (which write it) with it; the summary is then stale until
    # `taizhang figure-summary --rebuild` or migrating forward again.
    from taizhang.ledger import summary

    summary.uninstall(schema_editor.connection)


class Migration(migrations.Migration):
    dependencies = [
        ("ledger", "0008_figure_month_max"),
    ]

    operations = [
        migrations.CreateModel(
            name="FigureMonthTotal",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("metric_id", models.IntegerField()),
                ("month", models.DateField()),
                ("outlet_level", models.CharField(blank=True, default="", max_length=12)),
                ("total_e4", models.BigIntegerField(default=0)),
                ("n", models.IntegerField(default=0)),
            ],
            options={
                "verbose_name": "月度指标全区汇总",
                "base_manager_name": "rows",
                "default_manager_name": "objects",
                "indexes": [
                    models.Index(fields=["metric_id", "month", "outlet_level"], name="ledger_figmonthtotal_idx")
                ],
            },
            managers=[
                ("objects", django.db.models.manager.Manager()),
                ("rows", django.db.models.manager.Manager()),
            ],
        ),
        migrations.RunPython(install_summary, uninstall_summary),
    ]
