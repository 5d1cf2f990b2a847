"""`manage.py export_catalogue [--output PATH]`: write the catalogue from the database as JSON.

The output has the shape `load_catalogue` reads, so a catalogue edited in the admin can be
exported here and imported on another server.
"""

import os
import tempfile
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone
from django.utils.translation import gettext as _

from ekaasel.organisations.catalogue import dump_catalogue, export_catalogue


class Command(BaseCommand):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.help = _("Write the catalogue (ministries, departments, services, districts, holidays) as JSON.")

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--output", type=Path, default=None, help=_("file to write (default: standard output)"),
        )
        parser.add_argument(
            "--source-note", default=None,
            help=_("text for the file's source_note field (default: where and when it was exported)"),
        )

    def handle(self, *args: Any, **options: Any) -> None:
        note = options["source_note"]
        if note is None:
            note = _("Exported from the eKaaSel database on %(date)s.") % {
                "date": timezone.localdate().isoformat()
            }
        document = export_catalogue(source_note=note)
        text = dump_catalogue(document)
        output: Path | None = options["output"]
        if output is None:
            self.stdout.write(text, ending="")
            return
        # Write beside the target and rename, so an interrupted export never leaves half a file.
        temporary: Path | None = None
        try:
            handle, name = tempfile.mkstemp(dir=output.parent, prefix=f".{output.name}.", suffix=".tmp")
            temporary = Path(name)
            with os.fdopen(handle, "w", encoding="utf-8") as stream:
                stream.write(text)
            temporary.replace(output)
        except OSError as exc:
            if temporary is not None:
                temporary.unlink(missing_ok=True)
            raise CommandError(
                _("cannot write %(path)s: %(error)s") % {"path": output, "error": exc.strerror}
            ) from exc
        self.stdout.write(self.style.SUCCESS(
            _("Wrote %(ministries)d ministries, %(services)d services, %(districts)d districts and "
              "%(holidays)d holidays to %(path)s.")
            % {"ministries": len(document["ministries"]), "services": len(document["services"]),
               "districts": len(document["districts"]), "holidays": len(document["holidays"]),
               "path": output}
        ))
