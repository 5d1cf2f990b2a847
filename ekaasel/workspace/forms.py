"""The workspace's forms: the queue filters and one small form per action on a grievance.

They check the shape of what was typed; the domain actions judge the rest (and say so through
DomainError, shown next to the field it names).
"""

from typing import Any

from django import forms
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from ekaasel.core.choices import CatalogueChoiceField, Select
from ekaasel.core.errors import DomainError
from ekaasel.grievances.application_id import MalformedApplicationId, parse_application_id
from ekaasel.grievances.models import Channel, ProblemKind
from ekaasel.grievances.selectors import Queue, QueueFilters
from ekaasel.grievances.states import Status
from ekaasel.identity.models import Official
from ekaasel.organisations.models import Department, District, Ministry, Service


def add_domain_error(form: forms.Form, error: DomainError) -> None:
    """Show a domain refusal next to the field it names, or at the top of the form."""
    field = error.field if error.field in form.fields else None
    form.add_error(field, str(error.message))


# --- the queue ------------------------------------------------------------------------------------


class DepartmentChoiceField(CatalogueChoiceField[Department]):
    def label_from_instance(self, obj: Department) -> str:
        return f"{obj.ministry} — {obj}"


class ServiceChoiceField(CatalogueChoiceField[Service]):
    def label_from_instance(self, obj: Service) -> str:
        return f"{obj.ministry} — {obj}"


class OfficialChoiceField(CatalogueChoiceField[Official]):
    def label_from_instance(self, obj: Official) -> str:
        name = obj.user.get_full_name() or obj.user.get_username()
        return f"{name} ({obj.get_role_display()})"


