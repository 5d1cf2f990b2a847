"""`manage.py load_catalogue [--file PATH]`: import the catalogue file (see organisations.catalogue)."""

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _

from ekaasel.organisations.catalogue import (
    DEFAULT_CATALOGUE_PATH,
    CatalogueError,
    ImportReport,
    import_catalogue,
    read_catalogue_file,
)


class Command(BaseCommand):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.help = _(
            "Import ministries, departments, services, districts and holidays from a catalogue file. "
            "All or nothing; running it twice changes nothing."
        )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--file", type=Path, default=DEFAULT_CATALOGUE_PATH,
            help=_("catalogue JSON file (default: the one shipped with eKaaSel)"),
        )
        parser.add_argument(
            "--deactivate-missing", action="store_true",
            help=_("deactivate ministries, departments and services that the file no longer lists"),
        )
        parser.add_argument(
            "--delete-missing-holidays", action="store_true",
            help=_("delete holidays that the file does not list, in the years the file lists"),
        )
        parser.add_argument(
            "--dry-run", action="store_true", help=_("check the file and show what would change; write nothing"),
        )

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            data = read_catalogue_file(options["file"])
            report = import_catalogue(
                data,
                deactivate_missing=options["deactivate_missing"],
                delete_missing_holidays=options["delete_missing_holidays"],
                dry_run=options["dry_run"],
            )
        except CatalogueError as exc:
            raise CommandError(str(exc.message)) from exc
        self._print(report)

    def _print(self, report: ImportReport) -> None:
        labels = {
            "ministries": _("Ministries"),
            "departments": _("Departments"),
            "services": _("Services"),
            "districts": _("Districts"),
            "holidays": _("Holidays"),
        }
        if report.dry_run:
            self.stdout.write(self.style.WARNING(_("Dry run: nothing was written. It would do this:")))
        for kind, counts in report.kinds():
            self.stdout.write(
                _("%(kind)s: %(created)d created, %(updated)d updated, %(unchanged)d unchanged")
                % {"kind": labels[kind], "created": counts.created, "updated": counts.updated,
                   "unchanged": counts.unchanged}
            )
        for kind, counts in report.kinds():
            kept = [key for key in counts.missing if key not in counts.deactivated and key not in counts.deleted]
            if counts.deactivated:
                self.stdout.write(self.style.WARNING(
                    _("%(kind)s deactivated because the file no longer lists them: %(keys)s")
                    % {"kind": labels[kind], "keys": ", ".join(counts.deactivated)}
                ))
            if counts.deleted:
                self.stdout.write(self.style.WARNING(
                    _("%(kind)s deleted because the file does not list them: %(keys)s")
                    % {"kind": labels[kind], "keys": ", ".join(counts.deleted)}
                ))
            if kept and kind == "holidays":
                hint = _("kept; --delete-missing-holidays deletes them")
            elif kept and kind == "districts":
                hint = _("kept")
            else:
                hint = _("kept and still active; --deactivate-missing deactivates them")
            if kept:
                self.stdout.write(self.style.WARNING(
                    _("%(kind)s not in the file (%(hint)s): %(keys)s")
                    % {"kind": labels[kind], "hint": hint, "keys": ", ".join(kept)}
                ))
        self.stdout.write(self.style.SUCCESS(
            _("Total: %(created)d created, %(updated)d updated, %(unchanged)d unchanged.")
            % {"created": report.created, "updated": report.updated, "unchanged": report.unchanged}
        ))
        if not report.changed:
            self.stdout.write(_("The database already matches the file."))
