"""Form fields and widgets for long lists of choices (ministries, departments, services, districts).

Django's `Select` renders every option through its own included template; the workspace's filter forms
offer every ministry, department, service and district (a few hundred options), which made drawing the
form a larger part of a dashboard request than counting its figures. `Select` here writes the same HTML
(the attributes Django sets — id, required, aria-describedby, aria-invalid — and one `selected`
option) directly, escaped with `format_html`. `CatalogueChoiceField` reads its choices with one plain
query: Django's ModelChoiceField reads them through a server-side cursor on PostgreSQL (DECLARE, FETCH,
CLOSE: three round trips for a list of a few hundred rows).
"""

from collections.abc import Iterator
from typing import Any

from django import forms
from django.db import models
from django.forms.models import ModelChoiceIterator
from django.forms.utils import flatatt
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString, mark_safe

_SELECTED = mark_safe(" selected")  # nosec B308: a constant


class Select(forms.Select):
    """A single-choice <select> written without a template per option (no option groups)."""

    def render(self, name: str, value: Any, attrs: dict[str, Any] | None = None,
               renderer: Any = None) -> SafeString:
        wanted = set(self.format_value(value))
        options: list[tuple[str, str, Any]] = []
        chosen = False
        for option_value, label in self.choices:
            if isinstance(label, (list, tuple)):
                raise ValueError("ekaasel.core.widgets.Select does not render option groups")
            text = "" if option_value is None else str(option_value)
            selected = not chosen and text in wanted
            chosen = chosen or selected
            options.append((text, _SELECTED if selected else "", label))
        return format_html('<select name="{}"{}>\n{}\n</select>', name, flatatt(self.build_attrs(self.attrs, attrs)),
                           format_html_join("\n", '<option value="{}"{}>{}</option>', options))


class _ListedChoices(ModelChoiceIterator):
    def __iter__(self) -> Iterator[tuple[Any, Any]]:
        if self.field.empty_label is not None:
            yield ("", self.field.empty_label)
        for obj in self.queryset:  # the form's own copy of the queryset: read once per form
            yield self.choice(obj)


class CatalogueChoiceField[M: models.Model](forms.ModelChoiceField[M]):
    """A choice of one row of a short table (a catalogue entry, an officer), drawn with `Select`."""

    iterator = _ListedChoices
    widget = Select
