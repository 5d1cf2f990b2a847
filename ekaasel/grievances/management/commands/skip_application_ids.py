"""`manage.py skip_application_ids EK-26-004850-0`: no new grievance gets that ID or an earlier one of its year.

After a restore to an earlier point in time (docs/deploy.md), the year's serial stands where it stood at
that point, and citizens may hold application IDs from the lost window (the SMS gateway's log of sent
"submitted" messages shows them). Given the highest of them, the serial moves past it, so those IDs are
never handed to someone else. It never moves the serial back.
"""

from typing import Any

from django.core.management.base import BaseCommand, CommandError

from ekaasel.grievances import serials
from ekaasel.grievances.application_id import ApplicationId, MalformedApplicationId, parse_application_id


class Command(BaseCommand):
    help = "Move the year's application serial past an ID citizens may hold (after restoring a backup)."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("application_id", help="the highest application ID that must not be issued again")

    def handle(self, *args: Any, application_id: str, **options: Any) -> None:
        try:
            canonical = parse_application_id(application_id)
        except MalformedApplicationId as error:
            raise CommandError(f"{application_id!r} is not an application ID (or its check digit is wrong).") from error
        _, year_digits, serial_digits, _ = canonical.rsplit("-", 3)
        year, serial = int(year_digits), int(serial_digits)
        before, after = serials.move_past(year, serial)
        following = ApplicationId(year=year, serial=after + 1)
        if before >= serial:
            self.stdout.write(f"Nothing to do: the serial is already past {canonical}; the next ID is {following}.")
        else:
            self.stdout.write(f"Year {year:02d}: serials {before + 1} to {serial} skipped; the next ID is {following}.")
