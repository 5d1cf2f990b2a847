import io
import itertools
from datetime import UTC, datetime
from typing import Any

import pytest
import time_machine
from django.core.management import CommandError, call_command

from ekaasel.grievances import serials
from ekaasel.grievances.application_id import ApplicationId, MalformedApplicationId, parse_application_id


def test_format_is_short_and_readable() -> None:
    assert str(ApplicationId(year=26, serial=4821)) == f"EK-26-004821-{ApplicationId(26, 4821).check_digit}"


@pytest.mark.parametrize("typed", ["ek-26-004821-{c}", "EK 26 004821 {c}", "ek26004821{c}", " EK-26-004821-{c} "])
def test_people_may_type_it_loosely(typed: str) -> None:
    check = ApplicationId(year=26, serial=4821).check_digit
    assert parse_application_id(typed.format(c=check)) == f"EK-26-004821-{check}"


def test_every_single_digit_mistake_is_caught() -> None:
    canonical = str(ApplicationId(year=26, serial=4821))
    digits = canonical.replace("EK-", "").replace("-", "")
    for position, replacement in itertools.product(range(len(digits)), "0123456789"):
        if digits[position] == replacement:
            continue
        typo = digits[:position] + replacement + digits[position + 1:]
        with pytest.raises(MalformedApplicationId):
            parse_application_id("EK" + typo)


def test_every_swap_of_neighbouring_digits_is_caught() -> None:
    digits = str(ApplicationId(year=26, serial=4821)).replace("EK-", "").replace("-", "")
    for position in range(len(digits) - 1):
        a, b = digits[position], digits[position + 1]
        if a == b:
            continue
        swapped = digits[:position] + b + a + digits[position + 2:]
        with pytest.raises(MalformedApplicationId):
            parse_application_id("EK" + swapped)


@pytest.mark.parametrize("typed", ["", "hello", "EK-26-0048-1", "XX-26-004821-7", "EK-26-000000-0"])
def test_nonsense_is_not_an_id(typed: str) -> None:
    with pytest.raises(MalformedApplicationId):
        parse_application_id(typed)


def test_serials_past_a_million_still_parse() -> None:
    big = str(ApplicationId(year=27, serial=1_234_567))
    assert big.startswith("EK-27-1234567-")
    assert parse_application_id(big) == big


# --- after a restore: moving the serial past IDs citizens may hold ---------------------------------


def _skip(application_id: str) -> str:
    out = io.StringIO()
    call_command("skip_application_ids", application_id, stdout=out)
    return out.getvalue()


@time_machine.travel(datetime(2026, 6, 1, 9, tzinfo=UTC), tick=False)
def test_skipped_ids_are_never_issued_again(file_grievance: Any) -> None:
    first = file_grievance(subject="Before the restore")
    held = str(ApplicationId(year=26, serial=4850))
    assert "the next ID is " + str(ApplicationId(year=26, serial=4851)) in _skip(held)
    following = file_grievance(subject="After the restore")
    assert first.application_id == str(ApplicationId(year=26, serial=1))
    assert following.application_id == str(ApplicationId(year=26, serial=4851))
    # Never backwards: an ID below the serial changes nothing.
    assert "Nothing to do" in _skip(str(ApplicationId(year=26, serial=10)))
    assert serials.last_taken(26) == 4851


def test_a_mistyped_id_changes_nothing(db: None) -> None:
    with pytest.raises(CommandError, match="not an application ID"):
        _skip(f"EK-26-004850-{(ApplicationId(year=26, serial=4850).check_digit + 1) % 10}")
    assert serials.last_taken(26) == 0
