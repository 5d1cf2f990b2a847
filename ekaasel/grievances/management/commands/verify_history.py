"""`manage.py verify_history`: check every grievance's hash-chained history; exit 1 on the first damage."""

from typing import Any

from django.core.management.base import BaseCommand, CommandError

from ekaasel.grievances.history import verify_history
from ekaasel.grievances.models import Grievance


class Command(BaseCommand):
    help = "Verify the tamper-evident history of every grievance and report the first broken link of each."

    def handle(self, *args: Any, **options: Any) -> None:
        broken = list(verify_history())
        for link in broken:
            self.stderr.write(
                f"{link.application_id}: event #{link.position} (id {link.event_id}): {link.reason}"
            )
        if broken:
            raise CommandError(f"{len(broken)} grievance histories are damaged.")
        self.stdout.write(f"All {Grievance.objects.count()} grievance histories are intact.")
