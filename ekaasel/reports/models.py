"""Summary tables behind the dashboards, the transparency page and the PSGRD reports.

Written only by `summaries.record_transition` (in the transaction of every grievance action) and
rebuilt from scratch by `manage.py rebuild_summaries`. Each fine table, keyed by every dimension, has
a per-agency twin keyed by ministry and department only, which the unfiltered dashboards read.

The dimensions are plain integers, 0 meaning "none" (not yet forwarded, no catalogue service), not
foreign keys: NULLs are distinct in a unique index on both SQLite and PostgreSQL, and the upsert
needs one row per key.
"""

from django.db import models

DIMENSIONS = ("ministry", "department", "service", "district", "channel", "problem_kind")

# Resolution times of this many working days or more share the last bucket of the histogram.
DAYS_BUCKETS = 60


class _Dimensions(models.Model):
    ministry = models.IntegerField(default=0, db_default=0)
    department = models.IntegerField(default=0, db_default=0)
    service = models.IntegerField(default=0, db_default=0)
    district = models.IntegerField(default=0, db_default=0)
    channel = models.CharField(max_length=12)
    problem_kind = models.CharField(max_length=20)

    class Meta:
        abstract = True


class _DayCounters(models.Model):
    """What happened on one local day (the counters of DailyFigures and AgencyDailyFigures)."""

    day = models.DateField()
    received = models.IntegerField(default=0, db_default=0)  # filed (no ministry yet)
    forwarded = models.IntegerField(default=0, db_default=0)  # received by the ministry it was forwarded to
    assessed = models.IntegerField(default=0, db_default=0)  # left assessment: forwarded, resolved, rejected, duplicate
    assessment_working_days_sum = models.IntegerField(default=0, db_default=0)
    resolved = models.IntegerField(default=0, db_default=0)
    resolved_within_limit = models.IntegerField(default=0, db_default=0)
    resolution_working_days_sum = models.IntegerField(default=0, db_default=0)
    rejected = models.IntegerField(default=0, db_default=0)
    closed = models.IntegerField(default=0, db_default=0)
    withdrawn = models.IntegerField(default=0, db_default=0)
    appeals = models.IntegerField(default=0, db_default=0)
    rating_sum = models.IntegerField(default=0, db_default=0)
    rating_count = models.IntegerField(default=0, db_default=0)

    class Meta:
        abstract = True


DAY_COUNTERS = ("received", "forwarded", "assessed", "assessment_working_days_sum", "resolved",
                "resolved_within_limit", "resolution_working_days_sum", "rejected", "closed", "withdrawn", "appeals",
                "rating_sum", "rating_count")


class DailyFigures(_Dimensions, _DayCounters):
    """What happened on one local day to grievances of one combination of dimensions.

    The ministry and department are the grievance's at the moment of the event (the ministry a
    grievance is forwarded to "receives" it on the day of the forwarding).
    """

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["day", "ministry", "department", "service", "district", "channel", "problem_kind"],
                name="daily_figures_key",
            ),
        ]
        indexes = [models.Index(fields=["ministry", "day"]), models.Index(fields=["department", "day"])]

    def __str__(self) -> str:
        return f"{self.day} m{self.ministry} d{self.department}"


class ResolutionDays(_Dimensions):
    """A histogram of working days to resolve, per day of resolution: medians without scanning grievances."""

    day = models.DateField()
    working_days = models.PositiveSmallIntegerField()  # capped at DAYS_BUCKETS
    count = models.IntegerField(default=0, db_default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["day", "ministry", "department", "service", "district", "channel", "problem_kind",
                        "working_days"],
                name="resolution_days_key",
            ),
        ]
        indexes = [models.Index(fields=["ministry", "day"])]

    def __str__(self) -> str:
        return f"{self.day} {self.working_days}: {self.count}"


class OpenFigures(_Dimensions):
    """How many grievances are in each open status now, per combination of dimensions."""

    status = models.CharField(max_length=20)
    count = models.IntegerField(default=0, db_default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["ministry", "department", "service", "district", "channel", "problem_kind", "status"],
                name="open_figures_key",
            ),
        ]

    def __str__(self) -> str:
        return f"m{self.ministry} {self.status}: {self.count}"


# The same three tables per ministry and department only: the sums of the fine rows over service,
# district, channel and kind of problem. A national dashboard reads (days, departments) rows
# from them whatever the number of grievances; the fine tables serve the other filters.


class _Agency(models.Model):
    ministry = models.IntegerField(default=0, db_default=0)
    department = models.IntegerField(default=0, db_default=0)

    class Meta:
        abstract = True


class AgencyDailyFigures(_Agency, _DayCounters):
    """DailyFigures summed per day, ministry and department."""

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["day", "ministry", "department"], name="agency_daily_figures_key"),
        ]
        indexes = [models.Index(fields=["ministry", "day"]), models.Index(fields=["department", "day"])]

    def __str__(self) -> str:
        return f"{self.day} m{self.ministry} d{self.department}"


