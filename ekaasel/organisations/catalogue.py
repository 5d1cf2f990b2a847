"""Import and export of the catalogue: ministries and departments, services, districts, holidays.

The catalogue is one JSON document (``data/catalogue.json`` ships Bhutan's). `import_catalogue`
checks the whole document before it writes anything, then creates or updates rows by their natural
key (``code``, or ``date`` for holidays) in one transaction. Rows the document no longer lists are
never deleted — grievances may point at them — but reported, and deactivated on request.
`export_catalogue` writes the same shape back from the database, so an administrator can edit in
the admin, export, and import on another server.

Document shape (every section optional; a section that is present is authoritative for its kind)::

    {"format": "ekaasel-catalogue", "version": 1, "source_note": "...",
     "ministries": [{"code", "name", "name_dz", "resolution_working_days", "is_active"?,
                     "departments": [{"code", "name", "name_dz", "is_active"?}]}],
     "services": [{"code", "name", "name_dz", "ministry", "department", "delivery",
                   "resolution_working_days", "is_active"?}],
     "districts": [{"code", "name", "name_dz"}],
     "holidays": [{"date": "YYYY-MM-DD", "name"}]}
"""

import json
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from django.db import models, transaction
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from ekaasel.core.errors import InvalidInput
from ekaasel.organisations.models import Department, District, Holiday, Ministry, Service, ServiceDelivery

CATALOGUE_FORMAT = "ekaasel-catalogue"
CATALOGUE_VERSION = 1
DEFAULT_CATALOGUE_PATH = Path(__file__).resolve().parent / "data" / "catalogue.json"

# A resolution limit outside this range is a typo, not a policy.
MIN_WORKING_DAYS = 1
MAX_WORKING_DAYS = 365

_SLUG = re.compile(r"^[-a-zA-Z0-9_]+\Z")
_TOP_LEVEL_KEYS = {"format", "version", "source_note", "ministries", "services", "districts", "holidays"}
_SECTIONS = ("ministries", "services", "districts", "holidays")
# How many problems one error message lists before it stops (the rest are counted).
_MAX_ERRORS_SHOWN = 30


class CatalogueError(InvalidInput):
    """The catalogue document is unreadable or inconsistent; nothing was written."""

    def __init__(self, problems: list[str]) -> None:
        shown = problems[:_MAX_ERRORS_SHOWN]
        count = len(problems)
        lines = [
            ngettext(
                "The catalogue has %(count)d problem; nothing was imported:",
                "The catalogue has %(count)d problems; nothing was imported:",
                count,
            ) % {"count": count}
        ]
        lines += [f"- {problem}" for problem in shown]
        if len(problems) > len(shown):
            lines.append(_("… and %(count)d more.") % {"count": len(problems) - len(shown)})
        super().__init__("\n".join(lines))
        self.problems = problems


# --- report ---------------------------------------------------------------------------------------


@dataclass
class KindReport:
    """What an import did to one kind of row."""

    created: int = 0
    updated: int = 0
    unchanged: int = 0
    # Keys present (and active) in the database but absent from the document.
    missing: list[str] = field(default_factory=list)
    # Of those, the ones this import deactivated (ministries, departments, services) or deleted (holidays).
    deactivated: list[str] = field(default_factory=list)
    deleted: list[str] = field(default_factory=list)


@dataclass
class ImportReport:
    """The outcome of `import_catalogue`, one `KindReport` per kind of row."""

    ministries: KindReport = field(default_factory=KindReport)
    departments: KindReport = field(default_factory=KindReport)
    services: KindReport = field(default_factory=KindReport)
    districts: KindReport = field(default_factory=KindReport)
    holidays: KindReport = field(default_factory=KindReport)
    dry_run: bool = False

    def kinds(self) -> list[tuple[str, KindReport]]:
        """(kind, report) pairs in import order; the kind is the section name."""
        return [
            ("ministries", self.ministries),
            ("departments", self.departments),
            ("services", self.services),
            ("districts", self.districts),
            ("holidays", self.holidays),
        ]

    @property
    def created(self) -> int:
        return sum(kind.created for _name, kind in self.kinds())

    @property
    def updated(self) -> int:
        return sum(kind.updated for _name, kind in self.kinds())

    @property
    def unchanged(self) -> int:
        return sum(kind.unchanged for _name, kind in self.kinds())

    @property
    def changed(self) -> bool:
        """Whether the import wrote anything (or would have, for a dry run)."""
        return any(
            kind.created or kind.updated or kind.deactivated or kind.deleted for _name, kind in self.kinds()
        )


