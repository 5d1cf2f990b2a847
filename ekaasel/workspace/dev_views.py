"""Developer tools: /dev/totp/ shows each demo official's current second-factor code. Never in production."""

import time

from django.conf import settings
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from ekaasel.identity.models import Official, Role
from ekaasel.workspace.demo import DEMO_OFFICIAL_PASSWORD


def current_code(device: TOTPDevice) -> str:
    """The code the official's authenticator app shows now, as six (or `digits`) characters."""
    code = totp(device.bin_key, step=device.step, t0=device.t0, digits=device.digits, drift=device.drift)
    return str(code).zfill(device.digits)


def remit(official: Official) -> str:
    if official.role == Role.ADMINISTRATOR:
        return _("Configuration (Django admin)")
    if official.role == Role.MONITOR:
        return _("All grievances, read only")
    if official.department is not None:
        return f"{official.department.name} ({official.ministry.name if official.ministry else ''})"
    if official.ministry is not None:
        return official.ministry.name
    return _("All grievances")


@never_cache
def dev_totp(request: HttpRequest) -> HttpResponse:
    if not settings.EKAASEL["DEV_TOOLS"]:
        raise Http404
    officials = Official.objects.select_related("user", "ministry", "department").order_by("role", "user__username")
    devices: dict[int, TOTPDevice] = {}
    for device in TOTPDevice.objects.filter(confirmed=True).order_by("-pk"):
        devices[device.user_id] = device
    rows = [
        {"official": official, "remit": remit(official),
         "code": current_code(devices[official.user_id]) if official.user_id in devices else None}
        for official in officials
    ]
    step = 30
    seconds_left = step - int(time.time()) % step
    return render(
        request,
        "workspace/dev_totp.html",
        {"rows": rows, "seconds_left": seconds_left, "password": DEMO_OFFICIAL_PASSWORD},
    )
