"""Ministries, departments, the public-service catalogue, districts and the holiday calendar.

All of it is data an administrator keeps (and `load_catalogue` imports), so another government
can adopt the system by changing data, not code.
"""

from django.db import models
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _


def localised(name: str, name_dz: str) -> str:
    """The Dzongkha name while Dzongkha is active and the catalogue has one; else the English name."""
    if name_dz and (get_language() or "").startswith("dz"):
        return name_dz
    return name


class Ministry(models.Model):
    code = models.SlugField(_("code"), max_length=20, unique=True)
    name = models.CharField(_("name"), max_length=200)
    name_dz = models.CharField(_("name in Dzongkha"), max_length=200, blank=True)
    resolution_working_days = models.PositiveSmallIntegerField(
        _("resolution time limit (working days)"), default=15
    )
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("ministry")
        verbose_name_plural = _("ministries")

    def __str__(self) -> str:
        return localised(self.name, self.name_dz)


class Department(models.Model):
    ministry = models.ForeignKey(Ministry, on_delete=models.PROTECT, related_name="departments")
    code = models.SlugField(_("code"), max_length=30, unique=True)
    name = models.CharField(_("name"), max_length=200)
    name_dz = models.CharField(_("name in Dzongkha"), max_length=200, blank=True)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering = ["ministry__name", "name"]
        verbose_name = _("department")
        verbose_name_plural = _("departments")

    def __str__(self) -> str:
        return localised(self.name, self.name_dz)


class ServiceDelivery(models.TextChoices):
    ONLINE = "online", _("Online service")
    MOBILE = "mobile", _("Mobile service")
    COUNTER = "counter", _("Over the counter")


class Service(models.Model):
    """A public service a citizen can complain about."""

    code = models.SlugField(_("code"), max_length=40, unique=True)
    name = models.CharField(_("name"), max_length=255)
    name_dz = models.CharField(_("name in Dzongkha"), max_length=255, blank=True)
    ministry = models.ForeignKey(Ministry, on_delete=models.PROTECT, related_name="services")
    department = models.ForeignKey(
        Department, on_delete=models.PROTECT, related_name="services", null=True, blank=True
    )
    delivery = models.CharField(_("delivery"), max_length=10, choices=ServiceDelivery.choices)
    resolution_working_days = models.PositiveSmallIntegerField(
        _("resolution time limit override (working days)"), null=True, blank=True
    )
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering = ["ministry__name", "name"]
        verbose_name = _("service")
        verbose_name_plural = _("services")

    def __str__(self) -> str:
        return localised(self.name, self.name_dz)


class District(models.Model):
    """A dzongkhag in Bhutan; a district or province elsewhere."""

    code = models.SlugField(_("code"), max_length=20, unique=True)
    name = models.CharField(_("name"), max_length=100)
    name_dz = models.CharField(_("name in Dzongkha"), max_length=100, blank=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("district")
        verbose_name_plural = _("districts")

    def __str__(self) -> str:
        return localised(self.name, self.name_dz)


class Holiday(models.Model):
    date = models.DateField(_("date"), unique=True)
    name = models.CharField(_("name"), max_length=200)

    class Meta:
        ordering = ["date"]
        verbose_name = _("holiday")
        verbose_name_plural = _("holidays")

    def __str__(self) -> str:
        return f"{self.date:%Y-%m-%d} {self.name}"
