"""Backfill the hash chain of events written before it existed, then make the table append-only
in the database itself, so not even raw SQL from the application can rewrite history."""

import hashlib
import json
from datetime import UTC

from django.db import migrations

PG_FUNCTION = """
CREATE OR REPLACE FUNCTION grievances_event_append_only() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'grievance history is append-only';
END;
$$ LANGUAGE plpgsql;
"""
PG_TRIGGER = """
CREATE TRIGGER grievances_event_append_only
BEFORE UPDATE OR DELETE ON grievances_grievanceevent
FOR EACH ROW EXECUTE FUNCTION grievances_event_append_only();
"""
# SQLite: updates only; test databases are emptied with DELETE between tests.
SQLITE_TRIGGER = """
CREATE TRIGGER grievances_event_append_only
BEFORE UPDATE ON grievances_grievanceevent
BEGIN
    SELECT RAISE(ABORT, 'grievance history is append-only');
END;
"""


def backfill_chain(apps, schema_editor):
    Grievance = apps.get_model("grievances", "Grievance")
    Event = apps.get_model("grievances", "GrievanceEvent")
    for grievance in Grievance.objects.order_by("pk").iterator():
        prev = ""
        for event in Event._base_manager.filter(grievance=grievance).order_by("id"):
            payload = json.dumps(
                [grievance.application_id, event.action, event.actor_kind, event.actor_official_id,
                 event.from_status, event.to_status, event.note, event.internal, event.data,
                 event.created_at.astimezone(UTC).isoformat(), prev],
                sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str,
            )
            digest = hashlib.sha256(payload.encode("utf-8")).hexdigest()
            with schema_editor.connection.cursor() as cursor:
                cursor.execute(
                    "UPDATE grievances_grievanceevent SET prev_hash = %s, hash = %s WHERE id = %s",
                    [prev, digest, event.pk],
                )
            prev = digest


def install_triggers(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        schema_editor.execute(PG_FUNCTION)
        schema_editor.execute(PG_TRIGGER)
    elif vendor == "sqlite":
        schema_editor.execute(SQLITE_TRIGGER)


def remove_triggers(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        schema_editor.execute("DROP TRIGGER IF EXISTS grievances_event_append_only ON grievances_grievanceevent;")
        schema_editor.execute("DROP FUNCTION IF EXISTS grievances_event_append_only();")
    elif vendor == "sqlite":
        schema_editor.execute("DROP TRIGGER IF EXISTS grievances_event_append_only;")


class Migration(migrations.Migration):
    dependencies = [("grievances", "0003_history_hash_chain")]

    operations = [
        migrations.RunPython(backfill_chain, migrations.RunPython.noop),
        migrations.RunPython(install_triggers, remove_triggers),
    ]
