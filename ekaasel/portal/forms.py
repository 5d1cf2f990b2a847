"""The portal's forms. They check the shape of what was typed; the domain functions judge the rest."""

from collections.abc import Sequence
from typing import Any

from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.utils.translation import gettext_lazy as _

from ekaasel.core.errors import DomainError
from ekaasel.grievances.application_id import MalformedApplicationId, parse_application_id
from ekaasel.grievances.attachments import ALLOWED_TYPES, check_attachments
from ekaasel.grievances.models import ProblemKind
from ekaasel.identity.validation import normalise_mobile, normalise_national_id
from ekaasel.organisations.models import District, Ministry, Service, localised
from ekaasel.organisations.selectors import district_list, service_catalogue

OTHER_SERVICE = "other"

NOT_AN_APPLICATION_ID = _("This is not a valid application ID. Check it against your SMS.")
NO_SUCH_GRIEVANCE = _("No grievance has this application ID.")


def local_name(thing: Ministry | Service | District) -> str:
    """The Dzongkha name when the page is in Dzongkha and one is recorded, else the English one."""
    return localised(thing.name, thing.name_dz)


def add_domain_error(form: forms.Form, error: DomainError) -> None:
    """Show a domain refusal next to the field it names, or at the top of the form."""
    field = error.field if error.field in form.fields else None
    form.add_error(field, str(error.message))


def _max_length_message(what: str) -> Any:
    messages = {
        "subject": _("Keep the subject to %(limit_value)d characters or fewer (it has %(show_value)d)."),
        "description": _("Keep the description to %(limit_value)d characters or fewer (it has %(show_value)d)."),
        "text": _("Keep this to %(limit_value)d characters or fewer (it has %(show_value)d)."),
    }
    return messages[what]


class MultipleFileInput(forms.FileInput):
    allow_multiple_selected = True


class AttachmentsField(forms.FileField):
    """Optional files, checked together by the domain's attachment rules (count, size, type by content)."""

    def __init__(self, **kwargs: Any) -> None:
        accept = ",".join(ALLOWED_TYPES)
        kwargs.setdefault("widget", MultipleFileInput(attrs={"accept": accept}))
        kwargs.setdefault("required", False)
        super().__init__(**kwargs)

    def clean(self, data: Any, initial: Any = None) -> list[UploadedFile]:
        items = data if isinstance(data, list | tuple) else [data]
        uploads = [item for item in items if item]
        check_attachments(uploads)
        return uploads


def _attachments_help() -> Any:
    return _(
        "Up to %(count)d files: photos (JPEG or PNG) or PDF documents, at most %(size)d MB each. "
        "If the page shows an error, choose your files again: they are not kept."
    ) % {
        "count": settings.EKAASEL["ATTACHMENTS_MAX_COUNT"],
        "size": settings.EKAASEL["ATTACHMENT_MAX_BYTES"] // 1_048_576,
    }


# --- proving a mobile ---------------------------------------------------------------------------


