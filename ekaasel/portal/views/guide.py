"""The user guide: short pages for citizens, a guide for officials and a FAQ, in the page's language; and
the whole guide as one PDF per language.

Long-form text lives in one content template per page and language (`portal/guide/content/<slug>.<lang>.html`),
chosen by the active language with English as the fallback. Every number a page quotes (time limits, code
validity, attachment limits, SMS keywords) comes from the settings, so the guide says what the system does.
"""

from dataclasses import dataclass
from datetime import timedelta
from hashlib import sha256
from pathlib import Path
from typing import Any, Final

from django.apps import apps
from django.conf import settings
from django.core.cache import cache
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.template import loader
from django.template.backends.django import Template
from django.templatetags.static import static
from django.utils import translation
from django.utils.cache import patch_cache_control
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_safe

from ekaasel.grievances.application_id import ApplicationId
from ekaasel.notifications.sms_commands import KEYWORDS

# A browser or proxy may keep the PDF this long; the server keeps its rendering as long.
PDF_CACHE_SECONDS: Final = 24 * 60 * 60
SHOTS_STATIC_DIR: Final = "portal/guide/shots/"


@dataclass(frozen=True)
class GuidePage:
    """One page of the guide: its address, its title and the line that describes it in the index."""

    slug: str
    title: Promise
    summary: Promise


CITIZEN_PAGES: Final = (
    GuidePage("filing", _("How to file a grievance"),
              _("What to have ready, the three steps, and the application ID you receive.")),
    GuidePage("verification", _("The code sent to your mobile"),
              _("Why we send a code by SMS, how long it is valid, and what to do if it does not arrive.")),
    GuidePage("tracking", _("Tracking your grievance"),
              _("The status with the application ID alone, and the details after a code.")),
    GuidePage("time-limits", _("What happens next, and the time limits"),
              _("Assessment, forwarding to the agency, due dates and escalation.")),
    GuidePage("rating-appeal", _("Rating, appealing or withdrawing"),
              _("What you can do when your grievance is answered, or when you no longer need an answer.")),
    GuidePage("sms", _("Using eKaaSel by SMS"),
              _("The STATUS, NEW and HELP commands, in English and in Dzongkha.")),
    GuidePage("privacy", _("Your personal data"),
              _("What is stored, who sees it, and what others can see.")),
)
OFFICIALS_PAGE: Final = GuidePage(
    "officials", _("Guide for officials"),
    _("Signing in, the queues, the grievance page and its actions, dashboards, reports and API tokens."),
)
FAQ_PAGE: Final = GuidePage("faq", _("Frequently asked questions"), _("Short answers to common questions."))
ALL_PAGES: Final = (*CITIZEN_PAGES, FAQ_PAGE, OFFICIALS_PAGE)
_BY_SLUG: Final = {page.slug: page for page in ALL_PAGES}


def content_template(slug: str, language: str | None) -> Template:
    """The page's long-form text in `language`, else in English."""
    names = []
    if language:
        names += [f"portal/guide/content/{slug}.{language}.html", f"portal/guide/content/{slug}.{language[:2]}.html"]
    names.append(f"portal/guide/content/{slug}.en.html")
    return loader.select_template(names)


def sms_keywords() -> dict[str, dict[str, list[str]]]:
    """Each SMS command's keywords by language: {"status": {"en": ["STATUS", "STAT"], "dz": [...]}, ...}."""
    found: dict[str, dict[str, list[str]]] = {}
    for keyword, (command, language) in KEYWORDS.items():
        found.setdefault(str(command), {}).setdefault(language, []).append(keyword)
    return found


