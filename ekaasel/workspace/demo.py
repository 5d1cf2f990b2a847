"""Demo officials of every role, each with a confirmed authenticator device. Development only; idempotent.

Their current codes are on /dev/totp/; the password is DEMO_OFFICIAL_PASSWORD.
"""

from dataclasses import dataclass

from django.contrib.auth import get_user_model
from django.db import transaction
from django_otp.plugins.otp_totp.models import TOTPDevice

from ekaasel.grievances.demo import DEMO_OFFICIAL_PASSWORD
from ekaasel.identity.models import Official, Role
from ekaasel.organisations.models import Department, Ministry

__all__ = ["DEMO_OFFICIALS", "DEMO_OFFICIAL_PASSWORD", "DemoOfficial", "seed_demo_officials"]


@dataclass(frozen=True)
class DemoOfficial:
    username: str
    first_name: str
    last_name: str
    role: Role
    ministry: str | None = None  # catalogue code
    department: str | None = None  # catalogue code


DEMO_OFFICIALS: tuple[DemoOfficial, ...] = (
    DemoOfficial("assessor", "Demo", "Assessor", Role.ASSESSOR),
    DemoOfficial("moh-secretary", "Dorji", "Wangmo", Role.SECRETARY, "moh"),
    DemoOfficial("moh-medical-head", "Pema", "Choden", Role.HEAD_OF_DEPARTMENT, "moh", "medical-services"),
    DemoOfficial("moh-medical-officer", "Sonam", "Tshering", Role.AGENCY_OFFICER, "moh", "medical-services"),
    DemoOfficial("mowhs-secretary", "Karma", "Dorji", Role.SECRETARY, "mowhs"),
    DemoOfficial("mowhs-roads-head", "Tashi", "Penjor", Role.HEAD_OF_DEPARTMENT, "mowhs", "roads"),
    DemoOfficial("mohca-secretary", "Kinley", "Wangchuk", Role.SECRETARY, "mohca"),
    DemoOfficial("mohca-census-head", "Yeshi", "Lhamo", Role.HEAD_OF_DEPARTMENT, "mohca", "civil-registration-census"),
    DemoOfficial("pmo", "Ugyen", "Namgyel", Role.PMO),
    DemoOfficial("psgrd", "Deki", "Yangzom", Role.MONITOR),
    DemoOfficial("admin", "System", "Administrator", Role.ADMINISTRATOR),
)


def _ensure(spec: DemoOfficial) -> bool:
    """Create what is missing for one demo official; True if the Official was created."""
    user, user_created = get_user_model().objects.get_or_create(
        username=spec.username, defaults={"first_name": spec.first_name, "last_name": spec.last_name}
    )
    if user_created:
        user.set_password(DEMO_OFFICIAL_PASSWORD)
        if spec.role == Role.ADMINISTRATOR:
            user.is_staff = True
            user.is_superuser = True
        user.save()
    ministry = Ministry.objects.get(code=spec.ministry) if spec.ministry else None
    department = Department.objects.get(code=spec.department) if spec.department else None
    _, official_created = Official.objects.get_or_create(
        user=user, defaults={"role": spec.role, "ministry": ministry, "department": department}
    )
    if not TOTPDevice.objects.filter(user=user, confirmed=True).exists():
        TOTPDevice.objects.create(user=user, name="Demo authenticator", confirmed=True)
    return official_created


@transaction.atomic
def seed_demo_officials() -> int:
    """The demo officials of every role (see README); returns how many were created. Safe to run again."""
    missing = [code for code in {s.ministry for s in DEMO_OFFICIALS} - {None} if code is not None]
    if Ministry.objects.filter(code__in=missing).count() < len(missing):
        raise RuntimeError("Load the catalogue first (manage.py load_catalogue).")
    return sum(_ensure(spec) for spec in DEMO_OFFICIALS)
