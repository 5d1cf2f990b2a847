"""Notices to officials: an in-app row and, when the official has a mobile number, an SMS.

Called inside a domain action's transaction, like queue_sms; idempotent per event and official.
"""

from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING

from django.conf import settings

from ekaasel.core import clock
from ekaasel.notifications.models import Notice, NoticeKind
from ekaasel.notifications.outbox import queue_sms
from ekaasel.notifications.templates_registry import render

if TYPE_CHECKING:
    from ekaasel.grievances.models import Grievance
    from ekaasel.identity.models import Official


def notify_officials(
    *,
    officials: Iterable["Official"],
    grievance: "Grievance",
    kind: NoticeKind,
    context: Mapping[str, object],
    event_key: str,
) -> list[Notice]:
    """Give each official a notice (and an SMS if he has a mobile) about `grievance`."""
    language = settings.LANGUAGE_CODE
    template = f"official_{kind}"
    text = render(template, language, context)
    notices = []
    for official in officials:
        key = f"{event_key}:official:{official.pk}"
        notice, created = Notice.objects.get_or_create(
            event_key=key,
            defaults={"official": official, "grievance": grievance, "kind": kind, "text": text},
        )
        notices.append(notice)
        if created and official.mobile:
            queue_sms(to=official.mobile, template=template, context=context, language=language,
                      event_key=f"{key}:sms", grievance=grievance)
    return notices


def notices_mark_read(*, official: "Official") -> int:
    """Mark all of the official's unread notices as read; returns how many."""
    return Notice.objects.filter(official=official, read_at__isnull=True).update(read_at=clock.now())
