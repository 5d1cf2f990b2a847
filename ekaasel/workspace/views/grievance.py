"""The grievance page: everything about one grievance in the official's remit, and his actions on it.

Each action is a small form posting to /workspace/grievances/<pk>/<action>/; one view dispatches on
ACTIONS and calls the domain action, which alone judges and writes. Refusals are shown next to the
field they name (or at the top); a grievance changed meanwhile is shown again in its new state.
"""

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django import forms
from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_safe

from ekaasel.core import clock
from ekaasel.core.downloads import file_download
from ekaasel.core.errors import DomainError, InvalidInput, NotPermitted
from ekaasel.grievances import actions
from ekaasel.grievances.models import Grievance
from ekaasel.grievances.permissions import Actor, ensure_can
from ekaasel.grievances.selectors import (
    attachment_for_official,
    grievance_by_application_id_for_official,
    grievance_for_official,
    history_for_official,
    messages_for_grievance,
    officials_assignable_to,
)
from ekaasel.grievances.states import Action, Status, actions_available
from ekaasel.identity.models import Official, Role
from ekaasel.workspace import forms as wf
from ekaasel.workspace.access import current_official, official_required

Perform = Callable[[Grievance, Actor, Official, dict[str, Any]], object]


@dataclass(frozen=True)
class ActionSpec:
    form_class: type[wf.GrievanceActionForm]
    perform: Perform
    title: str | Promise
    button: str | Promise
    done: str | Promise


def _mark_duplicate(g: Grievance, actor: Actor, official: Official, data: dict[str, Any]) -> object:
    original = grievance_by_application_id_for_official(official=official, application_id=data["original"])
    if original is None:
        raise InvalidInput(_("No grievance has this application ID."), field="original")
    return actions.grievance_mark_duplicate(
        grievance_id=g.pk, actor=actor, original=original, note=data["note"], expected_version=data["version"]
    )


ACTIONS: dict[str, ActionSpec] = {
    Action.FORWARD: ActionSpec(
        wf.ForwardForm,
        lambda g, actor, _o, d: actions.grievance_forward(
            grievance_id=g.pk, actor=actor, ministry=d["ministry"], department=d["department"], note=d["note"],
            expected_version=d["version"], service=d["service"], district=d["district"]),
        gettext_lazy("Forward"), gettext_lazy("Forward"), gettext_lazy("The grievance was forwarded."),
    ),
    Action.RESOLVE: ActionSpec(
        wf.ResolveForm,
        lambda g, actor, _o, d: actions.grievance_resolve(
            grievance_id=g.pk, actor=actor, resolution=d["resolution"], expected_version=d["version"]),
        gettext_lazy("Resolve"), gettext_lazy("Resolve"), gettext_lazy("The grievance was resolved."),
    ),
    Action.REJECT: ActionSpec(
        wf.RejectForm,
        lambda g, actor, _o, d: actions.grievance_reject(
            grievance_id=g.pk, actor=actor, reason=d["reason"], expected_version=d["version"]),
        gettext_lazy("Reject"), gettext_lazy("Reject"), gettext_lazy("The grievance was rejected."),
    ),
    Action.ASK_INFO: ActionSpec(
        wf.AskInfoForm,
        lambda g, actor, _o, d: actions.grievance_ask_info(
            grievance_id=g.pk, actor=actor, question=d["question"], expected_version=d["version"]),
        gettext_lazy("Ask the citizen for information"), gettext_lazy("Send the question"),
        gettext_lazy("The question was sent to the citizen."),
    ),
    Action.MARK_DUPLICATE: ActionSpec(
        wf.MarkDuplicateForm, _mark_duplicate,
        gettext_lazy("Mark as duplicate"), gettext_lazy("Mark as duplicate"),
        gettext_lazy("The grievance was closed as a duplicate."),
    ),
    Action.ACKNOWLEDGE: ActionSpec(
        wf.AcknowledgeForm,
        lambda g, actor, _o, d: actions.grievance_acknowledge(
            grievance_id=g.pk, actor=actor, note=d["note"], expected_version=d["version"]),
        gettext_lazy("Acknowledge"), gettext_lazy("Acknowledge"), gettext_lazy("The grievance was acknowledged."),
    ),
    Action.ASSIGN: ActionSpec(
        wf.AssignForm,
        lambda g, actor, _o, d: actions.grievance_assign(
            grievance_id=g.pk, actor=actor, assignee=d["assignee"], note=d["note"], expected_version=d["version"]),
        gettext_lazy("Assign to an officer"), gettext_lazy("Assign"), gettext_lazy("The grievance was assigned."),
    ),
    Action.RETURN: ActionSpec(
        wf.ReturnForm,
        lambda g, actor, _o, d: actions.grievance_return(
            grievance_id=g.pk, actor=actor, reason=d["reason"], expected_version=d["version"]),
        gettext_lazy("Return as mis-routed"), gettext_lazy("Return to the Cabinet Secretariat"),
        gettext_lazy("The grievance was returned to the Cabinet Secretariat."),
    ),
    Action.ESCALATE: ActionSpec(
        wf.EscalateForm,
        lambda g, actor, _o, d: actions.grievance_escalate(
            grievance_id=g.pk, actor=actor, note=d["note"], expected_version=d["version"]),
        gettext_lazy("Escalate"), gettext_lazy("Escalate"), gettext_lazy("The grievance was escalated."),
    ),
    Action.TAKE_UP: ActionSpec(
        wf.TakeUpForm,
        lambda g, actor, _o, d: actions.grievance_take_up(
            grievance_id=g.pk, actor=actor, note=d["note"], expected_version=d["version"]),
        gettext_lazy("Take up personally"), gettext_lazy("Take up"),
        gettext_lazy("The PMO now follows this grievance."),
    ),
    Action.NOTE: ActionSpec(
        wf.NoteForm,
        lambda g, actor, _o, d: actions.grievance_add_note(grievance_id=g.pk, actor=actor, note=d["note"]),
        gettext_lazy("Add an internal note"), gettext_lazy("Add the note"), gettext_lazy("The note was added."),
    ),
}