# --- parsed rows ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class _MinistryRow:
    code: str
    name: str
    name_dz: str
    resolution_working_days: int
    is_active: bool


@dataclass(frozen=True)
class _DepartmentRow:
    code: str
    ministry: str
    name: str
    name_dz: str
    is_active: bool


@dataclass(frozen=True)
class _ServiceRow:
    code: str
    name: str
    name_dz: str
    ministry: str
    department: str | None
    delivery: str
    resolution_working_days: int | None
    is_active: bool


@dataclass(frozen=True)
class _DistrictRow:
    code: str
    name: str
    name_dz: str


@dataclass(frozen=True)
class _HolidayRow:
    date: date
    name: str


@dataclass
class _Catalogue:
    """The validated document. A section is None when the document leaves it out."""

    ministries: list[_MinistryRow] | None = None
    departments: list[_DepartmentRow] | None = None
    services: list[_ServiceRow] | None = None
    districts: list[_DistrictRow] | None = None
    holidays: list[_HolidayRow] | None = None


def _max_length(model: type[models.Model], field_name: str) -> int:
    model_field = model._meta.get_field(field_name)
    assert isinstance(model_field, models.CharField) and model_field.max_length is not None
    return model_field.max_length


class _Row:
    """Typed access to one row of the document; problems go to the shared list, named by the row."""

    def __init__(self, data: Any, where: str, problems: list[str], allowed: set[str]) -> None:
        self.where = where
        self.problems = problems
        self.ok = isinstance(data, dict)
        self.data: dict[str, Any] = data if isinstance(data, dict) else {}
        if not self.ok:
            self.problem(_("must be an object with named fields"))
            return
        code = self.data.get("code", self.data.get("date"))
        if isinstance(code, str) and code:
            self.where = f'{where} "{code}"'
        for key in sorted(set(self.data) - allowed):
            self.problem(_('unknown field "%(field)s"') % {"field": key})

    def problem(self, message: str) -> None:
        self.problems.append(f"{self.where}: {message}")
        self.ok = False

    def text(self, key: str, *, max_length: int, required: bool = True) -> str:
        value = self.data.get(key)
        if value is None and not required:
            return ""
        if not isinstance(value, str) or (required and not value.strip()):
            if required:
                self.problem(_('"%(field)s" must be a non-empty text') % {"field": key})
            else:
                self.problem(_('"%(field)s" must be a text') % {"field": key})
            return ""
        value = value.strip()
        if len(value) > max_length:
            self.problem(
                _('"%(field)s" is longer than %(max)d characters') % {"field": key, "max": max_length}
            )
        return value

    def code(self, key: str, *, max_length: int) -> str:
        value = self.text(key, max_length=max_length)
        if value and not _SLUG.match(value):
            self.problem(
                _('"%(field)s" must contain only letters, digits, hyphens and underscores, not "%(value)s"')
                % {"field": key, "value": value}
            )
        return value

    def optional_code(self, key: str, *, max_length: int) -> str | None:
        if self.data.get(key) is None:
            return None
        return self.code(key, max_length=max_length)

    def working_days(self, key: str, *, required: bool) -> int | None:
        value = self.data.get(key)
        if value is None and not required:
            return None
        if (
            not isinstance(value, int)
            or isinstance(value, bool)
            or not MIN_WORKING_DAYS <= value <= MAX_WORKING_DAYS
        ):
            self.problem(
                _('"%(field)s" must be a whole number of working days from %(min)d to %(max)d')
                % {"field": key, "min": MIN_WORKING_DAYS, "max": MAX_WORKING_DAYS}
            )
            return None
        return value

    def flag(self, key: str, *, default: bool) -> bool:
        value = self.data.get(key, default)
        if not isinstance(value, bool):
            self.problem(_('"%(field)s" must be true or false') % {"field": key})
            return default
        return value

    def day(self, key: str) -> date:
        value = self.data.get(key)
        try:
            if not isinstance(value, str):
                raise ValueError(value)
            return date.fromisoformat(value)
        except ValueError:
            self.problem(_('"%(field)s" must be a date written YYYY-MM-DD') % {"field": key})
            return date.min


