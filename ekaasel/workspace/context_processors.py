"""Template context for workspace pages: the signed-in official's unread notices."""

from django.http import HttpRequest

from ekaasel.notifications.selectors import unread_notice_count
from ekaasel.workspace.access import can_read_reports, has_dashboard, official_for


def workspace(request: HttpRequest) -> dict[str, object]:
    """Only on /workspace/ pages for a verified official; nothing (and no query) elsewhere."""
    if not request.path.startswith("/workspace/") or not getattr(request.user, "is_verified", lambda: False)():
        return {}
    official = official_for(request.user)
    if official is None:
        return {}
    return {
        "unread_notices": unread_notice_count(official=official),
        "menu_dashboard": has_dashboard(official),
        "menu_reports": can_read_reports(official),
    }
