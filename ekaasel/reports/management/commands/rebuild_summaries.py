"""Recompute the summary tables (dashboards, transparency page, reports) from the grievances' history.

Streams the history one grievance at a time: memory stays bounded whatever the number of grievances.
The dashboards keep reading the old figures until the new ones replace them in one transaction.
"""

import time
from argparse import ArgumentParser, ArgumentTypeError
from typing import Any

from django.core.management.base import BaseCommand
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from ekaasel.reports.summaries import REBUILD_CHUNK, rebuild


def positive_int(value: str) -> int:
    number = int(value)
    if number < 1:
        raise ArgumentTypeError("must be at least 1")
    return number


class Command(BaseCommand):
    help = "Rebuild the summary tables behind the dashboards and reports from the grievances and their history."

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument(
            "--chunk-size", type=positive_int, default=REBUILD_CHUNK,
            help="Grievances replayed between two writes to the staging tables (default: %(default)s).",
        )

    def handle(self, *args: Any, chunk_size: int, **options: Any) -> None:
        started = time.monotonic()

        def report(done: int, total: int) -> None:
            elapsed = time.monotonic() - started
            self.stdout.write(
                _("%(done)s of %(total)s grievances replayed (%(rate)s a second, %(elapsed)d s).") % {
                    "done": f"{done:,}", "total": f"{total:,}", "rate": f"{done / max(elapsed, 0.001):,.0f}",
                    "elapsed": elapsed,
                }
            )

        rebuilt = rebuild(chunk_size=chunk_size, progress=report)
        self.stdout.write(
            ngettext(
                "Rebuilt the summaries: %(received)d grievance received, %(daily)d daily rows, %(open)d open rows "
                "in %(seconds)d s.",
                "Rebuilt the summaries: %(received)d grievances received, %(daily)d daily rows, %(open)d open rows "
                "in %(seconds)d s.",
                rebuilt.received,
            ) % {
                "received": rebuilt.received, "daily": rebuilt.daily_rows, "open": rebuilt.open_rows,
                "seconds": time.monotonic() - started,
            }
        )