def _section(document: Mapping[str, Any], key: str, problems: list[str]) -> list[Any] | None:
    if key not in document:
        return None
    value = document[key]
    if not isinstance(value, list):
        problems.append(_('"%(section)s" must be a list') % {"section": key})
        return None
    return value


def _check_unique(keys: Iterable[tuple[str, str]], what: str, problems: list[str]) -> None:
    """`keys` are (key, where) pairs; report every key listed more than once."""
    first_seen: dict[str, str] = {}
    for key, where in keys:
        if key in first_seen:
            problems.append(
                _('%(where)s: %(what)s "%(key)s" is already listed at %(first)s')
                % {"where": where, "what": what, "key": key, "first": first_seen[key]}
            )
        else:
            first_seen[key] = where


def _parse(document: Any) -> _Catalogue:
    """Check the document's shape and values; raise CatalogueError listing every problem found."""
    problems: list[str] = []
    if not isinstance(document, dict):
        raise CatalogueError([_("the catalogue must be a JSON object")])
    for key in sorted(set(document) - _TOP_LEVEL_KEYS):
        problems.append(_('unknown top-level field "%(field)s"') % {"field": key})
    if "format" in document and document["format"] != CATALOGUE_FORMAT:
        problems.append(_('"format" must be "%(format)s"') % {"format": CATALOGUE_FORMAT})
    if "version" in document and document["version"] != CATALOGUE_VERSION:
        problems.append(
            _("this version of eKaaSel reads catalogue version %(version)d, not %(found)s")
            % {"version": CATALOGUE_VERSION, "found": document["version"]}
        )
    if not any(section in document for section in _SECTIONS):
        problems.append(
            _("the catalogue has none of the sections %(sections)s") % {"sections": ", ".join(_SECTIONS)}
        )

    catalogue = _Catalogue()
    ministry_data = _section(document, "ministries", problems)
    if ministry_data is not None:
        catalogue.ministries, catalogue.departments = [], []
        department_where: list[tuple[str, str]] = []
        for index, raw in enumerate(ministry_data):
            row = _Row(raw, f"ministries[{index}]", problems, {
                "code", "name", "name_dz", "resolution_working_days", "is_active", "departments",
            })
            if not row.ok:
                continue
            ministry = _MinistryRow(
                code=row.code("code", max_length=_max_length(Ministry, "code")),
                name=row.text("name", max_length=_max_length(Ministry, "name")),
                name_dz=row.text("name_dz", max_length=_max_length(Ministry, "name_dz"), required=False),
                resolution_working_days=row.working_days("resolution_working_days", required=True) or 0,
                is_active=row.flag("is_active", default=True),
            )
            departments = row.data.get("departments", [])
            if not isinstance(departments, list):
                row.problem(_('"departments" must be a list'))
                departments = []
            if row.ok:
                catalogue.ministries.append(ministry)
            for dep_index, dep_raw in enumerate(departments):
                dep = _Row(dep_raw, f"{row.where} departments[{dep_index}]", problems,
                           {"code", "name", "name_dz", "is_active"})
                if not dep.ok:
                    continue
                department = _DepartmentRow(
                    code=dep.code("code", max_length=_max_length(Department, "code")),
                    ministry=ministry.code,
                    name=dep.text("name", max_length=_max_length(Department, "name")),
                    name_dz=dep.text(
                        "name_dz", max_length=_max_length(Department, "name_dz"), required=False
                    ),
                    is_active=dep.flag("is_active", default=True),
                )
                if dep.ok:
                    catalogue.departments.append(department)
                    department_where.append((department.code, dep.where))
        _check_unique(((m.code, f"ministries \"{m.code}\"") for m in catalogue.ministries),
                      _("ministry code"), problems)
        _check_unique(department_where, _("department code"), problems)

    service_data = _section(document, "services", problems)
    if service_data is not None:
        catalogue.services = []
        service_where: list[tuple[str, str]] = []
        for index, raw in enumerate(service_data):
            row = _Row(raw, f"services[{index}]", problems, {
                "code", "name", "name_dz", "ministry", "department", "delivery",
                "resolution_working_days", "is_active",
            })
            if not row.ok:
                continue
            service = _ServiceRow(
                code=row.code("code", max_length=_max_length(Service, "code")),
                name=row.text("name", max_length=_max_length(Service, "name")),
                name_dz=row.text("name_dz", max_length=_max_length(Service, "name_dz"), required=False),
                ministry=row.code("ministry", max_length=_max_length(Ministry, "code")),
                department=row.optional_code("department", max_length=_max_length(Department, "code")),
                delivery=str(row.data.get("delivery", "")),
                resolution_working_days=row.working_days("resolution_working_days", required=False),
                is_active=row.flag("is_active", default=True),
            )
            if service.delivery not in ServiceDelivery.values:
                choices = ", ".join(ServiceDelivery.values)
                row.problem(_('"delivery" must be one of %(choices)s') % {"choices": choices})
            if row.ok:
                catalogue.services.append(service)
                service_where.append((service.code, row.where))
        _check_unique(service_where, _("service code"), problems)

    district_data = _section(document, "districts", problems)
    if district_data is not None:
        catalogue.districts = []
        district_where: list[tuple[str, str]] = []
        for index, raw in enumerate(district_data):
            row = _Row(raw, f"districts[{index}]", problems, {"code", "name", "name_dz"})
            if not row.ok:
                continue
            district = _DistrictRow(
                code=row.code("code", max_length=_max_length(District, "code")),
                name=row.text("name", max_length=_max_length(District, "name")),
                name_dz=row.text("name_dz", max_length=_max_length(District, "name_dz"), required=False),
            )
            if row.ok:
                catalogue.districts.append(district)
                district_where.append((district.code, row.where))
        _check_unique(district_where, _("district code"), problems)

    holiday_data = _section(document, "holidays", problems)
    if holiday_data is not None:
        catalogue.holidays = []
        holiday_where: list[tuple[str, str]] = []
        for index, raw in enumerate(holiday_data):
            row = _Row(raw, f"holidays[{index}]", problems, {"date", "name"})
            if not row.ok:
                continue
            holiday = _HolidayRow(
                date=row.day("date"), name=row.text("name", max_length=_max_length(Holiday, "name"))
            )
            if row.ok:
                catalogue.holidays.append(holiday)
                holiday_where.append((holiday.date.isoformat(), row.where))
        _check_unique(holiday_where, _("holiday date"), problems)

    if problems:
        raise CatalogueError(problems)
    return catalogue


