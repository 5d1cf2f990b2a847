"""The serials of application IDs, one series per two-digit year.

On PostgreSQL each year has a sequence: a filing takes its serial without a lock, so filings never wait
for each other (a row counter stays locked from the filing's first statement to its commit and queues
every other filing behind it). The price is that a filing whose transaction rolls back leaves its
serial unused: IDs increase and are never issued twice, but may skip a number. A sequence is created,
in the filing's transaction, the first time its year is used, starting after the year's
`ApplicationSequence` row (the last serial the databases before sequences, or the data generator,
recorded).

Elsewhere (SQLite: one writer at a time anyway) the year's `ApplicationSequence` row is the counter.
"""

from django.db import IntegrityError, ProgrammingError, connection, transaction

from ekaasel.grievances.models import ApplicationSequence

# The (database, year) sequences this process has seen committed: no savepoint to create them again.
_created: set[tuple[str, int]] = set()

_NEXT_SERIAL = (
    "UPDATE grievances_applicationsequence SET last_serial = last_serial + 1 WHERE year = %s RETURNING last_serial"
)


def _uses_sequences() -> bool:
    return connection.vendor == "postgresql"


def sequence_name(year: int) -> str:
    return f"grievances_application_serial_{year:02d}"


def take(year: int) -> int:
    """The next serial of `year`, never issued before. Call inside the filing's transaction."""
    if not _uses_sequences():
        with connection.cursor() as cursor:
            cursor.execute(_NEXT_SERIAL, [year])
            row = cursor.fetchone()
            if row is None:  # the year's first grievance
                ApplicationSequence.objects.get_or_create(year=year)
                cursor.execute(_NEXT_SERIAL, [year])
                row = cursor.fetchone()
        return int(row[0])
    _ensure_sequence(year)
    with connection.cursor() as cursor:
        cursor.execute("SELECT nextval(%s)", [sequence_name(year)])
        return int(cursor.fetchone()[0])


def last_taken(year: int) -> int:
    """The highest serial of `year` issued so far (0 for none)."""
    stored = ApplicationSequence.objects.filter(year=year).values_list("last_serial", flat=True).first() or 0
    if not _uses_sequences() or not _sequence_exists(year):
        return stored
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT last_value, is_called FROM {connection.ops.quote_name(sequence_name(year))}")  # noqa: S608 - our name
        last_value, is_called = cursor.fetchone()
    return max(stored, int(last_value) if is_called else int(last_value) - 1)


@transaction.atomic
def move_past(year: int, serial: int) -> tuple[int, int]:
    """No later serial of `year` is `serial` or below; never moves back. Returns (last before, last after)."""
    row, _ = ApplicationSequence.objects.select_for_update().get_or_create(year=year)
    before = last_taken(year)
    after = max(before, serial)
    if row.last_serial < after:
        row.last_serial = after
        row.save(update_fields=["last_serial"])
    if _uses_sequences() and after > before:
        _ensure_sequence(year)
        with connection.cursor() as cursor:
            cursor.execute("SELECT setval(%s, %s)", [sequence_name(year), after])
    return before, after


def _sequence_exists(year: int) -> bool:
    with connection.cursor() as cursor:
        cursor.execute("SELECT to_regclass(%s) IS NOT NULL", [sequence_name(year)])
        return bool(cursor.fetchone()[0])


def _ensure_sequence(year: int) -> None:
    """Create the year's sequence unless this process has seen it committed (a savepoint, once per year), and
    move it past the year's `ApplicationSequence` row: a release from before sequences, run for a while after
    this one, counted there (going back and forth between releases must not issue an ID twice)."""
    database = "{HOST}:{PORT}/{NAME}".format(**connection.settings_dict)
    if (database, year) in _created:
        return
    name = connection.ops.quote_name(sequence_name(year))
    stored = ApplicationSequence.objects.filter(year=year).values_list("last_serial", flat=True).first() or 0
    try:
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(f"CREATE SEQUENCE IF NOT EXISTS {name} START WITH {int(stored) + 1}")
    except (IntegrityError, ProgrammingError):
        # Another transaction created it at the same moment; it committed first (PostgreSQL made this one
        # wait for it), so it exists now.
        if not _sequence_exists(year):
            raise
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT setval(%s, %s) FROM {name} "  # noqa: S608 - our name
            "WHERE (CASE WHEN is_called THEN last_value ELSE last_value - 1 END) < %s",
            [sequence_name(year), stored, stored],
        )
    # Only once the creating transaction has committed (a rolled-back one takes its sequence with it).
    transaction.on_commit(lambda: _created.add((database, year)))
