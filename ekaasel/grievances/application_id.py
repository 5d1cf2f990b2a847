"""Application IDs such as EK-26-004821-9: prefix, two-digit year, serial, Damm check digit.

The Damm check digit catches every single mistyped digit and every swap of two neighbouring
digits, so a mistyped ID is answered "not a valid application ID" instead of "not found".
"""

import re
from dataclasses import dataclass

from django.conf import settings

# Damm's totally anti-symmetric quasigroup of order 10.
_DAMM = (
    (0, 3, 1, 7, 5, 9, 8, 6, 4, 2),
    (7, 0, 9, 2, 1, 5, 4, 8, 6, 3),
    (4, 2, 0, 6, 8, 7, 1, 3, 5, 9),
    (1, 7, 5, 0, 9, 8, 3, 4, 2, 6),
    (6, 1, 2, 3, 0, 4, 5, 9, 7, 8),
    (3, 6, 7, 4, 2, 0, 9, 5, 8, 1),
    (5, 8, 6, 9, 7, 2, 0, 1, 3, 4),
    (8, 9, 4, 5, 3, 6, 2, 0, 1, 7),
    (9, 4, 3, 8, 6, 1, 7, 2, 0, 5),
    (2, 5, 8, 1, 4, 3, 6, 7, 9, 0),
)

SERIAL_WIDTH = 6


def damm_digit(digits: str) -> int:
    interim = 0
    for ch in digits:
        interim = _DAMM[interim][int(ch)]
    return interim


@dataclass(frozen=True)
class ApplicationId:
    year: int  # two digits
    serial: int

    @property
    def check_digit(self) -> int:
        return damm_digit(f"{self.year:02d}{self.serial:0{SERIAL_WIDTH}d}")

    def __str__(self) -> str:
        prefix = settings.EKAASEL["APPLICATION_ID_PREFIX"]
        return f"{prefix}-{self.year:02d}-{self.serial:0{SERIAL_WIDTH}d}-{self.check_digit}"


class MalformedApplicationId(ValueError):
    """Not an application ID at all, or its check digit does not match."""


def parse_application_id(raw: str) -> str:
    """Normalise what a person typed (any case, spaces or dashes anywhere) to the canonical ID.

    Raises MalformedApplicationId when it cannot be an ID or the check digit is wrong.
    """
    prefix = settings.EKAASEL["APPLICATION_ID_PREFIX"].upper()
    compact = re.sub(r"[\s\-_.]", "", (raw or "").upper())
    match = re.fullmatch(rf"{re.escape(prefix)}(\d{{2}})(\d{{{SERIAL_WIDTH},9}})(\d)", compact)
    if not match:
        raise MalformedApplicationId(raw)
    year, serial, check = int(match[1]), int(match[2]), int(match[3])
    candidate = ApplicationId(year=year, serial=serial)
    if candidate.check_digit != check or serial == 0:
        raise MalformedApplicationId(raw)
    return str(candidate)
