"""Commands a citizen can send by SMS, in English and Dzongkha, and how each is recognised.

    STATUS <application ID>   coarse status and due date; agency and last action only to the registered mobile
    NEW <CID> <text>          files a grievance through the SMS channel
    HELP                      the list of commands

Keywords are matched case-insensitively; the language of the keyword is the language of the answer.
Parsing is pure (no database), so it is tested on its own; inbound.py acts on the result.
"""

import re
from dataclasses import dataclass
from enum import StrEnum
from typing import Final

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _


class Command(StrEnum):
    STATUS = "status"
    NEW = "new"
    HELP = "help"
    UNKNOWN = "unknown"


# keyword (upper case as typed after str.upper(); Tibetan script has no case) -> (command, language)
KEYWORDS: Final[dict[str, tuple[Command, str]]] = {
    "STATUS": (Command.STATUS, "en"),
    "STAT": (Command.STATUS, "en"),
    "གནས་སྟངས": (Command.STATUS, "dz"),
    "NEW": (Command.NEW, "en"),
    "གསརཔ": (Command.NEW, "dz"),
    "HELP": (Command.HELP, "en"),
    "རོགས་རམ": (Command.HELP, "dz"),
}
DEFAULT_LANGUAGE: Final = "en"
SUBJECT_MAX_LENGTH: Final = 80

# Texts of the answers (replies are queued in the outbox in the citizen's language).
REPLY_TEXTS: Final[dict[str, Promise]] = {
    "sms_help": _(
        "eKaaSel by SMS: STATUS <application ID> to follow a grievance; "
        "NEW <CID> <your complaint> to file one; HELP for this list."
    ),
    "sms_unknown": _("eKaaSel did not understand. Send HELP for the commands, e.g. STATUS EK-26-004821-9."),
    "sms_status": _("eKaaSel {application_id}: {status}. Due by {due_date}."),
    "sms_status_details": _(
        "eKaaSel {application_id}: {status}. Due by {due_date}. Handled by {agency}. Last action: {last_action}."
    ),
    "sms_status_not_found": _("eKaaSel: no grievance has the application ID {application_id}."),
    "sms_status_malformed": _(
        "eKaaSel: {text} is not a valid application ID. Check it and send STATUS EK-26-004821-9 with yours."
    ),
    "sms_status_missing": _("eKaaSel: send STATUS followed by your application ID, e.g. STATUS EK-26-004821-9."),
    "sms_new_usage": _("eKaaSel: send NEW, your 11-digit CID and your complaint, e.g. NEW 10101001234 No water."),
    "sms_new_bad_cid": _("eKaaSel: {cid} is not a CID number. Send NEW, your 11-digit CID and your complaint."),
    "sms_new_filed": _(
        "eKaaSel: your grievance is received. Application ID {application_id}. "
        "Send STATUS {application_id} to follow it."
    ),
    "sms_unavailable": _("eKaaSel cannot file grievances by SMS just now. Please use the portal or try later."),
}


@dataclass(frozen=True)
class ParsedSms:
    """What a citizen's SMS asks for: the command, the keyword's language and the words after it."""

    command: Command
    language: str
    argument: str


def parse_sms(text: str) -> ParsedSms:
    """Recognise the command at the start of an SMS; anything unrecognised is Command.UNKNOWN."""
    words = (text or "").strip().split(None, 1)
    if not words:
        return ParsedSms(Command.UNKNOWN, DEFAULT_LANGUAGE, "")
    keyword = words[0].upper().rstrip(".:,;")
    # Dzongkha words end with a tsheg (་) in running text; accept the keyword with or without it.
    command, language = KEYWORDS.get(keyword, KEYWORDS.get(keyword.rstrip("་"), (Command.UNKNOWN, "")))
    if command is Command.UNKNOWN:
        language = "dz" if re.search(r"[\u0F00-\u0FFF]", text) else DEFAULT_LANGUAGE
        return ParsedSms(Command.UNKNOWN, language, text.strip())
    return ParsedSms(command, language, words[1].strip() if len(words) > 1 else "")


def split_new_argument(argument: str) -> tuple[str, str]:
    """`NEW 101 010 01234 no water` → ("10101001234", "no water"): digits (with spaces/dashes) then text."""
    match = re.match(r"^([\d][\d\s\-]*\d|\d)(?:\s+(.*))?$", argument.strip(), re.DOTALL)
    if not match:
        first, _sep, rest = argument.strip().partition(" ")
        return first, rest.strip()
    cid_part, rest = match[1], (match[2] or "")
    # Digits separated by spaces run into the text when the text starts with a number; keep 11+ digits only.
    digits = re.sub(r"[\s\-]", "", cid_part)
    if len(digits) > 11:
        tokens = cid_part.split()
        taken, count = [], 0
        for token in tokens:
            if count >= 11:
                break
            taken.append(token)
            count += len(re.sub(r"\D", "", token))
        return "".join(taken).replace("-", ""), " ".join([*tokens[len(taken):], rest]).strip()
    return digits, rest.strip()


def subject_from(text: str) -> str:
    """The first words of a complaint, cut at a word boundary, as the grievance's subject."""
    text = " ".join(text.split())
    if len(text) <= SUBJECT_MAX_LENGTH:
        return text
    cut = text[:SUBJECT_MAX_LENGTH].rsplit(" ", 1)[0]
    return (cut or text[:SUBJECT_MAX_LENGTH]) + "…"