def _grievance_or_404(official: Official, pk: int) -> Grievance:
    grievance = grievance_for_official(official=official, grievance_id=pk)
    if grievance is None:
        raise Http404(_("No such grievance."))
    return grievance


def available_actions(official: Official, grievance: Grievance) -> list[str]:
    """The actions this official may take on this grievance now (buttons shown; the actions re-check)."""
    try:
        actor = Actor.of_official(official)
    except NotPermitted:
        return []  # monitors and administrators read only
    names = []
    for action in actions_available(Status(grievance.status), actor.kind):
        try:
            ensure_can(actor, action, grievance)  # the same remit rules the action applies
        except NotPermitted:
            continue
        if action == Action.TAKE_UP and grievance.pmo_following:
            continue
        if action in ACTIONS:
            names.append(str(action))
    return names


def _make_form(name: str, grievance: Grievance, data: Any = None) -> wf.GrievanceActionForm:
    form_class = ACTIONS[name].form_class
    kwargs: dict[str, Any] = {"initial": {"version": grievance.version}}
    if form_class is wf.ForwardForm:
        kwargs["initial"] |= {"service": grievance.service_id, "district": grievance.district_id}
    if form_class is wf.AssignForm:
        kwargs["assignees"] = officials_assignable_to(grievance=grievance)
    return form_class(data, **kwargs)


def _render_page(
    request: HttpRequest, official: Official, grievance: Grievance, bound: dict[str, forms.Form] | None = None
) -> HttpResponse:
    bound = bound or {}
    action_forms = [
        {"name": name, "spec": ACTIONS[name], "form": bound.get(name) or _make_form(name, grievance)}
        for name in available_actions(official, grievance)
    ]
    return render(request, "workspace/grievance.html", {
        "official": official,
        "grievance": grievance,
        "now": clock.now(),
        "history": history_for_official(grievance=grievance),
        "attachments": grievance.attachments.order_by("created_at", "id"),
        "sms": messages_for_grievance(grievance=grievance),
        "action_forms": action_forms,
        "show_personal_data": official.role != Role.MONITOR,
        "page_has_errors": any(form.errors for form in bound.values()),
    })


@never_cache
@require_safe
@official_required
def grievance_page(request: HttpRequest, pk: int) -> HttpResponse:
    """One grievance within the official's remit: details, deadlines, history, SMS and actions."""
    official = current_official(request)
    return _render_page(request, official, _grievance_or_404(official, pk))


@never_cache
@require_http_methods(["GET", "POST"])
@official_required
def grievance_action(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    """Run one action from its posted form through the domain action."""
    official = current_official(request)
    grievance = _grievance_or_404(official, pk)
    spec = ACTIONS.get(action)
    if spec is None:
        raise Http404(_("No such action."))
    if request.method == "GET":
        return redirect("workspace:grievance", pk=grievance.pk)
    form = _make_form(action, grievance, request.POST)
    if form.is_valid():
        try:
            spec.perform(grievance, Actor.of_official(official), official, form.cleaned_data)
        except InvalidInput as exc:
            wf.add_domain_error(form, exc)
        except DomainError as exc:
            # Changed meanwhile, no longer possible, or not his to do: show the grievance as it is now.
            messages.error(request, str(exc.message))
            return redirect("workspace:grievance", pk=grievance.pk)
        else:
            messages.success(request, str(spec.done))
            return redirect("workspace:grievance", pk=grievance.pk)
    return _render_page(request, official, grievance, {action: form})


@never_cache
@require_safe
@official_required
def attachment(request: HttpRequest, pk: int, attachment_id: int) -> HttpResponseBase:
    """Download a file attached to a grievance within the official's remit."""
    official = current_official(request)
    stored = attachment_for_official(official=official, grievance_id=pk, attachment_id=attachment_id)
    if stored is None:
        raise Http404(_("No such file."))
    return file_download(stored.file, filename=stored.original_name, content_type=stored.content_type)
