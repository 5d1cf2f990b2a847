"""Three indexes every filing and status change wrote and no query needs: the grievance's mobile and status
(each the first column of a composite index that serves the same look-ups) and the event's grievance (the
first column of (grievance, created_at)). Dropping an index is immediate."""

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('grievances', '0006_search_index'),
    ]

    operations = [
        migrations.AlterField(
            model_name='grievance',
            name='mobile',
            field=models.CharField(max_length=20, verbose_name='mobile number'),
        ),
        migrations.AlterField(
            model_name='grievance',
            name='status',
            field=models.CharField(
                choices=[('submitted', 'Submitted'), ('awaiting_citizen', 'Waiting for your information'),
                         ('forwarded', 'Forwarded to the agency'), ('in_progress', 'In progress'),
                         ('resolved', 'Resolved'), ('rejected', 'Rejected'), ('closed', 'Closed'),
                         ('withdrawn', 'Withdrawn')],
                default='submitted', max_length=20, verbose_name='status'),
        ),
        # Only the index: Django's AlterField would also drop and re-create the foreign key, and re-creating it
        # checks every event against the grievances while both tables are locked for writes.
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AlterField(
                    model_name='grievanceevent',
                    name='grievance',
                    field=models.ForeignKey(db_index=False, on_delete=django.db.models.deletion.PROTECT,
                                            related_name='events', to='grievances.grievance'),
                ),
            ],
            database_operations=[
                migrations.RunSQL(
                    'DROP INDEX IF EXISTS "grievances_grievanceevent_grievance_id_c1437df8"',
                    reverse_sql='CREATE INDEX "grievances_grievanceevent_grievance_id_c1437df8" '
                                'ON "grievances_grievanceevent" ("grievance_id")',
                ),
            ],
        ),
    ]