def _check_references(catalogue: _Catalogue) -> None:
    """Every service names a known ministry, and a department of that same ministry.

    A document with a ministries section must be complete: its services may name only the
    ministries and departments it lists. Without one, they may name those already in the database.
    """
    if catalogue.services is None:
        return
    if catalogue.ministries is not None and catalogue.departments is not None:
        ministry_codes = {m.code for m in catalogue.ministries}
        department_ministry = {d.code: d.ministry for d in catalogue.departments}
        source = _("in the catalogue")
    else:
        ministry_codes = set(Ministry.objects.values_list("code", flat=True))
        department_ministry = dict(Department.objects.values_list("code", "ministry__code"))
        source = _("in the database")
    problems: list[str] = []
    for index, service in enumerate(catalogue.services):
        where = f'services[{index}] "{service.code}"'
        ministry_known = service.ministry in ministry_codes
        if not ministry_known:
            problems.append(
                _('%(where)s: unknown ministry "%(ministry)s" (no ministry with that code %(source)s)')
                % {"where": where, "ministry": service.ministry, "source": source}
            )
        if service.department is None:
            continue
        owner = department_ministry.get(service.department)
        if owner is None:
            problems.append(
                _('%(where)s: unknown department "%(department)s" (no department with that code %(source)s)')
                % {"where": where, "department": service.department, "source": source}
            )
        elif owner != service.ministry and ministry_known:
            problems.append(
                _('%(where)s: department "%(department)s" belongs to ministry "%(owner)s", '
                  'not "%(ministry)s"')
                % {"where": where, "department": service.department, "owner": owner,
                   "ministry": service.ministry}
            )
    if problems:
        raise CatalogueError(problems)


