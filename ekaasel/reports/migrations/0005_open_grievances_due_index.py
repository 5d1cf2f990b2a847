"""An index of the open grievances by due date, for the dashboards' overdue figures.

`figures.measures` counts the overdue grievances per ministry or department and `figures.oldest_overdue`
lists the ten longest overdue: both filter on status open and due_at < now. The index (status, due_at)
finds them but then reads one table page per grievance (at 1 million grievances, 37 thousand overdue:
150 ms per query). This partial index holds only the open grievances, in due date order, with the
ministry and department alongside: the count is an index-only scan and the oldest ten are its first
entries. PostgreSQL stores the ministry and department in the index (INCLUDE); SQLite cannot.

It is declared here rather than in `Grievance.Meta.indexes` because it serves the reports' reads;
Django's model state does not know it, so no later migration will try to drop it.
"""

from typing import Any

from django.db import migrations

NAME = "grievance_open_due"
OPEN = "('awaiting_citizen', 'forwarded', 'in_progress', 'submitted')"


def create(apps: Any, schema_editor: Any) -> None:
    table = schema_editor.quote_name(apps.get_model("grievances", "Grievance")._meta.db_table)
    include = " INCLUDE (ministry_id, department_id)" if schema_editor.connection.vendor == "postgresql" else ""
    schema_editor.execute(
        f"CREATE INDEX IF NOT EXISTS {NAME} ON {table} (due_at, id){include} WHERE status IN {OPEN}"
    )


def drop(apps: Any, schema_editor: Any) -> None:
    schema_editor.execute(f"DROP INDEX IF EXISTS {NAME}")


class Migration(migrations.Migration):

    dependencies = [
        ("reports", "0004_agency_summaries"),
        ("grievances", "0005_reminders"),
    ]

    operations = [
        migrations.RunPython(create, drop),
    ]