class AgencyMonthlyFigures(_Agency, _DayCounters):
    """AgencyDailyFigures summed per calendar month (`day` is the first of the month): the whole months
    of a period read one row per month and department instead of one per day."""

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["day", "ministry", "department"], name="agency_monthly_figures_key"),
        ]
        indexes = [models.Index(fields=["ministry", "day"]), models.Index(fields=["department", "day"])]

    def __str__(self) -> str:
        return f"{self.day:%Y-%m} m{self.ministry} d{self.department}"


class AgencyResolutionDays(_Agency):
    """ResolutionDays summed per day, ministry, department and working days."""

    day = models.DateField()
    working_days = models.PositiveSmallIntegerField()
    count = models.IntegerField(default=0, db_default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["day", "ministry", "department", "working_days"],
                                    name="agency_resolution_days_key"),
        ]
        indexes = [models.Index(fields=["ministry", "day"]), models.Index(fields=["department", "day"])]

    def __str__(self) -> str:
        return f"{self.day} {self.working_days}: {self.count}"


class AgencyMonthlyResolutionDays(_Agency):
    """AgencyResolutionDays summed per calendar month (`day` is the first of the month): the medians of
    whole months read one row per month and bucket instead of one per day."""

    day = models.DateField()
    working_days = models.PositiveSmallIntegerField()
    count = models.IntegerField(default=0, db_default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["day", "ministry", "department", "working_days"],
                                    name="agency_monthly_resolution_days_key"),
        ]
        indexes = [models.Index(fields=["ministry", "day"]), models.Index(fields=["department", "day"])]

    def __str__(self) -> str:
        return f"{self.day:%Y-%m} {self.working_days}: {self.count}"


class AgencyOpenFigures(_Agency):
    """OpenFigures summed per ministry, department and status."""

    status = models.CharField(max_length=20)
    count = models.IntegerField(default=0, db_default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["ministry", "department", "status"], name="agency_open_figures_key"),
        ]

    def __str__(self) -> str:
        return f"m{self.ministry} {self.status}: {self.count}"


class AgencyDueFigures(_Agency):
    """The grievances open at an agency (forwarded, in progress) per ministry, department and due date.

    "Overdue" changes with the clock, not with an action: the dashboards count as overdue the rows due
    before today (a few thousand rows whatever the number of grievances) plus the grievances due earlier
    today, read from the grievances table. Kept by the actions' `record_transition` and, from the
    grievances table, by `rebuild_summaries`.
    """

    due_day = models.DateField()  # the local date of due_at
    count = models.IntegerField(default=0, db_default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["ministry", "department", "due_day"], name="agency_due_figures_key"),
        ]

    def __str__(self) -> str:
        return f"m{self.ministry} d{self.department} due {self.due_day}: {self.count}"


class GeneratedReport(models.Model):
    """A PSGRD report file in the archive: asked for by an official, or made by the worker's schedule.

    The file is generated by the task `reports.tasks.generate_report`, never in the web request. A
    scheduled report exists once per period and format (the unique constraint), so a job that runs
    twice creates nothing more.
    """

    class PeriodKind(models.TextChoices):
        MONTH = "month", "Month"
        QUARTER = "quarter", "Quarter"
        YEAR = "year", "Year"
        RANGE = "range", "Date range"

    class Format(models.TextChoices):
        CSV = "csv", "CSV"
        XLSX = "xlsx", "XLSX"
        PDF = "pdf", "PDF"

    class Status(models.TextChoices):
        QUEUED = "queued", "Queued"
        RUNNING = "running", "Running"
        DONE = "done", "Done"
        FAILED = "failed", "Failed"

    period_kind = models.CharField(max_length=8, choices=PeriodKind.choices)
    start = models.DateField()
    end = models.DateField()
    format = models.CharField(max_length=4, choices=Format.choices)
    status = models.CharField(max_length=8, choices=Status.choices, default=Status.QUEUED)
    file = models.FileField(upload_to="reports/", blank=True)
    scheduled = models.BooleanField(default=False)
    requested_by = models.ForeignKey(
        "identity.Official", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField()
    started_at = models.DateTimeField(null=True, blank=True)  # claimed by a worker
    finished_at = models.DateTimeField(null=True, blank=True)
    error = models.TextField(blank=True)
    # The report is written in the language of the official who asked for it; scheduled ones in the default.
    language = models.CharField(max_length=8, default="en")

    class Meta:
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["period_kind", "start", "end", "format"],
                condition=models.Q(scheduled=True),
                name="generated_report_scheduled_once",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.period_kind} {self.start} to {self.end} {self.format} ({self.status})"

    @property
    def pending(self) -> bool:
        return self.status in (self.Status.QUEUED, self.Status.RUNNING)
