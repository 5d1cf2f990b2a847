"""The queue page: the grievances within the official's remit, filtered, searched and paginated."""

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe

from ekaasel.core import clock
from ekaasel.core.paging import CappedPaginator
from ekaasel.grievances.selectors import Queue, grievance_queue
from ekaasel.identity.models import Role
from ekaasel.workspace.access import current_official, official_required
from ekaasel.workspace.forms import QueueFilterForm

PAGE_SIZE = 25
# Beyond this many matching grievances the page says "more than" instead of counting them all.
COUNT_CAP = 10_000


@never_cache
@require_safe
@official_required
def queue(request: HttpRequest) -> HttpResponse:
    """The official's queue (or the returned / all tab), narrowed by the GET filters."""
    official = current_official(request)
    form = QueueFilterForm(request.GET or None)
    filters = form.filters() if form.is_bound else QueueFilterForm({}).filters()
    grievances = grievance_queue(official=official, filters=filters)
    page = CappedPaginator(grievances, PAGE_SIZE, cap=COUNT_CAP).get_page(request.GET.get("page"))
    # The current filters without the page number, for the pagination links.
    query = request.GET.copy()
    query.pop("page", None)
    tab_query = request.GET.copy()
    for key in ("page", "queue"):
        tab_query.pop(key, None)
    return render(request, "workspace/queue.html", {
        "official": official,
        "form": form,
        "filters": filters,
        "page": page,
        "now": clock.now(),
        "query": query.urlencode(),
        "tab_query": tab_query.urlencode(),
        "is_assessor": official.role == Role.ASSESSOR,
        "is_agency": official.is_agency,
        "queue_mine": Queue.MINE,
        "queue_returned": Queue.RETURNED,
        "queue_all": Queue.ALL,
        "page_has_errors": bool(form.is_bound and form.errors),
    })
