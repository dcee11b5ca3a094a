"""Problems stored without a note got the standard's own text as description (which reads as if the site met it),
and older demo data a standard cut mid-phrase with "未达标" glued on: both now say "未达标：<the standard>"."""

from typing import Any

from django.db import migrations


def unmet(apps: Any, schema_editor: Any) -> None:
    Problem = apps.get_model("civility", "Problem")
    for problem in Problem.objects.select_related("standard").iterator():
        text = " ".join(problem.standard.text.split())
        description = problem.description.strip()
        if description in (problem.standard.text[:200].strip(), text[:200], text[:16] + "未达标"):
            new = f"未达标：{text}"
            problem.description = new if len(new) <= 500 else new[:499] + "…"
            problem.save(update_fields=["description"])


class Migration(migrations.Migration):

    dependencies = [
        ("civility", "0002_answer_score_columns"),
    ]

    operations = [migrations.RunPython(unmet, migrations.RunPython.noop)]
