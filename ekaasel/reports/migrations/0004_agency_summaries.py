"""Per ministry and department summary tables (daily and monthly), filled from the existing fine ones."""

from typing import Any

from django.db import migrations, models
from django.db.models import Sum
from django.db.models.functions import TruncMonth

DAY_COUNTERS = ("received", "forwarded", "assessed", "assessment_working_days_sum", "resolved",
                "resolved_within_limit", "resolution_working_days_sum", "rejected", "closed", "withdrawn", "appeals",
                "rating_sum", "rating_count")

# Each per-agency table from its fine one: (table, fine table, key columns, summed columns).
BACKFILLS = (
    ("AgencyDailyFigures", "DailyFigures", ("day", "ministry", "department"), DAY_COUNTERS),
    ("AgencyResolutionDays", "ResolutionDays", ("day", "ministry", "department", "working_days"), ("count",)),
    ("AgencyOpenFigures", "OpenFigures", ("ministry", "department", "status"), ("count",)),
)
# Each monthly table from the daily per-agency one just filled (month truncation is not portable SQL).
MONTHLY = (
    ("AgencyMonthlyFigures", "AgencyDailyFigures", ("ministry", "department"), DAY_COUNTERS),
    ("AgencyMonthlyResolutionDays", "AgencyResolutionDays", ("ministry", "department", "working_days"), ("count",)),
)
BATCH = 5000


def backfill(apps: Any, schema_editor: Any) -> None:
    """Sum the existing fine rows into the new tables: one INSERT ... SELECT ... GROUP BY per table,
    then one grouped read and batched inserts per monthly table."""
    quote = schema_editor.quote_name
    for coarse, fine, keys, sums in BACKFILLS:
        into = apps.get_model("reports", coarse)._meta.db_table
        source = apps.get_model("reports", fine)._meta.db_table
        columns = ", ".join(quote(c) for c in (*keys, *sums))
        selected = ", ".join([*(quote(k) for k in keys), *(f"SUM({quote(c)})" for c in sums)])
        grouped = ", ".join(quote(k) for k in keys)
        schema_editor.execute(
            f"INSERT INTO {quote(into)} ({columns}) SELECT {selected} FROM {quote(source)} GROUP BY {grouped}"
            f" ORDER BY {grouped}"  # rows of a period together on disk, as the daily upserts leave them
        )
    for monthly, daily, keys, sums in MONTHLY:
        into, source = apps.get_model("reports", monthly), apps.get_model("reports", daily)
        rows = (source.objects.annotate(first_day=TruncMonth("day")).values("first_day", *keys)
                .annotate(**{f"sum_{c}": Sum(c) for c in sums}).order_by("first_day", *keys))
        batch = []
        for row in rows.iterator(chunk_size=BATCH):
            batch.append(into(day=row["first_day"], **{k: row[k] for k in keys}, **{c: row[f"sum_{c}"] for c in sums}))
            if len(batch) == BATCH:
                into.objects.bulk_create(batch)
                batch = []
        into.objects.bulk_create(batch)


class Migration(migrations.Migration):

    dependencies = [
        ('reports', '0003_generatedreport_language_started_at'),
    ]

    operations = [
        migrations.CreateModel(
            name='AgencyDailyFigures',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('day', models.DateField()),
                ('received', models.IntegerField(default=0)),
                ('forwarded', models.IntegerField(default=0)),
                ('assessed', models.IntegerField(default=0)),
                ('assessment_working_days_sum', models.IntegerField(default=0)),
                ('resolved', models.IntegerField(default=0)),
                ('resolved_within_limit', models.IntegerField(default=0)),
                ('resolution_working_days_sum', models.IntegerField(default=0)),
                ('rejected', models.IntegerField(default=0)),
                ('closed', models.IntegerField(default=0)),
                ('withdrawn', models.IntegerField(default=0)),
                ('appeals', models.IntegerField(default=0)),
                ('rating_sum', models.IntegerField(default=0)),
                ('rating_count', models.IntegerField(default=0)),
                ('ministry', models.IntegerField(default=0)),
                ('department', models.IntegerField(default=0)),
            ],
            options={
                'indexes': [models.Index(fields=['ministry', 'day'], name='reports_age_ministr_07a685_idx'), models.Index(fields=['department', 'day'], name='reports_age_departm_ec48a6_idx')],
                'constraints': [models.UniqueConstraint(fields=('day', 'ministry', 'department'), name='agency_daily_figures_key')],
            },
        ),
        migrations.CreateModel(
            name='AgencyMonthlyFigures',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('day', models.DateField()),
                ('received', models.IntegerField(default=0)),
                ('forwarded', models.IntegerField(default=0)),
                ('assessed', models.IntegerField(default=0)),
                ('assessment_working_days_sum', models.IntegerField(default=0)),
                ('resolved', models.IntegerField(default=0)),
                ('resolved_within_limit', models.IntegerField(default=0)),
                ('resolution_working_days_sum', models.IntegerField(default=0)),
                ('rejected', models.IntegerField(default=0)),
                ('closed', models.IntegerField(default=0)),
                ('withdrawn', models.IntegerField(default=0)),
                ('appeals', models.IntegerField(default=0)),
                ('rating_sum', models.IntegerField(default=0)),
                ('rating_count', models.IntegerField(default=0)),
                ('ministry', models.IntegerField(default=0)),
                ('department', models.IntegerField(default=0)),
            ],
            options={
                'indexes': [models.Index(fields=['ministry', 'day'], name='reports_age_ministr_9728f9_idx'), models.Index(fields=['department', 'day'], name='reports_age_departm_3be504_idx')],
                'constraints': [models.UniqueConstraint(fields=('day', 'ministry', 'department'), name='agency_monthly_figures_key')],
            },
        ),
        migrations.CreateModel(
            name='AgencyMonthlyResolutionDays',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('ministry', models.IntegerField(default=0)),
                ('department', models.IntegerField(default=0)),
                ('day', models.DateField()),
                ('working_days', models.PositiveSmallIntegerField()),
                ('count', models.IntegerField(default=0)),
            ],
            options={
                'indexes': [models.Index(fields=['ministry', 'day'], name='reports_age_ministr_9901e5_idx'), models.Index(fields=['department', 'day'], name='reports_age_departm_26b573_idx')],
                'constraints': [models.UniqueConstraint(fields=('day', 'ministry', 'department', 'working_days'), name='agency_monthly_resolution_days_key')],
            },
        ),
        migrations.CreateModel(
            name='AgencyOpenFigures',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('ministry', models.IntegerField(default=0)),
                ('department', models.IntegerField(default=0)),
                ('status', models.CharField(max_length=20)),
                ('count', models.IntegerField(default=0)),
            ],
            options={
                'constraints': [models.UniqueConstraint(fields=('ministry', 'department', 'status'), name='agency_open_figures_key')],
            },
        ),
        migrations.CreateModel(
            name='AgencyResolutionDays',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('ministry', models.IntegerField(default=0)),
                ('department', models.IntegerField(default=0)),
                ('day', models.DateField()),
                ('working_days', models.PositiveSmallIntegerField()),
                ('count', models.IntegerField(default=0)),
            ],
            options={
                'indexes': [models.Index(fields=['ministry', 'day'], name='reports_age_ministr_4526d6_idx'), models.Index(fields=['department', 'day'], name='reports_age_departm_6f6d60_idx')],
                'constraints': [models.UniqueConstraint(fields=('day', 'ministry', 'department', 'working_days'), name='agency_resolution_days_key')],
            },
        ),
        migrations.RunPython(backfill, migrations.RunPython.noop, elidable=True),
    ]
