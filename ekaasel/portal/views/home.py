"""The portal's front page."""

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_safe


@require_safe
def home(request: HttpRequest) -> HttpResponse:
    """What eKaaSel is, the three ways in, and how a grievance is handled (with its time limits)."""
    cfg = settings.EKAASEL
    return render(
        request,
        "portal/home.html",
        {
            "assessment_days": cfg["ASSESSMENT_WORKING_DAYS"],
            "resolution_days": cfg["DEFAULT_RESOLUTION_WORKING_DAYS"],
            "appeal_days": cfg["APPEAL_WINDOW_DAYS"],
            "auto_close_days": cfg["AUTO_CLOSE_AFTER_DAYS"],
        },
    )
