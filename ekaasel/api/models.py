"""API tokens: how officials' systems (and Open311 clients) authenticate. Only a hash is stored."""

from django.db import models
from django.utils.translation import gettext_lazy as _

from ekaasel.core import clock
from ekaasel.identity.models import Official


class ApiToken(models.Model):
    """A bearer token issued to an official; it acts with his role and remit until revoked."""

    official = models.ForeignKey(Official, on_delete=models.PROTECT, related_name="api_tokens")
    name = models.CharField(_("name"), max_length=100)
    # SHA-256 of the token: the plaintext is shown once, when issued, and never stored.
    token_hash = models.CharField(max_length=64, unique=True)
    # The first characters of the token, so an official can tell his tokens apart.
    prefix = models.CharField(max_length=12)
    created_at = models.DateTimeField(default=clock.now)
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    # Declared so type checking works before the app is listed in INSTALLED_APPS.
    objects: models.Manager["ApiToken"] = models.Manager()

    class Meta:
        verbose_name = _("API token")
        verbose_name_plural = _("API tokens")

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None
