"""Experiment, not a deployment: the project with application serials drawn from a PostgreSQL sequence.

    .venv/bin/python bench/http_stack.py --only submit --wsgi bench.wsgi_serial_sequence:application

`grievance_file` takes the next serial with an UPDATE of the year's ApplicationSequence row, early in its
transaction; the row stays locked until the commit, a dozen statements later, so filings queue one behind
the other however many app servers run. This module replaces that one step with `nextval()` of a sequence
per year (started after the stored last serial): no lock is held, at the price of a gap in the serials when
a filing's transaction rolls back. It measures what the lock costs; the change itself belongs in
ekaasel/grievances/actions.py. bench/http_stack.py moves the year's ApplicationSequence past the serials
handed out here when the server stops, so later filings by the project's own path do not collide.
"""

from django.core.wsgi import get_wsgi_application
from django.db import connection
from django.utils import timezone

application = get_wsgi_application()

from ekaasel.core import clock  # noqa: E402 - after Django is set up
from ekaasel.grievances import actions  # noqa: E402
from ekaasel.grievances.application_id import ApplicationId  # noqa: E402
from ekaasel.grievances.models import ApplicationSequence  # noqa: E402


def _next_application_id_from_sequence() -> str:
    year = timezone.localtime(clock.now()).year % 100
    name = f"bench_application_serial_{year:02d}"
    with connection.cursor() as cursor:
        cursor.execute("SELECT nextval(%s)", [name])  # created by _prepare() when the server starts
        serial = int(cursor.fetchone()[0])
    return str(ApplicationId(year=year, serial=serial))


def _prepare() -> None:
    year = timezone.localtime(clock.now()).year % 100
    last = ApplicationSequence.objects.filter(year=year).values_list("last_serial", flat=True).first() or 0
    with connection.cursor() as cursor:
        # Past the stored serials and past what an earlier run of this experiment handed out.
        cursor.execute(f"CREATE SEQUENCE IF NOT EXISTS bench_application_serial_{year:02d} START {last + 1}")
        cursor.execute("SELECT setval(%s, GREATEST(%s, (SELECT last_value FROM bench_application_serial_"
                       f"{year:02d})))", [f"bench_application_serial_{year:02d}", last + 1])
    connection.close()


_prepare()
actions._next_application_id = _next_application_id_from_sequence
