"""Small display helpers for the portal's templates."""

from django import template

from ekaasel.identity.validation import mask_mobile as _mask_mobile
from ekaasel.organisations.models import District, Ministry, Service
from ekaasel.portal.forms import local_name as _local_name

register = template.Library()


@register.filter
def local_name(thing: Ministry | Service | District | None) -> str:
    """The name in the page's language (Dzongkha when recorded)."""
    return "" if thing is None else _local_name(thing)


@register.filter
def mask_mobile(e164: str) -> str:
    return _mask_mobile(e164)


@register.filter
def mask_national_id(national_id: str) -> str:
    """Only the last 4 digits: enough for the owner to recognise his CID on a shared screen."""
    value = national_id or ""
    return "•" * max(len(value) - 4, 0) + value[-4:]
