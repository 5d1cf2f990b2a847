"""Reference data kept per process: rows administrators change rarely (holidays, the catalogue, message
texts), which a filing would otherwise read on every request."""

import threading
import time
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.db import models
from django.db.models.signals import post_delete, post_migrate, post_save

# How long a process keeps reference data that administrators change (holidays, catalogue, message texts) before it
# reads them again; EKAASEL["REFERENCE_CACHE_SECONDS"] overrides it, 0 reads them every time.
REFERENCE_CACHE_SECONDS = 60.0


class ReferenceCache[T]:
    """Rows administrators change rarely (holidays, message templates), read once per process and kept.

    Why not read them on every request: a filing needs both, and each read is a statement. Why a time limit
    as well as the signals: a change saved in one process (an administrator's request) fires the signals
    only there; the other app server processes see it when their copy expires, after at most
    REFERENCE_CACHE_SECONDS. The process that saved the change reads afresh for that long: the change may
    not be committed yet, or be rolled back, and neither may stay in the copy. Changes made without signals
    (QuerySet.update, raw SQL) are seen after the time limit, in every process.
    """

    def __init__(self, load: Callable[[], T], *, models_changing: tuple[type[models.Model], ...]) -> None:
        self._load = load
        self._lock = threading.Lock()
        self._value: T | None = None
        self._loaded_at = 0.0
        self._changed_at: float | None = None
        for model in models_changing:
            post_save.connect(self.changed, sender=model, weak=False)
            post_delete.connect(self.changed, sender=model, weak=False)
        post_migrate.connect(self.changed, weak=False)  # also sent after `flush`

    @staticmethod
    def seconds() -> float:
        return float(settings.EKAASEL.get("REFERENCE_CACHE_SECONDS", REFERENCE_CACHE_SECONDS))

    def get(self) -> T:
        """The data, from this process's copy while it is fresh enough."""
        now, seconds = time.time(), self.seconds()
        with self._lock:
            changed_at, value, loaded_at = self._changed_at, self._value, self._loaded_at
        if changed_at is not None and 0 <= now - changed_at < seconds:
            return self._load()  # changed here moments ago: maybe not committed, maybe rolled back
        if value is not None and 0 <= now - loaded_at < seconds:
            return value
        value = self._load()
        with self._lock:
            if self._changed_at == changed_at:  # no change was signalled while it was being read
                self._value, self._loaded_at = value, now
        return value

    def changed(self, **kwargs: Any) -> None:
        """Signal receiver: a row was saved or deleted in this process; forget the copy."""
        with self._lock:
            self._value = None
            self._changed_at = time.time()
