"""AgencyDueFigures: the grievances open at an agency per ministry, department and due date, filled from
the grievances table (the dashboards' overdue counts read it instead of the open grievances themselves)."""

from typing import Any
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import migrations, models
from django.db.models import Count
from django.db.models.functions import TruncDate

AT_AGENCY = ("forwarded", "in_progress")


def fill(apps: Any, schema_editor: Any) -> None:
    grievance = apps.get_model("grievances", "Grievance")
    due = apps.get_model("reports", "AgencyDueFigures")
    rows = (grievance.objects.filter(status__in=AT_AGENCY, due_at__isnull=False)
            .annotate(due_day=TruncDate("due_at", tzinfo=ZoneInfo(settings.TIME_ZONE)))
            .values("ministry_id", "department_id", "due_day").annotate(n=Count("id")))
    due.objects.bulk_create(
        [due(ministry=r["ministry_id"] or 0, department=r["department_id"] or 0, due_day=r["due_day"], count=r["n"])
         for r in rows.iterator()],
        batch_size=1000,
    )


class Migration(migrations.Migration):

    dependencies = [
        ("reports", "0005_open_grievances_due_index"),
        ("grievances", "0005_reminders"),
    ]

    operations = [
        migrations.CreateModel(
            name="AgencyDueFigures",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("ministry", models.IntegerField(default=0)),
                ("department", models.IntegerField(default=0)),
                ("due_day", models.DateField()),
                ("count", models.IntegerField(default=0)),
            ],
            options={
                "constraints": [
                    models.UniqueConstraint(fields=("ministry", "department", "due_day"), name="agency_due_figures_key"),
                ],
            },
        ),
        migrations.RunPython(fill, migrations.RunPython.noop),
    ]