# --- writing --------------------------------------------------------------------------------------


def _sync[M: models.Model](
    model: type[M], key_field: str, rows: Iterable[tuple[Any, dict[str, Any]]], report: KindReport
) -> None:
    """Create or update each (key, values) row; touch only rows whose values differ."""
    rows = list(rows)
    existing = {getattr(obj, key_field): obj for obj in model._default_manager.filter(
        **{f"{key_field}__in": [key for key, _values in rows]}
    )}
    for key, values in rows:
        obj = existing.get(key)
        if obj is None:
            model._default_manager.create(**{key_field: key}, **values)
            report.created += 1
            continue
        changed = [name for name, value in values.items() if getattr(obj, name) != value]
        if not changed:
            report.unchanged += 1
            continue
        for name in changed:
            setattr(obj, name, values[name])
        obj.save(update_fields=changed)
        report.updated += 1


def _retire(
    queryset: models.QuerySet[Any], key_field: str, keep: set[Any], report: KindReport, *,
    deactivate: bool,
) -> None:
    """Report active rows absent from the document; deactivate them when asked."""
    missing = queryset.filter(is_active=True).exclude(**{f"{key_field}__in": keep})
    report.missing = sorted(str(key) for key in missing.values_list(key_field, flat=True))
    if deactivate and report.missing:
        missing.update(is_active=False)
        report.deactivated = list(report.missing)


def _write(
    catalogue: _Catalogue, report: ImportReport, *, deactivate_missing: bool, delete_missing_holidays: bool
) -> None:
    if catalogue.ministries is not None and catalogue.departments is not None:
        _sync(Ministry, "code", (
            (m.code, {"name": m.name, "name_dz": m.name_dz,
                      "resolution_working_days": m.resolution_working_days, "is_active": m.is_active})
            for m in catalogue.ministries
        ), report.ministries)
        ministry_ids = dict(Ministry.objects.values_list("code", "id"))
        _sync(Department, "code", (
            (d.code, {"ministry_id": ministry_ids[d.ministry], "name": d.name, "name_dz": d.name_dz,
                      "is_active": d.is_active})
            for d in catalogue.departments
        ), report.departments)
        _retire(Ministry.objects.all(), "code", {m.code for m in catalogue.ministries},
                report.ministries, deactivate=deactivate_missing)
        _retire(Department.objects.all(), "code", {d.code for d in catalogue.departments},
                report.departments, deactivate=deactivate_missing)

    if catalogue.services is not None:
        ministry_ids = dict(Ministry.objects.values_list("code", "id"))
        department_ids = dict(Department.objects.values_list("code", "id"))
        _sync(Service, "code", (
            (s.code, {"name": s.name, "name_dz": s.name_dz, "ministry_id": ministry_ids[s.ministry],
                      "department_id": department_ids[s.department] if s.department else None,
                      "delivery": s.delivery, "resolution_working_days": s.resolution_working_days,
                      "is_active": s.is_active})
            for s in catalogue.services
        ), report.services)
        _retire(Service.objects.all(), "code", {s.code for s in catalogue.services},
                report.services, deactivate=deactivate_missing)

    if catalogue.districts is not None:
        _sync(District, "code", (
            (d.code, {"name": d.name, "name_dz": d.name_dz}) for d in catalogue.districts
        ), report.districts)
        # Districts have no active flag and grievances point at them: report only.
        listed = {d.code for d in catalogue.districts}
        report.districts.missing = sorted(
            District.objects.exclude(code__in=listed).values_list("code", flat=True)
        )

    if catalogue.holidays is not None:
        _sync(Holiday, "date", ((h.date, {"name": h.name}) for h in catalogue.holidays), report.holidays)
        # The document speaks for the years it lists, and only those: older calendars stay, since
        # past due dates were counted with them.
        years = {h.date.year for h in catalogue.holidays}
        listed_dates = {h.date for h in catalogue.holidays}
        missing = Holiday.objects.filter(date__year__in=years).exclude(date__in=listed_dates)
        report.holidays.missing = [
            day.isoformat() for day in missing.order_by("date").values_list("date", flat=True)
        ]
        if delete_missing_holidays and report.holidays.missing:
            missing.delete()
            report.holidays.deleted = list(report.holidays.missing)


