"""Grievances in the admin: administrators look, never change. State moves only through the domain
actions and the history is append-only, so the admin offers no add, change or delete."""

import re
from collections.abc import Callable
from typing import Any

import pytest
from django.contrib import admin
from django.contrib.auth import get_user_model
from django.test import Client
from django.urls import reverse

from ekaasel.grievances import actions
from ekaasel.grievances.models import Grievance, GrievanceEvent
from ekaasel.grievances.permissions import Actor
from ekaasel.identity.models import Official
from tests.conftest import MOBILE, sign_in_verified

pytestmark = pytest.mark.django_db


@pytest.fixture
def administrator(client: Client) -> Client:
    user = get_user_model().objects.create_superuser("administrator", "admin@example.bt", "x" * 16)
    return sign_in_verified(client, user)


@pytest.fixture
def forwarded(file_grievance: Callable[..., Grievance], officials: dict[str, Official],
              org: dict[str, Any]) -> Grievance:
    grievance = file_grievance()
    return actions.grievance_forward(
        grievance_id=grievance.pk, actor=Actor.of_official(officials["assessor"]),
        ministry=org["health"], department=org["medical"], note="For the referral desk",
    )


def _editable_controls(page: str) -> list[str]:
    """Names of the visible form controls on the page other than the admin's own (search, language)."""
    controls = re.findall(r'<(?:input|select|textarea)\b[^>]*>', page)
    visible = [c for c in controls if 'type="hidden"' not in c]
    names = [m.group(1) for c in visible if (m := re.search(r'\bname="([^"]+)"', c))]
    return [n for n in names if n not in ("q", "language", "next")]


def test_the_change_page_shows_the_grievance_and_its_history_without_editable_fields(
    administrator: Client, forwarded: Grievance
) -> None:
    response = administrator.get(reverse("admin:grievances_grievance_change", args=[forwarded.pk]))

    page = response.content.decode()
    assert response.status_code == 200
    assert forwarded.application_id in page and "For the referral desk" in page
    assert _editable_controls(page) == []
    assert 'name="_save"' not in page and 'name="_continue"' not in page


def test_posting_the_change_form_changes_nothing(administrator: Client, forwarded: Grievance) -> None:
    events = GrievanceEvent.objects.filter(grievance=forwarded).count()

    response = administrator.post(reverse("admin:grievances_grievance_change", args=[forwarded.pk]), {
        "status": "resolved", "subject": "Changed by hand", "version": forwarded.version,
        "events-TOTAL_FORMS": "0", "events-INITIAL_FORMS": "0",
    })

    assert response.status_code == 403
    after = Grievance.objects.get(pk=forwarded.pk)
    assert (after.status, after.subject, after.version) == (forwarded.status, forwarded.subject, forwarded.version)
    assert GrievanceEvent.objects.filter(grievance=forwarded).count() == events


def test_grievances_cannot_be_added_or_deleted(administrator: Client, forwarded: Grievance) -> None:
    add = administrator.get(reverse("admin:grievances_grievance_add"))
    delete = administrator.post(reverse("admin:grievances_grievance_delete", args=[forwarded.pk]), {"post": "yes"})
    bulk_delete = administrator.post(reverse("admin:grievances_grievance_changelist"), {
        "action": "delete_selected", "_selected_action": [forwarded.pk], "post": "yes",
    })

    assert add.status_code == delete.status_code == 403
    assert bulk_delete.status_code in (200, 302)
    assert Grievance.objects.filter(pk=forwarded.pk).exists()


def test_the_history_is_not_in_the_admin_on_its_own() -> None:
    assert not admin.site.is_registered(GrievanceEvent)
    registered = admin.site.get_model_admin(Grievance)
    for inline in registered.inlines:
        instance = inline(Grievance, admin.site)
        assert not instance.has_add_permission(None, None)  # type: ignore[arg-type]
        assert not instance.has_change_permission(None, None)  # type: ignore[arg-type]
        assert not instance.has_delete_permission(None, None)  # type: ignore[arg-type]


def test_the_list_masks_numbers_and_searches_by_application_id(
    administrator: Client, forwarded: Grievance, file_grievance: Callable[..., Grievance]
) -> None:
    other = file_grievance(subject="Another one")

    listed = administrator.get(reverse("admin:grievances_grievance_changelist"))
    found = administrator.get(reverse("admin:grievances_grievance_changelist"), {"q": forwarded.application_id})

    page = listed.content.decode()
    assert forwarded.application_id in page and other.application_id in page
    assert "10101001234" not in page and MOBILE not in page and MOBILE[-8:] not in page
    assert "•••••••1234" in page and "+975 17•••456" in page
    assert other.application_id not in found.content.decode()
