"""An official's API tokens: issue one for a system acting for him (shown once), list and revoke them."""

from django import forms
from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST

from ekaasel.api.tokens import issue_token, revoke_token, tokens_of
from ekaasel.workspace.access import current_official, official_required


class TokenForm(forms.Form):
    name = forms.CharField(
        label=gettext_lazy("What the token is for"),
        help_text=gettext_lazy("For example: the ministry's case management system."),
        max_length=100,
        error_messages={"required": gettext_lazy("Say what the token is for.")},
    )


@never_cache
@require_http_methods(["GET", "POST"])
@official_required
def tokens(request: HttpRequest) -> HttpResponse:
    """List the official's tokens; a valid POST issues a new one and shows it this once."""
    official = current_official(request)
    form = TokenForm(request.POST or None)
    new_token = None
    if request.method == "POST" and form.is_valid():
        new_token = issue_token(official=official, name=form.cleaned_data["name"])
        form = TokenForm()
    return render(request, "workspace/tokens.html", {
        "official": official,
        "form": form,
        "new_token": new_token,
        "tokens": tokens_of(official=official),
        "page_has_errors": bool(form.errors),
    })


@require_POST
@official_required
def revoke(request: HttpRequest, token_id: int) -> HttpResponse:
    """Revoke one of the official's own tokens."""
    if not revoke_token(token_id=token_id, official=current_official(request)):
        raise Http404(_("No such token."))
    messages.success(request, _("The token was revoked; systems using it are refused from now on."))
    return redirect("workspace:tokens")
