"""Every counter and dimension of the summary tables defaults to 0 in the database too, so an upsert names only
the key and the counters it adds to (reports.summaries._upsert_sql). ALTER COLUMN ... SET DEFAULT changes the
catalogue only: no table is rewritten."""

from django.db import migrations, models

AGENCY = ("ministry", "department")
DIMENSIONS = (*AGENCY, "service", "district")
DAY_COUNTERS = ("received", "forwarded", "assessed", "assessment_working_days_sum", "resolved",
                "resolved_within_limit", "resolution_working_days_sum", "rejected", "closed", "withdrawn", "appeals",
                "rating_sum", "rating_count")
COLUMNS = {
    "dailyfigures": (*DIMENSIONS, *DAY_COUNTERS),
    "resolutiondays": (*DIMENSIONS, "count"),
    "openfigures": (*DIMENSIONS, "count"),
    "agencydailyfigures": (*AGENCY, *DAY_COUNTERS),
    "agencymonthlyfigures": (*AGENCY, *DAY_COUNTERS),
    "agencyresolutiondays": (*AGENCY, "count"),
    "agencymonthlyresolutiondays": (*AGENCY, "count"),
    "agencyopenfigures": (*AGENCY, "count"),
    "agencyduefigures": (*AGENCY, "count"),
}


class Migration(migrations.Migration):
    dependencies = [("reports", "0006_agency_due_figures")]

    operations = [
        migrations.AlterField(model_name=model, name=name, field=models.IntegerField(db_default=0, default=0))
        for model, names in COLUMNS.items()
        for name in names
    ]
