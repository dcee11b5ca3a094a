"""Incidents were named by their three heaviest key terms ("积水·下雨·高峰"); they now carry a readable headline
(a sentence of the most representative post, with the place: monitor.pipeline.headline). Stored incidents are
renamed from their representative posts' titles once, here, so closed incidents (which the pipeline no longer
touches) read the same as new ones; an incident without representative text keeps its name. The key terms stay in
``key_terms`` and are shown beside the headline. Reverse: names go back to the key-term triple."""

from typing import Any

from django.db import migrations


def forwards(apps: Any, schema_editor: Any) -> None:
    from taizhang.monitor.pipeline.headline import headline

    incident_model = apps.get_model("monitor", "Incident")
    for inc in incident_model.objects.only("pk", "label", "key_terms", "representatives").iterator():
        titles = [r.get("title") or "" for r in (inc.representatives or []) if isinstance(r, dict)]
        name = headline(titles, list(inc.key_terms or []))[:200]
        if name and name != inc.label:
            incident_model.objects.filter(pk=inc.pk).update(label=name)


def backwards(apps: Any, schema_editor: Any) -> None:
    incident_model = apps.get_model("monitor", "Incident")
    for inc in incident_model.objects.only("pk", "label", "key_terms").iterator():
        terms = list(inc.key_terms or [])[:3]
        if terms:
            incident_model.objects.filter(pk=inc.pk).update(label="·".join(terms))


class Migration(migrations.Migration):
    dependencies = [("monitor", "0002_incident_assignments_to_cases")]

    operations = [migrations.RunPython(forwards, backwards)]
