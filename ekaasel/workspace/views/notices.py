"""The official's notices: new work, reminders and escalations addressed to him."""

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import ngettext
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from ekaasel.notifications.officials import notices_mark_read
from ekaasel.notifications.selectors import notices_for
from ekaasel.workspace.access import current_official, official_required

PAGE_SIZE = 50


@never_cache
@require_http_methods(["GET", "POST"])
@official_required
def notices(request: HttpRequest) -> HttpResponse:
    """List the official's notices; POST marks them all as read."""
    official = current_official(request)
    if request.method == "POST":
        count = notices_mark_read(official=official)
        messages.success(request, ngettext("%(count)d notice marked as read.", "%(count)d notices marked as read.",
                                           count) % {"count": count})
        return redirect("workspace:notices")
    page = Paginator(notices_for(official=official), PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "workspace/notices.html", {"official": official, "page": page})
