"""Holidays and the catalogue are kept per process: an administrator's change is seen by the next filing.

A change saved in this process (the admin, a management command) is seen at once; one made where this
process gets no signal (another app server, QuerySet.update) within REFERENCE_CACHE_SECONDS.
"""

from datetime import date, datetime, timedelta

import pytest
import time_machine
from django.contrib.auth import get_user_model
from django.utils import timezone

from ekaasel.grievances.models import Grievance
from ekaasel.organisations.models import Holiday, Service
from tests.conftest import sign_in_verified

pytestmark = pytest.mark.django_db

FILING = {"national_id": "10101001234", "name": "Karma Wangchuk", "service": "medical-referral",
          "problem_kind": "delayed", "subject": "Referral late", "description": "Three weeks, no answer.",
          "district": "thimphu"}
MONDAY = "2026-03-02 09:00 +06:00"  # 3 working days of assessment: due Thursday 5 March


@pytest.fixture(autouse=True)
def _keep_for_a_minute(settings):
    settings.EKAASEL = {**settings.EKAASEL, "REFERENCE_CACHE_SECONDS": 60}


def assessment_due(api, citizen_auth, **changes: str) -> date:
    response = api.post("/api/v1/grievances", {**FILING, **changes}, **citizen_auth)
    assert response.status_code == 201, response.content
    application_id = response.json()["application_id"]
    due: datetime = Grievance.objects.get(application_id=application_id).assessment_due_at
    return timezone.localtime(due).date()


def test_a_holiday_added_in_the_admin_moves_the_next_due_date(api, org, citizen_auth, client):
    admin = get_user_model().objects.create_superuser("admin", "admin@example.test", "a-long-password-1")
    sign_in_verified(client, admin)
    with time_machine.travel(MONDAY, tick=False):
        assert assessment_due(api, citizen_auth) == date(2026, 3, 5)
        response = client.post("/admin/organisations/holiday/add/", {"date": "2026-03-04", "name": "Declared"})
        assert response.status_code == 302, response.content
        assert assessment_due(api, citizen_auth) == date(2026, 3, 6)  # Wednesday no longer counts

        Holiday.objects.get(date=date(2026, 3, 4)).delete()
        assert assessment_due(api, citizen_auth) == date(2026, 3, 5)


def test_a_holiday_written_without_signals_is_seen_once_the_copy_expires(api, org, citizen_auth):
    with time_machine.travel(MONDAY, tick=False) as traveller:
        Holiday.objects.create(date=date(2030, 1, 1), name="Far away")
        traveller.shift(timedelta(seconds=61))  # past the moments after a change here, when nothing is kept
        assert assessment_due(api, citizen_auth) == date(2026, 3, 5)
        # As another app server's admin would: this process hears nothing of it.
        Holiday.objects.bulk_create([Holiday(date=date(2026, 3, 4), name="Declared elsewhere")])
        assert assessment_due(api, citizen_auth) == date(2026, 3, 5)  # the copy is a minute old at most
        traveller.shift(timedelta(seconds=61))
        assert assessment_due(api, citizen_auth) == date(2026, 3, 6)


def test_a_service_withdrawn_from_the_catalogue_is_refused_by_the_next_filing(api, org, citizen_auth):
    referral: Service = org["referral"]  # type: ignore[assignment]
    with time_machine.travel(MONDAY, tick=False) as traveller:
        traveller.shift(timedelta(seconds=61))
        assert api.post("/api/v1/grievances", FILING, **citizen_auth).status_code == 201
        referral.is_active = False
        referral.save()
        refused = api.post("/api/v1/grievances", FILING, **citizen_auth)
        assert refused.status_code == 422
        assert refused.json()["error"]["fields"]["service"]

        referral.is_active = True
        referral.name = "Medical referral to hospitals abroad"
        referral.save()
        traveller.shift(timedelta(seconds=61))
        answer = api.post("/api/v1/grievances", FILING, **citizen_auth).json()
        assert answer["service"] == {"code": "medical-referral", "name": "Medical referral to hospitals abroad"}


def test_with_no_time_limit_every_filing_reads_the_calendar(api, org, citizen_auth, settings):
    settings.EKAASEL = {**settings.EKAASEL, "REFERENCE_CACHE_SECONDS": 0}
    with time_machine.travel(MONDAY, tick=False):
        assert assessment_due(api, citizen_auth) == date(2026, 3, 5)
        Holiday.objects.bulk_create([Holiday(date=date(2026, 3, 4), name="Declared elsewhere")])
        assert assessment_due(api, citizen_auth) == date(2026, 3, 6)
