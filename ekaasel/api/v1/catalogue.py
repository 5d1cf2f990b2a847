"""The catalogue for filing: services (with their ministry), kinds of problem, districts."""

from typing import Any

from django.http import HttpRequest
from ninja import Query, Router

from ekaasel.api.v1.common import errors
from ekaasel.api.v1.schemas import DistrictOut, ProblemKindOut, ServiceOut
from ekaasel.grievances.models import ProblemKind
from ekaasel.organisations.selectors import district_list, service_catalogue

router = Router(tags=["catalogue"])


@router.get("/services", response={200: list[ServiceOut], **errors(422)}, auth=None)
def services(request: HttpRequest, q: str = Query("", max_length=100)) -> list[dict[str, Any]]:
    """Active public services, by ministry then name; `q` narrows by words in the name or ministry."""
    return [
        {
            "code": s.code, "name": s.name, "name_dz": s.name_dz, "delivery": s.delivery,
            "ministry": {"code": s.ministry.code, "name": s.ministry.name},
            "department": {"code": s.department.code, "name": s.department.name} if s.department else None,
        }
        for s in service_catalogue(search=q)
    ]


@router.get("/problem-kinds", response=list[ProblemKindOut], auth=None)
def problem_kinds(request: HttpRequest) -> list[dict[str, str]]:
    """The kinds of problem a grievance can be about."""
    return [{"code": value, "label": str(label)} for value, label in ProblemKind.choices]


@router.get("/districts", response=list[DistrictOut], auth=None)
def districts(request: HttpRequest) -> list[dict[str, str]]:
    """Districts (dzongkhags), by name."""
    return [{"code": d.code, "name": d.name, "name_dz": d.name_dz} for d in district_list()]
