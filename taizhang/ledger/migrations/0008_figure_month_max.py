from typing import Any

from django.db import migrations, models


def install_summary(apps: Any, schema_editor: Any) -> None:
    # The triggers that keep the maximum too, then the summary (with its maxima) of the figures already there
    # (taizhang.ledger.summary); one transaction, so no figure is written between the two. Since migration 0009 both
    # wait for its table (`summary._ready`) and 0009 does them.
    from taizhang.ledger import summary

    summary.install(schema_editor.connection)
    summary.rebuild(schema_editor.connection)


def uninstall_summary(apps: Any, schema_editor: Any) -> None:
    # Backwards: the column goes and the triggers (which write it) with it; the summary is then stale until
    # `taizhang figure-summary --rebuild` or migrating forward again.
    from taizhang.ledger import summary

    summary.uninstall(schema_editor.connection)


class Migration(migrations.Migration):
    dependencies = [
        ("ledger", "0007_figure_month"),
    ]

    operations = [
        migrations.AddField(
            model_name="figuremonth",
            name="max_e4",
            field=models.BigIntegerField(blank=True, null=True),
        ),
        migrations.RunPython(install_summary, uninstall_summary),
    ]
