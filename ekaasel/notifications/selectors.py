"""Reads of notices, scoped to the official they are for."""

from django.db.models import QuerySet

from ekaasel.identity.models import Official
from ekaasel.notifications.models import Notice


def notices_for(*, official: Official) -> QuerySet[Notice]:
    """The official's own notices, newest first."""
    return Notice.objects.filter(official=official).select_related("grievance").order_by("-created_at", "-id")


def unread_notice_count(*, official: Official) -> int:
    return Notice.objects.filter(official=official, read_at__isnull=True).count()
