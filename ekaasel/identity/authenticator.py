"""Officials' second factor: the TOTP authenticator app (django-otp devices).

The rules live here; the workspace's sign-in pages only ask. An official has at most one confirmed
device in use at a time; while he sets one up, the same unconfirmed secret is shown on every reload.
"""

import base64
import enum
from collections.abc import Iterable
from typing import Any

import segno
from django.db import transaction
from django.utils.translation import gettext as _
from django_otp import match_token
from django_otp.plugins.otp_totp.models import TOTPDevice

SETUP_DEVICE_NAME = "Authenticator app"


class CodeCheck(enum.Enum):
    ACCEPTED = "accepted"
    WRONG = "wrong"
    # django-otp slows guessing: after a wrong code a device refuses codes for a growing moment.
    WAIT = "wait"


def _all_throttled(devices: Iterable[TOTPDevice]) -> bool:
    allowed = [device.verify_is_allowed()[0] for device in devices]
    return bool(allowed) and not any(allowed)


def check_sign_in_code(user: Any, code: str) -> tuple[CodeCheck, TOTPDevice | None]:
    """Check a code against the official's confirmed devices; the device it matched, if any."""
    if _all_throttled(TOTPDevice.objects.filter(user=user, confirmed=True)):
        return CodeCheck.WAIT, None
    device = match_token(user, code)
    if isinstance(device, TOTPDevice):
        return CodeCheck.ACCEPTED, device
    return CodeCheck.WRONG, None


def device_being_set_up(user: Any) -> TOTPDevice:
    """The official's unconfirmed device; the same secret on every reload until it is confirmed."""
    device = TOTPDevice.objects.filter(user=user, confirmed=False).order_by("pk").first()
    if device is None:
        device = TOTPDevice.objects.create(user=user, name=SETUP_DEVICE_NAME, confirmed=False)
    return device


@transaction.atomic
def confirm_device(device: TOTPDevice, code: str) -> CodeCheck:
    """Confirm a new device with the first code its app shows; other unconfirmed secrets are dropped."""
    if _all_throttled([device]):
        return CodeCheck.WAIT
    if not device.verify_token(code):
        return CodeCheck.WRONG
    device.confirmed = True
    device.save(update_fields=["confirmed"])
    TOTPDevice.objects.filter(user=device.user, confirmed=False).exclude(pk=device.pk).delete()
    return CodeCheck.ACCEPTED


def readable_secret(device: TOTPDevice) -> str:
    """The secret as the apps want it typed: base32, in groups of four."""
    secret = base64.b32encode(device.bin_key).decode("ascii").rstrip("=")
    return " ".join(secret[i : i + 4] for i in range(0, len(secret), 4))


def qr_svg(device: TOTPDevice) -> str:
    """An inline SVG QR code of the otpauth:// address, with a title for screen readers."""
    svg: str = segno.make(device.config_url, error="m").svg_inline(
        scale=5, title=_("QR code for your authenticator app"), border=4
    )
    return svg
