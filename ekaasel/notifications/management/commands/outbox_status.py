"""`manage.py outbox_status`: how many messages are in each state, and how long the oldest has waited."""

from datetime import timedelta
from typing import Any

from django.core.management.base import BaseCommand
from django.db.models import Count, Min
from django.utils.translation import gettext as _

from ekaasel.core import clock
from ekaasel.notifications.models import Message, MessageStatus


def format_age(age: timedelta) -> str:
    """A duration as 1h02m03s / 4m05s / 6s, for operators scanning a terminal."""
    seconds = max(int(age.total_seconds()), 0)
    hours, rest = divmod(seconds, 3600)
    minutes, secs = divmod(rest, 60)
    if hours:
        return f"{hours}h{minutes:02d}m{secs:02d}s"
    if minutes:
        return f"{minutes}m{secs:02d}s"
    return f"{secs}s"


class Command(BaseCommand):
    help = "Print the number of outbox messages per status and the age of the oldest queued message."

    def handle(self, *args: Any, **options: Any) -> None:
        counts = dict(Message.objects.order_by().values_list("status").annotate(n=Count("id")))
        width = max(len(str(status.label)) for status in MessageStatus)
        for status in MessageStatus:
            self.stdout.write(f"{status.label!s:<{width}}  {counts.get(status.value, 0):>8}")
        oldest = Message.objects.filter(status=MessageStatus.QUEUED).aggregate(oldest=Min("created_at"))["oldest"]
        if oldest is None:
            self.stdout.write(_("No message is waiting."))
        else:
            self.stdout.write(
                _("Oldest queued message: %(age)s old (since %(since)s).")
                % {"age": format_age(clock.now() - oldest), "since": oldest.isoformat(timespec="seconds")}
            )
