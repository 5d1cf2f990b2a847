"""Incoming SMS: answer a citizen's command (sms_commands.py) with a reply queued in the outbox.

Kannel may call our get-url twice for one SMS (a timeout on its side), so everything is keyed by the
inbound message id: the reply's event key and a NEW grievance's submission key. Asking twice files
one grievance and queues one reply.
"""

import hashlib
import logging
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import formats, timezone, translation

from ekaasel.core.errors import DomainError
from ekaasel.grievances import actions, selectors
from ekaasel.grievances.application_id import MalformedApplicationId, parse_application_id
from ekaasel.grievances.models import Channel, ProblemKind
from ekaasel.identity.models import Citizen
from ekaasel.identity.validation import normalise_mobile, normalise_national_id
from ekaasel.notifications.models import Message
from ekaasel.notifications.outbox import queue_sms
from ekaasel.notifications.sms_commands import (
    Command,
    ParsedSms,
    parse_sms,
    split_new_argument,
    subject_from,
)
from ekaasel.organisations.models import District

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class InboundSms:
    """One SMS as the gateway handed it over."""

    sender: str
    text: str
    gateway_id: str = ""
    received_at: str = ""

    @property
    def key(self) -> str:
        """Stable id of this SMS: the gateway's own id, else a hash of sender, text and time."""
        if self.gateway_id:
            return self.gateway_id[:64]
        digest = hashlib.sha256(f"{self.sender}\n{self.text}\n{self.received_at}".encode()).hexdigest()
        return digest[:40]


@transaction.atomic
def handle_inbound_sms(sms: InboundSms) -> Message:
    """Answer one incoming SMS; returns the queued reply (the same one when the gateway repeats the SMS)."""
    event_key = f"sms-in:{sms.key}:reply"
    existing = Message.objects.filter(event_key=event_key).first()
    if existing is not None:
        return existing
    parsed = parse_sms(sms.text)
    try:
        sender = normalise_mobile(sms.sender)
    except ValidationError:
        sender = sms.sender.strip()  # a foreign or odd number: answer it anyway, but never trust it
    answer = _answer(parsed, sender=sender, sms=sms)
    if isinstance(answer, Message):
        return answer
    template, context = answer
    return queue_sms(to=sender, template=template, context=context, language=parsed.language, event_key=event_key)


def _answer(parsed: ParsedSms, *, sender: str, sms: InboundSms) -> tuple[str, dict[str, object]] | Message:
    language = parsed.language
    if parsed.command is Command.STATUS:
        return _status(parsed.argument, sender=sender, language=language)
    if parsed.command is Command.NEW:
        return _new(parsed.argument, sender=sender, language=language, sms=sms)
    if parsed.command is Command.HELP:
        return "sms_help", {}
    return "sms_unknown", {}


def _date(value: object, language: str) -> str:
    if value is None:
        return "-"
    with translation.override(language):
        return formats.date_format(timezone.localtime(value), "j M Y")  # type: ignore[arg-type]


def _status(argument: str, *, sender: str, language: str) -> tuple[str, dict[str, object]]:
    raw = argument.split()[0] if argument.split() else ""
    if not raw:
        return "sms_status_missing", {}
    try:
        # People type the ID with spaces too ("EK 26 004821 7"): the whole argument is the ID.
        application_id = parse_application_id(argument)
    except MalformedApplicationId:
        try:
            application_id = parse_application_id(raw)
        except MalformedApplicationId:
            return "sms_status_malformed", dict(text=raw[:30])
    coarse = selectors.grievance_coarse_status(application_id=application_id)
    if coarse is None:
        return "sms_status_not_found", dict(application_id=application_id)
    with translation.override(language):
        status_label = str(coarse.status.label)
    due = _date(coarse.due_at, language)
    grievance = selectors.grievance_of_citizen(mobile=sender, application_id=application_id)
    if grievance is None:  # not the registered mobile: coarse status only
        return "sms_status", dict(application_id=application_id, status=status_label, due_date=due)
    agency = grievance.department or grievance.ministry
    last = selectors.history_for_citizen(grievance=grievance).last()
    with translation.override(language):
        last_action = f"{last.get_action_display()} {_date(last.created_at, language)}" if last else "-"
        agency_name = str(agency) if agency is not None else "-"
    return "sms_status_details", dict(
        application_id=application_id,
        status=status_label,
        due_date=due,
        agency=agency_name,
        last_action=last_action,
    )


def sms_district() -> District | None:
    """Where SMS grievances are filed until the assessor corrects it: settings.SMS_DEFAULT_DISTRICT (a
    district code), else the first district by name. An SMS carries no location."""
    code = getattr(settings, "SMS_DEFAULT_DISTRICT", "")
    if code:
        district = District.objects.filter(code=code).first()
        if district is not None:
            return district
        logger.error("SMS_DEFAULT_DISTRICT %r is not a district code; using the first district", code)
    return District.objects.order_by("name", "pk").first()


def _new(argument: str, *, sender: str, language: str, sms: InboundSms) -> tuple[str, dict[str, object]] | Message:
    raw_cid, complaint = split_new_argument(argument)
    if not raw_cid or not complaint:
        return "sms_new_usage", {}
    try:
        national_id = normalise_national_id(raw_cid)
    except ValidationError:
        return "sms_new_bad_cid", dict(cid=raw_cid[:20])
    district = sms_district()
    if district is None:
        logger.error("No district exists: SMS grievance from %s not filed", sender)
        return "sms_unavailable", {}
    known_name = Citizen.objects.filter(national_id=national_id).values_list("name", flat=True).first()
    try:
        grievance = actions.grievance_file(
            national_id=national_id,
            # An SMS has no name; keep the one the citizen gave before, else leave it for the assessor.
            applicant_name=known_name or "",
            mobile=sender,
            service=None,
            problem_kind=ProblemKind.OTHER,
            subject=subject_from(complaint),
            description=complaint,
            district=district,
            channel=Channel.SMS,
            language=language,
            submission_key=f"sms:{sms.key}"[:64],
        ).grievance
    except DomainError:
        logger.exception("SMS grievance from %s refused", sender)
        return "sms_new_usage", {}
    # grievance_file queues the usual "submitted" SMS with the application ID: that is the answer.
    submitted = grievance.messages.filter(template="submitted", recipient=sender).order_by("pk").first()
    if submitted is not None:
        return submitted
    return "sms_new_filed", dict(application_id=grievance.application_id)
