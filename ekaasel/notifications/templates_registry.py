"""Built-in message texts. Administrators may override each per language (MessageTemplate)."""

import re
from collections.abc import Mapping

from django.utils import translation
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from ekaasel.core.reference_cache import ReferenceCache
from ekaasel.notifications.models import MessageTemplate
from ekaasel.notifications.sms_commands import REPLY_TEXTS

DEFAULT_TEXTS: dict[str, Promise] = {
    "otp": _("eKaaSel code {code} for {purpose}. Valid 10 minutes. Never share it; officials will never ask for it."),
    "submitted": _(
        "eKaaSel: your grievance is received. Application ID {application_id}. "
        "Track it at {portal_url} or send STATUS {application_id}."
    ),
    "info_requested": _(
        "eKaaSel {application_id}: the Cabinet Secretariat needs more information from you. "
        "Open {portal_url} to answer."
    ),
    "forwarded": _(
        "eKaaSel {application_id}: forwarded to {agency}, to be resolved by {due_date}."
    ),
    "resolved": _(
        "eKaaSel {application_id}: your grievance has been addressed. "
        "Read the answer, rate it or appeal at {portal_url}."
    ),
    "rejected": _(
        "eKaaSel {application_id}: your grievance was not accepted. "
        "Read the reason and appeal within 30 days at {portal_url}."
    ),
    "closed_duplicate": _(
        "eKaaSel {application_id}: closed as a duplicate of {duplicate_of}, which is being handled."
    ),
    "appeal_received": _("eKaaSel {application_id}: your appeal is received and will be assessed again."),
    "withdrawn": _("eKaaSel {application_id}: your grievance is withdrawn as you asked."),
    # To officials
    "official_new_grievance": _(
        "eKaaSel {application_id}: a new grievance for {agency}, due {due_date}. {workspace_url}"
    ),
    "official_assigned": _("eKaaSel {application_id}: assigned to you, due {due_date}. {workspace_url}"),
    "official_reminder": _(
        "eKaaSel {application_id}: reminder, due {due_date}; most of the time limit has passed. {workspace_url}"
    ),
    "official_escalated": _("eKaaSel {application_id}: escalated to you: {reason} {workspace_url}"),
    "official_returned": _(
        "eKaaSel {application_id}: returned by {agency} as mis-routed; it needs re-routing. {workspace_url}"
    ),
}

# Replies to commands sent by SMS (STATUS, NEW, HELP).
DEFAULT_TEXTS.update(REPLY_TEXTS)

_PLACEHOLDER = re.compile(r"\{([a-z_]+)\}")


def placeholders(text: str) -> set[str]:
    """The placeholder names a text uses, e.g. {"application_id", "portal_url"}."""
    return set(_PLACEHOLDER.findall(text))


def _all_overrides() -> dict[tuple[str, str], str]:
    """Every override by (key, language), which is unique."""
    return {(key, language): body for key, language, body in
            MessageTemplate.objects.values_list("key", "language", "body")}


# The administrators' wordings, kept per process (see ReferenceCache for when a change is seen).
_overrides = ReferenceCache(_all_overrides, models_changing=(MessageTemplate,))


def render(key: str, language: str, context: Mapping[str, object]) -> str:
    """The text of message `key` in `language` with placeholders filled; unknown placeholders stay."""
    override = _overrides.get().get((key, language))
    if override is not None:
        pattern = override
    else:
        with translation.override(language):
            pattern = str(DEFAULT_TEXTS[key])
    return _PLACEHOLDER.sub(lambda m: str(context.get(m[1], m[0])), pattern)