def import_catalogue(
    data: dict[str, Any], *, deactivate_missing: bool = False, delete_missing_holidays: bool = False,
    dry_run: bool = False,
) -> ImportReport:
    """Create or update the catalogue from a document, all or nothing.

    Rules: every problem in the document (shape, values, duplicates, a service naming an unknown
    ministry or department, or a department of another ministry) raises CatalogueError before
    anything is written. Rows are matched by code (holidays by date); unchanged rows are not
    written, so importing the same document twice reports everything unchanged. Ministries,
    departments and services missing from their section are reported and, with
    `deactivate_missing`, deactivated — never deleted. Holidays missing from a year the document
    lists are reported and, with `delete_missing_holidays`, deleted. `dry_run` reports what would
    change and writes nothing.
    """
    catalogue = _parse(data)
    report = ImportReport(dry_run=dry_run)
    with transaction.atomic():
        _check_references(catalogue)
        _write(catalogue, report, deactivate_missing=deactivate_missing,
               delete_missing_holidays=delete_missing_holidays)
        if dry_run:
            transaction.set_rollback(True)
    return report


# --- reading, exporting ---------------------------------------------------------------------------


def read_catalogue_file(path: Path) -> dict[str, Any]:
    """The JSON document at `path`; CatalogueError when it cannot be read or is not JSON."""
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise CatalogueError(
            [_("cannot read %(path)s: %(error)s") % {"path": path, "error": exc.strerror}]
        ) from exc
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise CatalogueError([
            _("%(path)s is not valid JSON: %(error)s (line %(line)d, column %(column)d)")
            % {"path": path, "error": exc.msg, "line": exc.lineno, "column": exc.colno}
        ]) from exc
    if not isinstance(data, dict):
        raise CatalogueError([_("%(path)s must hold a JSON object") % {"path": path}])
    return data


def export_catalogue(*, source_note: str = "") -> dict[str, Any]:
    """The whole catalogue as a document `import_catalogue` accepts, in a stable order.

    Rows are ordered by code (holidays by date); `is_active` is written only for inactive rows.
    """
    departments_by_ministry: dict[int, list[dict[str, Any]]] = {}
    for department in Department.objects.order_by("code"):
        departments_by_ministry.setdefault(department.ministry_id, []).append(
            _with_active({"code": department.code, "name": department.name, "name_dz": department.name_dz},
                         department.is_active)
        )
    document: dict[str, Any] = {"format": CATALOGUE_FORMAT, "version": CATALOGUE_VERSION}
    if source_note:
        document["source_note"] = source_note
    document["ministries"] = [
        {
            **_with_active({
                "code": ministry.code, "name": ministry.name, "name_dz": ministry.name_dz,
                "resolution_working_days": ministry.resolution_working_days,
            }, ministry.is_active),
            "departments": departments_by_ministry.get(ministry.pk, []),
        }
        for ministry in Ministry.objects.order_by("code")
    ]
    document["services"] = [
        _with_active({
            "code": service.code, "name": service.name, "name_dz": service.name_dz,
            "ministry": service.ministry.code,
            "department": service.department.code if service.department else None,
            "delivery": service.delivery, "resolution_working_days": service.resolution_working_days,
        }, service.is_active)
        for service in Service.objects.select_related("ministry", "department").order_by(
            "ministry__code", "code"
        )
    ]
    document["districts"] = [
        {"code": district.code, "name": district.name, "name_dz": district.name_dz}
        for district in District.objects.order_by("code")
    ]
    document["holidays"] = [
        {"date": holiday.date.isoformat(), "name": holiday.name}
        for holiday in Holiday.objects.order_by("date")
    ]
    return document


def _with_active(row: dict[str, Any], is_active: bool) -> dict[str, Any]:
    return row if is_active else {**row, "is_active": False}


def dump_catalogue(document: Mapping[str, Any]) -> str:
    """The document as the catalogue file is written: pretty-printed UTF-8 JSON, newline at the end."""
    return json.dumps(document, ensure_ascii=False, indent=2) + "\n"
