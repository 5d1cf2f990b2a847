"""SMS gateway backends. `get_backend()` returns the one that settings.SMS_BACKEND names."""

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.utils.module_loading import import_string

from ekaasel.notifications.backends.base import (
    PermanentFailure,
    SendResult,
    SmsBackend,
    SmsSendError,
    TemporaryFailure,
)

# Short names for the backends that ship with eKaaSel; anything else is a dotted path to a class.
BUILTIN_BACKENDS = {
    "console": "ekaasel.notifications.backends.console.ConsoleBackend",
    "kannel": "ekaasel.notifications.backends.kannel.KannelBackend",
}

__all__ = [
    "BUILTIN_BACKENDS",
    "PermanentFailure",
    "SendResult",
    "SmsBackend",
    "SmsSendError",
    "TemporaryFailure",
    "get_backend",
]


def get_backend() -> SmsBackend:
    """The configured SMS backend: a short name from BUILTIN_BACKENDS or a dotted path to an SmsBackend."""
    name = settings.SMS_BACKEND
    path = BUILTIN_BACKENDS.get(name, name)
    try:
        backend_class = import_string(path)
    except ImportError as exc:
        raise ImproperlyConfigured(f"SMS_BACKEND {name!r} cannot be imported: {exc}") from exc
    if not (isinstance(backend_class, type) and issubclass(backend_class, SmsBackend)):
        raise ImproperlyConfigured(f"SMS_BACKEND {name!r} is not an SmsBackend subclass.")
    return backend_class()
