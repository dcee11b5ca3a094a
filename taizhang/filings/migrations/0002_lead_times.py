from django.db import migrations

# WORKFLOWS.md: from two working days to a week before the event; staff edit these rows.
DEFAULTS = {"forum": 5, "lecture": 2, "seminar": 5, "report": 3, "reading": 2, "salon": 2}


def create(apps, schema_editor):
    LeadTime = apps.get_model("filings", "LeadTime")
    for kind, days in DEFAULTS.items():
        LeadTime.objects.get_or_create(kind=kind, defaults={"working_days": days})


class Migration(migrations.Migration):
    dependencies = [("filings", "0001_initial")]
    operations = [migrations.RunPython(create, migrations.RunPython.noop)]
