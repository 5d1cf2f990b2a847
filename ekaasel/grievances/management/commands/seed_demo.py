"""`manage.py seed_demo`: the catalogue and demo data for `make run`. Idempotent."""

from typing import Any

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError

from ekaasel.grievances.demo import seed_demo_caseload, seed_demo_grievances
from ekaasel.workspace.demo import seed_demo_officials


class Command(BaseCommand):
    help = "Load the service catalogue and demo data (development only; safe to run again)."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--force", action="store_true", help="Allow seeding with DEBUG off.")

    def handle(self, *args: Any, **options: Any) -> None:
        if not settings.DEBUG and not options["force"]:
            raise CommandError("Demo data is for development; pass --force to seed anyway.")
        call_command("load_catalogue", verbosity=options["verbosity"])
        officials = seed_demo_officials()
        # The caseload first: its grievances are dated in the past, so the demo citizen's, filed now, get
        # the latest application IDs.
        caseload = seed_demo_caseload()
        report = seed_demo_grievances()
        self.stdout.write(
            f"Demo data: {report.created_grievances} grievances of the demo citizen, {caseload} grievances "
            f"of the demo caseload and {officials + report.created_officials} officials created."
        )
