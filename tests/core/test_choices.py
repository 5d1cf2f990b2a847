"""The workspace's long choice lists: the same <select> as Django's, read in one query, escaped."""

import re
from typing import Any

from django import forms
from django.db import connection
from django.test.utils import CaptureQueriesContext

from ekaasel.core.choices import CatalogueChoiceField, Select
from ekaasel.organisations.models import District, Ministry
from ekaasel.reports.forms import DashboardFilterForm
from ekaasel.workspace.forms import QueueFilterForm


def _options(html: str) -> list[tuple[str, bool, str]]:
    """(value, selected, label) of each <option>, whatever the attributes' order."""
    found = []
    for attrs, label in re.findall(r"<option([^>]*)>(.*?)</option>", html, flags=re.S):
        value = re.search(r'value="([^"]*)"', attrs)
        found.append((value.group(1) if value else "", " selected" in attrs, label.strip()))
    return found


def _select_attrs(html: str) -> set[str]:
    opening = re.search(r"<select([^>]*)>", html)
    assert opening is not None
    return set(re.findall(r'[\w-]+(?:="[^"]*")?', opening.group(1)))


class _DjangoForm(forms.Form):
    ministry = forms.ModelChoiceField(queryset=Ministry.objects.order_by("name"), empty_label="Any ministry")
    channel = forms.ChoiceField(choices=[("", "Any"), ("web", "Web"), ("sms", "SMS")], required=False)


class _OurForm(forms.Form):
    ministry = CatalogueChoiceField(queryset=Ministry.objects.order_by("name"), empty_label="Any ministry")
    channel = forms.ChoiceField(choices=[("", "Any"), ("web", "Web"), ("sms", "SMS")], required=False,
                                widget=Select)


def test_the_select_is_the_one_django_draws(org: dict[str, Any]) -> None:
    for data in ({"ministry": org["works"].pk, "channel": "sms"}, {"ministry": "999999", "channel": "fax"}, None):
        django_form, our_form = _DjangoForm(data), _OurForm(data)
        if data:  # bound: the invalid values' fields carry aria-invalid and the error's id
            assert django_form.is_valid() == our_form.is_valid()
        for name in ("ministry", "channel"):
            theirs, ours = str(django_form[name]), str(our_form[name])
            assert _options(ours) == _options(theirs)
            assert _select_attrs(ours) == _select_attrs(theirs)  # id, name, required, aria-invalid, aria-describedby
    chosen = _options(str(_OurForm({"ministry": org["works"].pk})["ministry"]))
    assert [label for _, selected, label in chosen if selected] == [str(org["works"])]


def test_names_are_escaped(org: dict[str, Any]) -> None:
    District.objects.create(code="evil", name='<script>alert("x")</script> & Co')
    html = str(DashboardFilterForm()["district"])
    assert "<script>" not in html
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; Co" in html


def test_a_filter_form_reads_each_list_in_one_plain_query(org: dict[str, Any]) -> None:
    form = QueueFilterForm({"ministry": org["health"].pk})
    form.is_valid()
    with CaptureQueriesContext(connection) as queries:
        html = "".join(str(form[name]) for name in ("ministry", "department", "service", "district"))
    assert len(queries) == 4
    assert not [q for q in queries if "DECLARE" in q["sql"] or "CURSOR" in q["sql"]]  # no server-side cursor
    assert f'value="{org["health"].pk}" selected' in html
    assert "Department of Roads" in html and "Medical referral abroad" in html
