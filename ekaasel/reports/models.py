"""Summary tables behind the dashboards, the transparency page and the PSGRD reports.

Written only by `summaries.record_transition` (in the transaction of every grievance action) and
rebuilt from scratch by `manage.py rebuild_summaries`. The dimensions are plain integers, 0 meaning
"none" (not yet forwarded, no catalogue service), not foreign keys: NULLs are distinct in a unique
index on both SQLite and PostgreSQL, and the upsert needs one row per key.
"""

from django.db import models

DIMENSIONS = ("ministry", "department", "service", "district", "channel", "problem_kind")

# Resolution times of this many working days or more share the last bucket of the histogram.
DAYS_BUCKETS = 60


class _Dimensions(models.Model):
    ministry = models.IntegerField(default=0)
    department = models.IntegerField(default=0)
    service = models.IntegerField(default=0)
    district = models.IntegerField(default=0)
    channel = models.CharField(max_length=12)
    problem_kind = models.CharField(max_length=20)

    class Meta:
        abstract = True


class DailyFigures(_Dimensions):
    """What happened on one local day to grievances of one combination of dimensions.

    The ministry and department are the grievance's at the moment of the event (the ministry a
    grievance is forwarded to "receives" it on the day of the forwarding).
    """

    day = models.DateField()
    received = models.IntegerField(default=0)  # filed (no ministry yet)
    forwarded = models.IntegerField(default=0)  # received by the ministry it was forwarded to
    assessed = models.IntegerField(default=0)  # left assessment: forwarded, resolved, rejected, duplicate
    assessment_working_days_sum = models.IntegerField(default=0)
    resolved = models.IntegerField(default=0)
    resolved_within_limit = models.IntegerField(default=0)
    resolution_working_days_sum = models.IntegerField(default=0)
    rejected = models.IntegerField(default=0)
    closed = models.IntegerField(default=0)
    withdrawn = models.IntegerField(default=0)
    appeals = models.IntegerField(default=0)
    rating_sum = models.IntegerField(default=0)
    rating_count = models.IntegerField(default=0)

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
    count = models.IntegerField(default=0)

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
    count = models.IntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["ministry", "department", "service", "district", "channel", "problem_kind", "status"],
                name="open_figures_key",
            ),
        ]

    def __str__(self) -> str:
        return f"m{self.ministry} {self.status}: {self.count}"
