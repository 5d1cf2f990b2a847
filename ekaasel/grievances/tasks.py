"""Background tasks of the time limits, and the worker's periodic jobs that enqueue them.

The jobs only enqueue (the scheduler thread must stay quick); the work runs in the worker as tasks,
and a job enqueues nothing while the previous task is still waiting, so a stopped worker does not
come back to a pile of identical tasks.
"""

from functools import partial

from django.conf import settings
from django.tasks import task

from ekaasel.grievances import scheduled
from ekaasel.notifications.scheduler import PeriodicJob
from ekaasel.notifications.tasks import enqueue_unless_waiting

DEFAULT_TIME_LIMITS_SECONDS = 15 * 60


@task
def escalate_overdue_task() -> int:
    """Escalate open grievances past their time limits (scheduled.escalate_overdue); returns the count."""
    return scheduled.escalate_overdue()


@task
def send_reminders_task() -> int:
    """Remind handling officials at 75% of the time limit (scheduled.send_due_reminders); returns the count."""
    return scheduled.send_due_reminders()


@task
def close_unrated_task() -> int:
    """Close resolutions left unrated too long (scheduled.close_unrated_resolutions); returns the count."""
    return scheduled.close_unrated_resolutions()


def scheduled_jobs() -> list[PeriodicJob]:
    """The grievances' periodic jobs, every WORKER["TIME_LIMITS_SECONDS"] (default 15 minutes)."""
    every = float(settings.WORKER.get("TIME_LIMITS_SECONDS", DEFAULT_TIME_LIMITS_SECONDS))
    return [
        PeriodicJob("send_reminders", every, partial(enqueue_unless_waiting, send_reminders_task)),
        PeriodicJob("escalate_overdue", every, partial(enqueue_unless_waiting, escalate_overdue_task)),
        PeriodicJob("close_unrated", every, partial(enqueue_unless_waiting, close_unrated_task)),
    ]
