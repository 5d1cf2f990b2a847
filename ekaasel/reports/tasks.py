"""Background generation of PSGRD report files, and the worker's job that schedules the periodic ones.

A report asked for in the workspace is a queued `GeneratedReport` row; `generate_report` (in the
worker) claims it with a conditional update, so two workers never build the same file, then stores
the file or records the error. On the first day after each month, quarter and year, the scheduled
job creates the three formats of the period just ended (once: the unique key on scheduled reports),
and enqueues their generation.
"""

import logging
from datetime import date, datetime, timedelta
from functools import partial

from django.conf import settings
from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.tasks import task
from django.utils import translation

from ekaasel.core import clock
from ekaasel.core.db_router import reading_from_replica
from ekaasel.core.queueing import QUEUE_UNAVAILABLE
from ekaasel.identity.models import Official
from ekaasel.notifications.scheduler import PeriodicJob
from ekaasel.reports import periodic
from ekaasel.reports.models import GeneratedReport

logger = logging.getLogger(__name__)

DEFAULT_SCHEDULE_SECONDS = 60 * 60
PERIOD_KINDS: tuple[periodic.PeriodKind, ...] = ("month", "quarter", "year")


# A report still "queued" this long had its task lost (the queue did not answer): it is enqueued again.
QUEUED_TIMEOUT = timedelta(minutes=5)
REQUEUE_EVERY_SECONDS = 300


def running_timeout() -> timedelta:
    """A report "running" this long lost its worker (killed, machine gone): another worker builds it again."""
    return timedelta(seconds=settings.WORKER.get("REPORT_RUNNING_TIMEOUT_SECONDS", 1800))


def _claimable(now: datetime) -> Q:
    return Q(status=GeneratedReport.Status.QUEUED) | Q(
        status=GeneratedReport.Status.RUNNING, started_at__lt=now - running_timeout()
    )


@task
def generate_report(report_id: int) -> str:
    """Build the file of a queued report; returns its final status ("skipped" if another took it)."""
    now = clock.now()
    claimed = GeneratedReport.objects.filter(_claimable(now), pk=report_id).update(
        status=GeneratedReport.Status.RUNNING, started_at=now
    )
    if not claimed:
        return "skipped"
    report = GeneratedReport.objects.get(pk=report_id)
    try:
        render_file, _content_type = periodic.RENDERERS[report.format]
        with translation.override(report.language):
            with reading_from_replica():  # the figures only; the report row is claimed and saved on the primary
                data = periodic.build_report(start=report.start, end=report.end, now=clock.now())
            content = render_file(data)
        report.file.save(periodic.file_name(data, report.format), ContentFile(content), save=False)
    except Exception as exc:
        logger.exception("Generating report %s failed", report_id)
        report.status = GeneratedReport.Status.FAILED
        report.error = f"{type(exc).__name__}: {exc}"[:2000]
    else:
        report.status = GeneratedReport.Status.DONE
        report.error = ""
    report.finished_at = clock.now()
    report.save(update_fields=["file", "status", "error", "finished_at"])
    return report.status


def request_report(*, period_kind: str, start: date, end: date, file_format: str,
                   requested_by: Official | None = None) -> GeneratedReport:
    """Queue a report asked for by an official and enqueue its generation (after the commit)."""
    report = GeneratedReport.objects.create(
        period_kind=period_kind, start=start, end=end, format=file_format,
        requested_by=requested_by, created_at=clock.now(), language=translation.get_language() or "en",
    )
    transaction.on_commit(partial(enqueue_generation, report.pk))
    return report


def enqueue_generation(report_id: int) -> None:
    """Hand the report to the task queue; if the queue does not answer, `requeue_stalled_reports` will."""
    try:
        generate_report.enqueue(report_id)
    except QUEUE_UNAVAILABLE:
        logger.warning("Report %s could not be enqueued; it is enqueued again within %s", report_id, QUEUED_TIMEOUT)


def requeue_stalled_reports() -> int:
    """Enqueue again the reports whose task was lost: queued for long, or running on a worker that died."""
    now = clock.now()
    stalled = GeneratedReport.objects.filter(
        Q(status=GeneratedReport.Status.QUEUED, created_at__lt=now - QUEUED_TIMEOUT)
        | Q(status=GeneratedReport.Status.RUNNING, started_at__lt=now - running_timeout())
    ).values_list("pk", flat=True)
    count = 0
    for report_id in stalled:
        enqueue_generation(report_id)
        count += 1
    return count


def periods_just_ended(today: date) -> list[tuple[str, date, date]]:
    """The months, quarters and years that ended yesterday (only on the first day after one)."""
    yesterday = today - timedelta(days=1)
    ended: list[tuple[str, date, date]] = []
    for kind in PERIOD_KINDS:
        start, end = periodic.period_bounds(kind, yesterday)
        if end == yesterday:
            ended.append((kind, start, end))
    return ended


def schedule_periodic_reports() -> int:
    """Create (once) and enqueue the scheduled reports of the periods just ended; returns how many it created."""
    created_count = 0
    for kind, start, end in periods_just_ended(clock.today()):
        for file_format in GeneratedReport.Format.values:
            try:
                with transaction.atomic():
                    report, created = GeneratedReport.objects.get_or_create(
                        scheduled=True, period_kind=kind, start=start, end=end, format=file_format,
                        defaults={"created_at": clock.now(), "language": settings.LANGUAGE_CODE},
                    )
            except IntegrityError:  # another worker created it at the same moment
                continue
            if created:
                created_count += 1
                transaction.on_commit(partial(enqueue_generation, report.pk))
    return created_count


def scheduled_jobs() -> list[PeriodicJob]:
    """The reports' periodic job, every WORKER["REPORTS_SECONDS"] (default an hour): cheap on other days."""
    every = float(settings.WORKER.get("REPORTS_SECONDS", DEFAULT_SCHEDULE_SECONDS))
    return [
        PeriodicJob("schedule_periodic_reports", every, schedule_periodic_reports),
        PeriodicJob("requeue_stalled_reports", REQUEUE_EVERY_SECONDS, requeue_stalled_reports),
    ]