class QueueFilterForm(forms.Form):
    """GET parameters of the queue page. Invalid values are reported and ignored."""

    queue = forms.ChoiceField(
        choices=[(Queue.MINE, _("My queue")), (Queue.RETURNED, _("Returned by agencies")), (Queue.ALL, _("All"))],
        required=False, widget=forms.HiddenInput,
    )
    q = forms.CharField(label=_("Search subject and description"), max_length=200, required=False)
    status = forms.ChoiceField(label=_("Status"), choices=[("", _("Any status")), *Status.choices], required=False,
                               widget=Select)
    ministry = CatalogueChoiceField(
        label=_("Ministry"), queryset=Ministry.objects.order_by("name"), required=False, empty_label=_("Any ministry")
    )
    department = DepartmentChoiceField(
        label=_("Department"), queryset=Department.objects.select_related("ministry"),
        required=False, empty_label=_("Any department"),
    )
    service = CatalogueChoiceField(
        label=_("Public service"), queryset=Service.objects.order_by("name"), required=False,
        empty_label=_("Any service"),
    )
    district = CatalogueChoiceField(
        label=_("District"), queryset=District.objects.order_by("name"), required=False, empty_label=_("Any district")
    )
    channel = forms.ChoiceField(label=_("Channel"), choices=[("", _("Any channel")), *Channel.choices], required=False,
                                widget=Select)
    kind = forms.ChoiceField(label=_("Kind of problem"), choices=[("", _("Any kind")), *ProblemKind.choices],
                             required=False, widget=Select)
    open = forms.BooleanField(label=_("Only open"), required=False)
    overdue = forms.BooleanField(label=_("Only overdue"), required=False)
    resolved_from = forms.DateField(
        label=_("Resolved from"), required=False, widget=forms.DateInput(attrs={"type": "date"}),
        error_messages={"invalid": _("Enter a date such as 2026-03-31.")},
    )
    resolved_to = forms.DateField(
        label=_("Resolved to"), required=False, widget=forms.DateInput(attrs={"type": "date"}),
        error_messages={"invalid": _("Enter a date such as 2026-03-31.")},
    )
    submitted_from = forms.DateField(
        label=_("Submitted from"), required=False, widget=forms.DateInput(attrs={"type": "date"}),
        error_messages={"invalid": _("Enter a date such as 2026-03-31.")},
    )
    submitted_to = forms.DateField(
        label=_("Submitted to"), required=False, widget=forms.DateInput(attrs={"type": "date"}),
        error_messages={"invalid": _("Enter a date such as 2026-03-31.")},
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("auto_id", "filter_%s")
        super().__init__(*args, **kwargs)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        start, end = data.get("submitted_from"), data.get("submitted_to")
        if start and end and start > end:
            self.add_error("submitted_to", _("The end date must be on or after the start date."))
        return data

    def filters(self) -> QueueFilters:
        """The filters from the valid fields; a field with an error does not narrow the list."""
        if not hasattr(self, "cleaned_data"):
            self.is_valid()
        data = self.cleaned_data

        def pk(name: str) -> int | None:
            value = data.get(name)
            return value.pk if value is not None else None

        return QueueFilters(
            queue=Queue(data.get("queue") or Queue.MINE),
            status=Status(data["status"]) if data.get("status") else None,
            ministry_id=pk("ministry"),
            department_id=pk("department"),
            service_id=pk("service"),
            district_id=pk("district"),
            channel=data.get("channel") or "",
            problem_kind=data.get("kind") or "",
            open_only=bool(data.get("open")),
            overdue=bool(data.get("overdue")),
            resolved_from=data.get("resolved_from"),
            resolved_to=data.get("resolved_to"),
            submitted_from=data.get("submitted_from"),
            submitted_to=data.get("submitted_to"),
            search=data.get("q") or "",
        )


# --- actions on a grievance -------------------------------------------------------------------------


def _text(label: Any, required_message: Any, *, required: bool = True, rows: int = 4) -> forms.CharField:
    return forms.CharField(
        label=label, max_length=5000, required=required, widget=forms.Textarea(attrs={"rows": rows}),
        error_messages={"required": required_message,
                        "max_length": _("Keep this to %(limit_value)d characters or fewer (it has %(show_value)d).")},
    )


def _note() -> forms.CharField:
    return _text(_("Internal note"), "", required=False, rows=3)


class GrievanceActionForm(forms.Form):
    """Every action form carries the version the official saw: a changed grievance is refused, not overwritten."""

    version = forms.IntegerField(widget=forms.HiddenInput, required=False)
    action_name = ""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("auto_id", f"{self.action_name}_%s")
        super().__init__(*args, **kwargs)


class ForwardForm(GrievanceActionForm):
    action_name = "forward"
    ministry = CatalogueChoiceField(
        label=_("Ministry"), queryset=Ministry.objects.filter(is_active=True).order_by("name"),
        empty_label=_("Choose the ministry"), error_messages={"required": _("Choose the ministry to forward to.")},
    )
    department = DepartmentChoiceField(
        label=_("Department"),
        queryset=Department.objects.filter(is_active=True).select_related("ministry"),
        required=False, empty_label=_("The whole ministry"),
        help_text=_("Choose a department of the ministry above, or leave it to the ministry."),
    )
    service = ServiceChoiceField(
        label=_("Public service"), queryset=Service.objects.filter(is_active=True).select_related("ministry"),
        required=False, empty_label=_("Not a listed service"),
        help_text=_("Correct the service if the citizen chose the wrong one (grievances sent by SMS have none)."),
    )
    district = CatalogueChoiceField(
        label=_("District"), queryset=District.objects.order_by("name"), required=False,
        empty_label=_("Keep the district given"),
        help_text=_("Correct the district where the problem is, if the citizen's choice was wrong."),
    )
    note = _note()


class ResolveForm(GrievanceActionForm):
    action_name = "resolve"
    resolution = _text(_("Resolution (the citizen reads this)"), _("Write the resolution the citizen will read."),
                       rows=6)


class RejectForm(GrievanceActionForm):
    action_name = "reject"
    reason = _text(_("Reason (the citizen reads this)"), _("Write the reason the citizen will read."))


class AskInfoForm(GrievanceActionForm):
    action_name = "ask_info"
    question = _text(_("Question for the citizen"), _("Write the question for the citizen."))


class MarkDuplicateForm(GrievanceActionForm):
    action_name = "mark_duplicate"
    original = forms.CharField(
        label=_("Application ID of the original grievance"), max_length=40,
        help_text=_("For example EK-26-004821-9."),
        error_messages={"required": _("Enter the application ID of the grievance this one duplicates.")},
    )
    # Not internal: the duplicate's history, note included, is what the citizen reads.
    note = _text(_("Note (the citizen reads this)"), "", required=False, rows=3)

    def clean_original(self) -> str:
        try:
            return parse_application_id(self.cleaned_data["original"])
        except MalformedApplicationId:
            raise forms.ValidationError(
                _("This is not a valid application ID."), code="invalid"
            ) from None


class AcknowledgeForm(GrievanceActionForm):
    action_name = "acknowledge"
    note = _note()


class AssignForm(GrievanceActionForm):
    action_name = "assign"
    assignee = OfficialChoiceField(
        label=_("Officer"), queryset=Official.objects.none(), empty_label=_("Choose an officer"),
        error_messages={"required": _("Choose the officer to assign."),
                        "invalid_choice": _("That officer does not work in the agency handling this grievance.")},
    )
    note = _note()

    def __init__(self, *args: Any, assignees: QuerySet[Official] | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if assignees is not None:
            field = self.fields["assignee"]
            assert isinstance(field, OfficialChoiceField)
            field.queryset = assignees


class ReturnForm(GrievanceActionForm):
    action_name = "return"
    reason = _text(_("Why it is not for your agency"), _("Say why this grievance is not for your agency."))


class EscalateForm(GrievanceActionForm):
    action_name = "escalate"
    note = _note()


class TakeUpForm(GrievanceActionForm):
    action_name = "take_up"
    note = _note()


class NoteForm(GrievanceActionForm):
    action_name = "note"
    note = _text(_("Note for officials (never shown to the citizen)"), _("Write the note."), rows=3)