def guide_facts() -> dict[str, Any]:
    """The numbers and words the guide quotes, as the settings make them."""
    cfg = settings.EKAASEL
    return {
        "assessment_days": cfg["ASSESSMENT_WORKING_DAYS"],
        "resolution_days": cfg["DEFAULT_RESOLUTION_WORKING_DAYS"],
        "pmo_escalation_days": cfg["PMO_ESCALATION_AFTER_WORKING_DAYS"],
        "appeal_days": cfg["APPEAL_WINDOW_DAYS"],
        "auto_close_days": cfg["AUTO_CLOSE_AFTER_DAYS"],
        "otp_minutes": cfg["OTP_VALID_SECONDS"] // 60,
        "otp_attempts": cfg["OTP_MAX_ATTEMPTS"],
        "otp_per_number": cfg["OTP_MAX_PER_NUMBER"],
        "otp_number_window_minutes": cfg["OTP_NUMBER_WINDOW_SECONDS"] // 60,
        "session_minutes": cfg["CITIZEN_SESSION_SECONDS"] // 60,
        "attachments_max": cfg["ATTACHMENTS_MAX_COUNT"],
        "attachment_max_mb": cfg["ATTACHMENT_MAX_BYTES"] // (1024 * 1024),
        "mobile_prefixes": cfg["MOBILE_PREFIXES"],
        "example_id": str(ApplicationId(year=26, serial=4821)),
        "sms_keywords": sms_keywords(),
        "sms_sender": settings.SMS_SENDER,
        "portal_url": settings.PORTAL_URL,
        "official_idle_minutes": settings.WORKSPACE_IDLE_SECONDS // 60,
        "official_lock_attempts": settings.AXES_FAILURE_LIMIT,
        "official_lock_minutes": round(timedelta(hours=settings.AXES_COOLOFF_TIME).total_seconds() / 60),
    }


def _neighbours(page: GuidePage) -> tuple[GuidePage | None, GuidePage | None]:
    index = ALL_PAGES.index(page)
    previous = ALL_PAGES[index - 1] if index > 0 else None
    following = ALL_PAGES[index + 1] if index + 1 < len(ALL_PAGES) else None
    return previous, following


@require_safe
def index(request: HttpRequest) -> HttpResponse:
    """The guide's contents: the citizens' sections, the officials' guide, the FAQ and the PDFs."""
    return render(request, "portal/guide/index.html", {
        "citizen_pages": CITIZEN_PAGES,
        "officials_page": OFFICIALS_PAGE,
        "faq_page": FAQ_PAGE,
        "pdf_languages": settings.LANGUAGES,
    })


@require_safe
def page(request: HttpRequest, slug: str) -> HttpResponse:
    """One page of the guide in the page's language (English when it has no text in that language)."""
    guide_page = _BY_SLUG.get(slug)
    if guide_page is None:
        raise Http404(_("No such page in the guide."))
    previous, following = _neighbours(guide_page)
    return render(request, "portal/guide/page.html", {
        **guide_facts(),
        "page": guide_page,
        "content": content_template(slug, translation.get_language()),
        "previous": previous,
        "next": following,
        "shots": static(SHOTS_STATIC_DIR),
    })


# PDF


def shots_directory() -> Path:
    return Path(apps.get_app_config("portal").path) / "static" / SHOTS_STATIC_DIR


def render_guide_pdf(language: str) -> bytes:
    """The whole guide (citizens, officials, FAQ) in `language`, with its screenshots, as an A4 PDF."""
    from weasyprint import HTML

    from ekaasel.reports.periodic import FONT_FAMILY

    with translation.override(language):
        html = loader.render_to_string("portal/guide/pdf.html", {
            **guide_facts(),
            "font_family": FONT_FAMILY,
            "sections": [(p, content_template(p.slug, language)) for p in ALL_PAGES],
            "shots": shots_directory().as_uri() + "/",
        })
    return bytes(HTML(string=html, base_url=str(shots_directory())).write_pdf())


@require_safe
def pdf(request: HttpRequest, language: str) -> HttpResponse:
    """The guide as a PDF in `language`; rendered once per day and language, and cacheable as long."""
    if language not in dict(settings.LANGUAGES):
        raise Http404(_("The guide is not available in this language."))
    fingerprint = sha256(repr(sorted(guide_facts().items())).encode()).hexdigest()[:16]
    key = f"portal:guide-pdf:{language}:{fingerprint}"
    document = cache.get(key)
    if document is None:
        document = render_guide_pdf(language)
        cache.set(key, document, PDF_CACHE_SECONDS)
    response = HttpResponse(document, content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="ekaasel-guide-{language}.pdf"'
    response["Content-Language"] = language
    patch_cache_control(response, public=True, max_age=PDF_CACHE_SECONDS)
    return response
