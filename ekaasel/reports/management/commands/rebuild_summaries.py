"""Recompute the summary tables (dashboards, transparency page, reports) from the grievances' history."""

from typing import Any

from django.core.management.base import BaseCommand

from ekaasel.reports.summaries import rebuild


class Command(BaseCommand):
    help = "Rebuild the summary tables behind the dashboards and reports from the grievances and their history."

    def handle(self, *args: Any, **options: Any) -> None:
        found = rebuild()
        received = sum(c["received"] for c in found.daily.values())
        self.stdout.write(f"Rebuilt the summaries: {received} grievances received, "
                          f"{len(found.daily)} daily rows, {sum(1 for v in found.open.values() if v)} open rows.")
