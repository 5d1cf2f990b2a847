"""Validation of national ID numbers and mobile numbers, driven by the country configuration."""

import re

import phonenumbers
from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _


def normalise_national_id(raw: str) -> str:
    """Strip spaces and dashes people type between digit groups, then check the configured format."""
    value = re.sub(r"[\s-]", "", raw or "")
    if not re.fullmatch(settings.EKAASEL["NATIONAL_ID_PATTERN"], value):
        raise ValidationError(
            _("Enter your CID number: exactly 11 digits, as printed on your citizenship card."),
            code="invalid_national_id",
        )
    return value


def normalise_mobile(raw: str) -> str:
    """Parse a local or international mobile number of the configured country; return E.164."""
    region = settings.EKAASEL["PHONE_REGION"]
    message = _("Enter a Bhutanese mobile number: 8 digits starting with 16, 17 or 77, e.g. 17123456.")
    try:
        number = phonenumbers.parse((raw or "").strip(), region)
    except phonenumbers.NumberParseException as exc:
        raise ValidationError(message, code="invalid_mobile") from exc
    if phonenumbers.region_code_for_number(number) != region or not phonenumbers.is_valid_number(number):
        raise ValidationError(message, code="invalid_mobile")
    if phonenumbers.number_type(number) not in (
        phonenumbers.PhoneNumberType.MOBILE,
        phonenumbers.PhoneNumberType.FIXED_LINE_OR_MOBILE,
    ):
        raise ValidationError(message, code="invalid_mobile")
    national = phonenumbers.national_significant_number(number)
    prefixes = settings.EKAASEL["MOBILE_PREFIXES"]
    if prefixes and not national.startswith(tuple(prefixes)):
        raise ValidationError(message, code="invalid_mobile")
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def mask_mobile(e164: str) -> str:
    """+97517123421 -> +975 17•••421: enough for the owner to recognise, useless to anyone else."""
    try:
        number = phonenumbers.parse(e164, None)
    except phonenumbers.NumberParseException:
        return "•••"
    national = phonenumbers.national_significant_number(number)
    hidden = max(len(national) - 5, 0)
    return f"+{number.country_code} {national[:2]}{'•' * hidden}{national[-3:]}"
