"""Fixtures for the catalogue tests: the shipped document, and a way to empty the catalogue tables."""

import copy
from collections.abc import Callable
from typing import Any

import pytest

from ekaasel.organisations.catalogue import DEFAULT_CATALOGUE_PATH, read_catalogue_file
from ekaasel.organisations.models import Department, District, Holiday, Ministry, Service

_SHIPPED = read_catalogue_file(DEFAULT_CATALOGUE_PATH)


@pytest.fixture
def shipped() -> dict[str, Any]:
    """A private copy of the catalogue document shipped in ekaasel/organisations/data/."""
    return copy.deepcopy(_SHIPPED)


def shipped_row_count(document: dict[str, Any]) -> int:
    """Rows an import of `document` touches: ministries, departments, services, districts, holidays."""
    ministries = document.get("ministries", [])
    return (
        len(ministries)
        + sum(len(m.get("departments", [])) for m in ministries)
        + len(document.get("services", []))
        + len(document.get("districts", []))
        + len(document.get("holidays", []))
    )


def _empty_catalogue() -> None:
    # Children first: the foreign keys protect.
    for model in (Service, Department, Ministry, District, Holiday):
        model._default_manager.all().delete()


@pytest.fixture
def empty_catalogue() -> Callable[[], None]:
    return _empty_catalogue


def catalogue_counts() -> dict[str, int]:
    return {
        "ministries": Ministry.objects.count(),
        "departments": Department.objects.count(),
        "services": Service.objects.count(),
        "districts": District.objects.count(),
        "holidays": Holiday.objects.count(),
    }
