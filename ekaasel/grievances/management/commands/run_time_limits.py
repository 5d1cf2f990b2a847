"""`manage.py run_time_limits`: send due reminders, escalate overdue grievances, close unrated resolutions.

The worker does the same every 15 minutes; this is for operators and for setups without the worker
(run it from cron). Safe to run at any time, and twice: what was done is not done again.
"""

from argparse import ArgumentParser, ArgumentTypeError
from typing import Any

from django.core.management.base import BaseCommand
from django.utils.translation import ngettext

from ekaasel.grievances.scheduled import close_unrated_resolutions, escalate_overdue, send_due_reminders


def positive_int(value: str) -> int:
    number = int(value)
    if number < 1:
        raise ArgumentTypeError("must be at least 1")
    return number


class Command(BaseCommand):
    help = "Send due reminders, escalate overdue grievances, close resolutions left unrated; print the counts."

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument(
            "--batch-size", type=positive_int, default=500,
            help="Grievances read from the database at a time (default: %(default)s).",
        )

    def handle(self, *args: Any, batch_size: int, **options: Any) -> None:
        reminded = send_due_reminders(batch_size=batch_size)
        self.stdout.write(
            ngettext("Sent %(count)d reminder.", "Sent %(count)d reminders.", reminded) % {"count": reminded}
        )
        escalated = escalate_overdue(batch_size=batch_size)
        self.stdout.write(
            ngettext("Escalated %(count)d overdue grievance.", "Escalated %(count)d overdue grievances.", escalated)
            % {"count": escalated}
        )
        closed = close_unrated_resolutions(batch_size=batch_size)
        self.stdout.write(
            ngettext(
                "Closed %(count)d resolved grievance left unrated.",
                "Closed %(count)d resolved grievances left unrated.",
                closed,
            )
            % {"count": closed}
        )
