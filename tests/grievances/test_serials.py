"""Application serials: never issued twice, continuing the stored series, and (on PostgreSQL) taken without
making one filing wait for another."""

import threading
from collections.abc import Callable, Iterator
from datetime import UTC, datetime

import pytest
import time_machine
from django.db import connection, connections, transaction
from django.test.utils import CaptureQueriesContext

from ekaasel.grievances import serials
from ekaasel.grievances.application_id import ApplicationId
from ekaasel.grievances.models import ApplicationSequence, Grievance

JUNE = datetime(2026, 6, 1, 9, tzinfo=UTC)
postgresql_only = pytest.mark.skipif(connection.vendor != "postgresql", reason="sequences are PostgreSQL's")


@pytest.fixture
def drop_sequences(transactional_db: None) -> Iterator[None]:
    """Sequences a committing test made are dropped afterwards (the flush between tests empties tables only)."""
    yield
    with connection.cursor() as cursor:
        cursor.execute("SELECT sequencename FROM pg_sequences WHERE sequencename LIKE %s",
                       [serials.sequence_name(0).removesuffix("00") + "%"])
        for (name,) in cursor.fetchall():
            cursor.execute(f"DROP SEQUENCE {connection.ops.quote_name(name)}")
    serials._created.clear()


def committing_on_postgresql(test: Callable[..., None]) -> Callable[..., None]:
    """A PostgreSQL test whose transactions really commit (threads see each other's work)."""
    for mark in (pytest.mark.usefixtures("drop_sequences"), pytest.mark.django_db(transaction=True), postgresql_only):
        test = mark(test)
    return test


def _serial(g: Grievance) -> int:
    return int(g.application_id.split("-")[2])


@time_machine.travel(JUNE, tick=False)
def test_filings_continue_the_stored_series_of_the_year(file_grievance: Callable[..., Grievance]) -> None:
    # A database from before sequences, or the data generator, recorded serials up to 700.
    ApplicationSequence.objects.create(year=26, last_serial=700)
    first, second = file_grievance(), file_grievance(subject="Another")
    assert first.application_id == str(ApplicationId(year=26, serial=701))
    assert _serial(second) == 702
    assert serials.last_taken(26) == 702


@time_machine.travel(JUNE, tick=False)
def test_a_new_year_starts_its_own_series(file_grievance: Callable[..., Grievance]) -> None:
    this_year = file_grievance()
    with time_machine.travel(datetime(2027, 1, 2, 9, tzinfo=UTC), tick=False):
        january = file_grievance()
    assert this_year.application_id.startswith("EK-26-")
    assert january.application_id == str(ApplicationId(year=27, serial=1))


@postgresql_only
@time_machine.travel(JUNE, tick=False)
def test_a_filing_that_rolls_back_leaves_its_serial_unused(file_grievance: Callable[..., Grievance]) -> None:
    before = file_grievance()
    with pytest.raises(RuntimeError), transaction.atomic():
        file_grievance(subject="Lost with its transaction")
        raise RuntimeError("the request failed after filing")
    after = file_grievance(subject="Next")
    assert not Grievance.objects.filter(subject="Lost with its transaction").exists()
    # The lost filing's serial is skipped, never handed to the next citizen.
    assert _serial(after) == _serial(before) + 2


@committing_on_postgresql
@time_machine.travel(JUNE, tick=False)
def test_a_filing_is_six_statements_once_the_year_exists(file_grievance: Callable[..., Grievance]) -> None:
    """The citizen, the serial, the grievance, its first event, the SMS and the summary counters: one statement
    each (then, after the commit, the worker's wake-up check)."""
    file_grievance()  # the year's sequence exists, committed
    with CaptureQueriesContext(connection) as queries:
        file_grievance(subject="Second", national_id="10101009999")
    statements = [" ".join(q["sql"].split()[:3]) for q in queries.captured_queries
                  if q["sql"] not in ("BEGIN", "COMMIT")]
    assert statements[:6] == [
        'INSERT INTO "identity_citizen"', "SELECT nextval('grievances_application_serial_26')",
        'INSERT INTO "grievances_grievance"', 'INSERT INTO "grievances_grievanceevent"',
        'INSERT INTO "notifications_message"', 'WITH u0 AS',
    ], statements
    assert len(statements) <= 7 and all(s.startswith("SELECT") for s in statements[6:]), statements


@committing_on_postgresql
@time_machine.travel(JUNE, tick=False)
def test_an_unfinished_filing_does_not_hold_back_the_next_one(file_grievance: Callable[..., Grievance]) -> None:
    file_grievance()  # the year's sequence exists, committed
    taken, release, outcome = threading.Event(), threading.Event(), {}

    def slow_filing() -> None:
        # A filing that has taken its serial and is still working (its transaction open).
        try:
            with transaction.atomic():
                outcome["slow"] = serials.take(26)
                taken.set()
                release.wait(timeout=20)
        finally:
            connections.close_all()

    worker = threading.Thread(target=slow_filing)
    worker.start()
    try:
        assert taken.wait(timeout=10)
        with connection.cursor() as cursor:
            cursor.execute("SET lock_timeout = '3s'")  # a wait for the other filing fails instead of hanging
        other = file_grievance(subject="Filed meanwhile")
    finally:
        release.set()
        with connection.cursor() as cursor:
            cursor.execute("RESET lock_timeout")
        worker.join(timeout=20)
    assert _serial(other) == outcome["slow"] + 1


@committing_on_postgresql
def test_the_first_filings_of_a_new_year_at_the_same_moment_all_get_ids(
    file_grievance: Callable[..., Grievance],
) -> None:
    """Several filings create the year's sequence at once: one creates it, the others wait and use it."""
    start, results = threading.Barrier(4), list[Grievance | Exception]()

    def filing(n: int) -> None:
        try:
            start.wait(timeout=10)
            # Different citizens: one citizen's filings wait for each other at his row.
            results.append(file_grievance(subject=f"New year {n}", national_id=f"1010100{n:04d}"))
        except Exception as error:  # reported by the assertion below
            results.append(error)
        finally:
            connections.close_all()

    with time_machine.travel(datetime(2031, 1, 2, 9, tzinfo=UTC), tick=False):
        threads = [threading.Thread(target=filing, args=(n,)) for n in range(4)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=30)
    filed = [r for r in results if isinstance(r, Grievance)]
    assert len(filed) == 4, results
    assert sorted(_serial(g) for g in filed) == [1, 2, 3, 4]
    assert all(g.application_id.startswith("EK-31-") for g in filed)


@committing_on_postgresql
@time_machine.travel(JUNE, tick=False)
def test_serials_counted_by_an_earlier_release_meanwhile_are_not_issued_again(
    file_grievance: Callable[..., Grievance],
) -> None:
    """Back to a release that counted in the year's row, then forward again: the sequence moves past the row."""
    first = file_grievance()  # the sequence exists, committed
    # The earlier release filed up to serial 900, counting in the row only.
    ApplicationSequence.objects.update_or_create(year=26, defaults={"last_serial": 900})
    serials._created.clear()  # this release's processes start again
    again = file_grievance(subject="After going forward again")
    assert _serial(first) < 900 and _serial(again) == 901
