"""The audit log's hash chain: each row stores the previous row's digest and its own (core.audit), existing rows
are chained in id order, and a trigger refuses INSERTs that do not extend the chain (closes SQLite's INSERT OR
REPLACE / UPSERT and forged back-dated rows). See taizhang.core.db and docs/security.md."""

from django.db import migrations, models


def lift_for_sqlite(apps, schema_editor):
    # SQLite may rebuild the table to add the columns; the triggers are put back by chain_existing.
    from taizhang.core.db import drop_statements

    if schema_editor.connection.vendor == "sqlite":
        for sql in drop_statements("sqlite"):
            schema_editor.execute(sql, params=None)


def chain_existing(apps, schema_editor):
    from taizhang.core import audit
    from taizhang.core.db import PG_LIFT, PG_RESTORE, base_create_statements, chain_create_statements

    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        for sql in PG_LIFT[:2]:
            schema_editor.execute(sql, params=None)
    entry_model = apps.get_model("core", "AuditEntry")
    previous = ""
    manager = entry_model.objects.using(schema_editor.connection.alias)
    for entry in manager.order_by("id").iterator(chunk_size=2000):
        values = {name: getattr(entry, name) for name in audit.CHAIN_FIELDS if name != "prev_hash"}
        values["prev_hash"] = previous
        digest = audit.row_digest(values)
        manager.filter(pk=entry.pk).update(prev_hash=previous, row_hash=digest)
        previous = digest
    if vendor == "postgresql":
        for sql in PG_RESTORE[:2]:
            schema_editor.execute(sql, params=None)
    else:
        for sql in base_create_statements(vendor):
            schema_editor.execute(sql, params=None)
    for sql in chain_create_statements(vendor):
        schema_editor.execute(sql, params=None)


def unchain(apps, schema_editor):
    from taizhang.core.db import chain_drop_statements

    for sql in chain_drop_statements(schema_editor.connection.vendor):
        schema_editor.execute(sql, params=None)


class Migration(migrations.Migration):

    dependencies = [
        ("core", "0003_notifications_durable_jobs"),
    ]

    operations = [
        migrations.RunPython(lift_for_sqlite, migrations.RunPython.noop, elidable=False),
        migrations.AddField(
            model_name="auditentry",
            name="prev_hash",
            field=models.CharField(blank=True, default="", max_length=80, verbose_name="前一条校验值"),
        ),
        migrations.AddField(
            model_name="auditentry",
            name="row_hash",
            field=models.CharField(blank=True, default="", max_length=80, verbose_name="校验值"),
        ),
        migrations.RunPython(chain_existing, unchain, elidable=False),
    ]
