"""The audit log is append-only in the database itself: triggers refuse UPDATE and DELETE (and TRUNCATE on
PostgreSQL) of core_auditentry. See taizhang.core.db and docs/security.md."""

from django.db import migrations


def install(apps, schema_editor):
    from taizhang.core.db import base_create_statements

    for sql in base_create_statements(schema_editor.connection.vendor):
        schema_editor.execute(sql, params=None)


def remove(apps, schema_editor):
    from taizhang.core.db import base_drop_statements

    for sql in base_drop_statements(schema_editor.connection.vendor):
        schema_editor.execute(sql, params=None)


class Migration(migrations.Migration):

    dependencies = [
        ("core", "0001_initial"),
    ]

    operations = [
        migrations.RunPython(install, remove, elidable=False),
    ]