class MobileField(forms.CharField):
    """A mobile number as people type it; cleaned to E.164 by the identity rules."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("label", _("Mobile number"))
        kwargs.setdefault("max_length", 32)
        kwargs.setdefault("error_messages", {"required": _("Enter your mobile number.")})
        kwargs.setdefault(
            "widget", forms.TextInput(attrs={"type": "tel", "inputmode": "tel", "autocomplete": "tel"})
        )
        super().__init__(**kwargs)

    def clean(self, value: Any) -> str:
        return normalise_mobile(super().clean(value))


class VerificationForm(forms.Form):
    """Step 1 of filing: who is filing, and the mobile the code goes to."""

    national_id = forms.CharField(
        label=_("CID number"),
        help_text=_("11 digits, as printed on your citizenship identity card."),
        max_length=32,
        error_messages={"required": _("Enter your CID number.")},
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off", "spellcheck": "false"}),
    )
    name = forms.CharField(
        label=_("Full name"),
        help_text=_("As on your citizenship identity card."),
        max_length=200,
        error_messages={"required": _("Enter your full name.")},
        widget=forms.TextInput(attrs={"autocomplete": "name"}),
    )
    mobile = MobileField(
        help_text=_("We send a code to this number by SMS. For example 17123456 or +975 17 12 34 56."),
    )

    def clean_national_id(self) -> str:
        return normalise_national_id(self.cleaned_data["national_id"])


class MobileForm(forms.Form):
    """My grievances: the mobile number the grievances were filed with."""

    mobile = MobileField(
        help_text=_("The number you gave when you filed. We send a code to it by SMS. For example 17123456."),
    )


class CodeForm(forms.Form):
    """The 6-digit code from the SMS."""

    code = forms.CharField(
        label=_("Code from the SMS"),
        help_text=_("6 digits. The code is valid for 10 minutes."),
        max_length=20,
        error_messages={"required": _("Enter the 6-digit code from the SMS.")},
        widget=forms.TextInput(
            attrs={"inputmode": "numeric", "autocomplete": "one-time-code", "spellcheck": "false", "size": "8"}
        ),
    )

    def clean_code(self) -> str:
        code = "".join(self.cleaned_data["code"].split())
        if not (len(code) == 6 and code.isdigit()):
            raise ValidationError(_("The code has 6 digits. Type it as it is in the SMS."), code="code_format")
        return code


class ResendForm(forms.Form):
    """The "Send a new code" button: no fields, but it carries the refusal when a limit says no."""


# --- filing -------------------------------------------------------------------------------------


class GrievanceForm(forms.Form):
    """Step 3 of filing: what went wrong, with which service, where."""

    service = forms.ChoiceField(
        label=_("Public service"),
        help_text=_("Services are grouped by ministry. If yours is not in the list, choose “Other service”."),
        error_messages={
            "required": _("Choose the service, or “Other service (not in the list)” if it is not there."),
            "invalid_choice": _("Choose a service from the list."),
        },
    )
    service_other = forms.CharField(
        label=_("Name of the other service"),
        help_text=_("Only if you chose “Other service (not in the list)”."),
        max_length=200,
        required=False,
        error_messages={"max_length": _max_length_message("text")},
    )
    problem_kind = forms.ChoiceField(
        label=_("Kind of problem"),
        choices=ProblemKind.choices,
        widget=forms.RadioSelect,
        error_messages={
            "required": _("Choose the kind of problem."),
            "invalid_choice": _("Choose the kind of problem."),
        },
    )
    subject = forms.CharField(
        label=_("Subject"),
        help_text=_("In a few words. At most 200 characters."),
        max_length=200,
        error_messages={"required": _("Write a subject."), "max_length": _max_length_message("subject")},
    )
    description = forms.CharField(
        label=_("Description"),
        help_text=_("What happened, when and where, and what you expected. At most 5000 characters."),
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 8}),
        error_messages={"required": _("Describe the problem."), "max_length": _max_length_message("description")},
    )
    district = forms.ChoiceField(
        label=_("District (dzongkhag) where it happened"),
        error_messages={
            "required": _("Choose the district (dzongkhag) where it happened."),
            "invalid_choice": _("Choose a district from the list."),
        },
    )
    attachments = AttachmentsField(label=_("Attachments"))

    def __init__(self, *args: Any, search: str = "", **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["attachments"].help_text = _attachments_help()
        services = list(service_catalogue(search=search))
        self.services: dict[str, Service] = {str(s.pk): s for s in services}
        self.service_count = len(services)
        groups: dict[int, tuple[str, list[tuple[str, str]]]] = {}
        for service in services:
            group = groups.setdefault(service.ministry_id, (local_name(service.ministry), []))
            group[1].append((str(service.pk), local_name(service)))
        service_field = self.fields["service"]
        assert isinstance(service_field, forms.ChoiceField)
        service_field.choices = [
            ("", _("Choose the service")),
            *[(label, options) for label, options in groups.values()],
            (OTHER_SERVICE, _("Other service (not in the list)")),
        ]
        districts = list(district_list())
        self.districts: dict[str, District] = {str(d.pk): d for d in districts}
        district_field = self.fields["district"]
        assert isinstance(district_field, forms.ChoiceField)
        district_field.choices = [("", _("Choose the district")), *[(str(d.pk), local_name(d)) for d in districts]]

    def clean_service(self) -> Service | None:
        value = self.cleaned_data["service"]
        return None if value == OTHER_SERVICE else self.services[value]

    def clean_district(self) -> District:
        return self.districts[self.cleaned_data["district"]]

    def clean_problem_kind(self) -> ProblemKind:
        return ProblemKind(self.cleaned_data["problem_kind"])

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        if self.data.get("service") == OTHER_SERVICE and not cleaned.get("service_other"):
            self.add_error("service_other", _("Write the name of the service."))
        return cleaned

    @property
    def other_service_chosen(self) -> bool:
        return self.is_bound and self.data.get("service") == OTHER_SERVICE

    def draft(self) -> dict[str, str]:
        """What was typed (no files), trimmed to the field limits: kept when the proof expired."""
        limits = {"service": 20, "service_other": 200, "problem_kind": 20, "subject": 200,
                  "description": 5000, "district": 20, "submission_key": 64}
        return {name: str(self.data.get(name, ""))[:limit] for name, limit in limits.items()}


# --- tracking -----------------------------------------------------------------------------------


class TrackForm(forms.Form):
    application_id = forms.CharField(
        label=_("Application ID"),
        help_text=_("As in your SMS, for example EK-26-004821-9."),
        max_length=40,
        error_messages={"required": _("Enter the application ID from your SMS.")},
        widget=forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false", "autocapitalize": "characters"}),
    )

    def clean_application_id(self) -> str:
        try:
            return parse_application_id(self.cleaned_data["application_id"])
        except MalformedApplicationId as exc:
            raise ValidationError(NOT_AN_APPLICATION_ID, code="malformed_application_id") from exc


# --- the citizen's actions on his grievance -----------------------------------------------------


class _GrievanceActionForm(forms.Form):
    # The version the citizen saw: an action on a grievance changed meanwhile is refused, not applied.
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)


class ProvideInfoForm(_GrievanceActionForm):
    answer = forms.CharField(
        label=_("Your answer"),
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 6}),
        error_messages={"required": _("Write your answer."), "max_length": _max_length_message("text")},
    )
    attachments = AttachmentsField(label=_("Attachments"))

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("auto_id", "info_%s")
        super().__init__(*args, **kwargs)
        self.fields["attachments"].help_text = _attachments_help()


RATING_CHOICES: Sequence[tuple[str, Any]] = (
    ("5", _("5 — Very good")),
    ("4", _("4 — Good")),
    ("3", _("3 — Acceptable")),
    ("2", _("2 — Poor")),
    ("1", _("1 — Very poor")),
)


class RateForm(_GrievanceActionForm):
    rating = forms.TypedChoiceField(
        label=_("How well was your grievance addressed?"),
        choices=RATING_CHOICES,
        coerce=int,
        widget=forms.RadioSelect,
        error_messages={
            "required": _("Choose a rating from 1 to 5."),
            "invalid_choice": _("Choose a rating from 1 to 5."),
        },
    )
    comment = forms.CharField(
        label=_("Comment"),
        max_length=2000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
        error_messages={"max_length": _max_length_message("text")},
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("auto_id", "rate_%s")
        super().__init__(*args, **kwargs)


class AppealForm(_GrievanceActionForm):
    reason = forms.CharField(
        label=_("Why are you not satisfied?"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 5}),
        error_messages={"required": _("Say why you are not satisfied."), "max_length": _max_length_message("text")},
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("auto_id", "appeal_%s")
        super().__init__(*args, **kwargs)


class WithdrawForm(_GrievanceActionForm):
    reason = forms.CharField(
        label=_("Reason"),
        help_text=_("For example: the problem was solved."),
        max_length=2000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={"max_length": _max_length_message("text")},
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("auto_id", "withdraw_%s")
        super().__init__(*args, **kwargs)
