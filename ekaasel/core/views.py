"""Operational endpoints."""

from django.http import HttpRequest, JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from ekaasel.core.health import check_health


@never_cache
@require_GET
def healthz(request: HttpRequest) -> JsonResponse:
    """200 when the database and the worker are healthy, 503 otherwise."""
    report = check_health()
    return JsonResponse(report.as_dict(), status=200 if report.healthy else 503)
