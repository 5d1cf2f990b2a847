"""Demo data for development and demonstrations: never run by production deployments.

Everything goes through the domain actions, so demo grievances have real histories and SMS.
"""

from dataclasses import dataclass

from django.contrib.auth import get_user_model
from django.db import transaction

from ekaasel.grievances import actions
from ekaasel.grievances.models import Grievance, ProblemKind
from ekaasel.grievances.permissions import Actor
from ekaasel.identity.models import Official, Role
from ekaasel.organisations.models import District, Service

DEMO_MOBILE = "+97517000001"
DEMO_NATIONAL_ID = "11410001234"
DEMO_OFFICIAL_PASSWORD = "demo-password-2026"  # noqa: S105 - documented demo account, development only

_STORIES = [
    ("delayed", "Driving licence renewal pending for a month",
     "I renewed my driving licence online on the first of the month and paid the fee. It still shows pending."),
    ("no_access", "Cannot log in to the online trade licence service",
     "The page shows an error after I enter my CID. I tried on three different days."),
    ("staff_conduct", "Rude behaviour at the census counter",
     "The official at the counter refused to accept my form and shouted at my elderly father."),
    ("not_as_asked", "Received the wrong certificate",
     "I asked for a marriage certificate and was issued a census record instead."),
]


@dataclass(frozen=True)
class DemoReport:
    created_grievances: int
    created_officials: int


def _demo_assessor() -> tuple[Official, bool]:
    user_model = get_user_model()
    user, created = user_model.objects.get_or_create(
        username="assessor", defaults={"first_name": "Demo", "last_name": "Assessor"}
    )
    if created:
        user.set_password(DEMO_OFFICIAL_PASSWORD)
        user.save()
    official, made = Official.objects.get_or_create(user=user, defaults={"role": Role.ASSESSOR})
    return official, made


@transaction.atomic
def seed_demo_grievances() -> DemoReport:
    """A demo citizen's grievances in several states; does nothing if they exist already."""
    assessor, official_created = _demo_assessor()
    if Grievance.objects.filter(mobile=DEMO_MOBILE).exists():
        return DemoReport(0, int(official_created))
    services = list(Service.objects.filter(is_active=True).select_related("ministry", "department")[:4])
    district = District.objects.order_by("name").first()
    if len(services) < len(_STORIES) or district is None:
        raise RuntimeError("Load the catalogue first (manage.py load_catalogue).")
    filed = [
        actions.grievance_submit(
            national_id=DEMO_NATIONAL_ID,
            applicant_name="Demo Citizen",
            mobile=DEMO_MOBILE,
            service=service,
            problem_kind=ProblemKind(kind),
            subject=subject,
            description=description,
            district=district,
            submission_key=f"demo-{index}",
        )
        for index, (service, (kind, subject, description)) in enumerate(zip(services, _STORIES, strict=True))
    ]
    actor = Actor.of_official(assessor)
    forwarded = filed[0]
    actions.grievance_forward(
        grievance_id=forwarded.pk, actor=actor, ministry=services[0].ministry, department=services[0].department,
        note="Please look into the renewal queue.",
    )
    actions.grievance_ask_info(
        grievance_id=filed[1].pk, actor=actor, question="Which browser and which page show the error?"
    )
    actions.grievance_resolve(
        grievance_id=filed[3].pk, actor=actor,
        resolution="The census office has issued your marriage certificate; collect it at the counter.",
    )
    return DemoReport(len(filed), int(official_created))
