"""Who reaches what: every official role, every grievance, every workspace URL that takes a grievance.

Outside an official's remit every URL is a 404 that names nothing of the grievance; inside it the page
opens and an action either follows the lifecycle or changes nothing. Queues list exactly the remit and
mask personal numbers. Citizens reach only the grievances filed with the mobile they proved.

The URL list is read from the URLconfs: a new URL that takes a grievance and is not walked here fails
`test_the_matrix_walks_every_url_that_takes_a_grievance`.

The grievances are built once for the module (inside an outer transaction rolled back at the end);
each test runs in its own savepoint, so an action one test takes is gone before the next.
"""

import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from django.contrib.auth import get_user_model
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.test import Client
from django.test.utils import override_settings
from django.urls import URLPattern, reverse
from django_otp.plugins.otp_totp.models import TOTPDevice

from ekaasel.core.errors import InvalidTransition, NotPermitted
from ekaasel.grievances import actions
from ekaasel.grievances.models import Grievance, GrievanceEvent, ProblemKind
from ekaasel.grievances.permissions import Actor, in_remit
from ekaasel.grievances.states import Action, Status, transition_for
from ekaasel.identity.models import Official, Role
from ekaasel.organisations.models import Department, District, Ministry, Service, ServiceDelivery
from ekaasel.portal import urls as portal_urls
from ekaasel.workspace import urls as workspace_urls
from ekaasel.workspace.views.grievance import ACTIONS
from tests.conftest import sign_in_verified
from tests.portal.conftest import prove_mobile

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
PDF = b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<<>>\nendobj\ntrailer\n<<>>\n%%EOF\n"
APPLICATION_ID = re.compile(r"EK-\d{2}-\d{6}-\d")

ROLES = [
    "assessor", "pmo", "monitor", "health_secretary", "medical_head", "medical_officer",
    "works_secretary", "roads_head",
]


@dataclass(frozen=True)
class Applicant:
    name: str
    national_id: str
    mobile: str  # E.164

    @property
    def local_mobile(self) -> str:
        return self.mobile.removeprefix("+975")


# Each grievance has its own applicant, subject and file, so a leak names exactly whose data it is.
GRIEVANCES: dict[str, tuple[Applicant, str]] = {
    "medical_assigned": (Applicant("Pema Choden", "10101000011", "+97517200011"), "Referral letter lost twice"),
    "roads_forwarded": (Applicant("Sonam Dorji", "11202000022", "+97577200022"), "Road cutting permit stuck"),
    "submitted": (Applicant("Tashi Lhamo", "10303000033", "+97517200033"), "Clinic refused my card"),
    "health_resolved": (Applicant("Ugyen Tenzin", "11404000044", "+97577200044"), "Hospital queue never moves"),
}

# Written out by hand (not computed with in_remit) so the matrix checks the rule, not itself.
VISIBLE: dict[str, set[str]] = {
    "assessor": set(GRIEVANCES),
    "pmo": set(GRIEVANCES),
    "monitor": set(GRIEVANCES),
    "health_secretary": {"medical_assigned", "health_resolved"},
    "medical_head": {"medical_assigned"},
    "medical_officer": {"medical_assigned"},
    "works_secretary": {"roads_forwarded"},
    "roads_head": {"roads_forwarded"},
}


# --- the URLs, from the URLconf --------------------------------------------------------------------


@dataclass(frozen=True)
class Target:
    """One request the matrix makes: a URL name, the action slug for action URLs, and the method."""

    name: str
    method: str
    action: str = ""

    @property
    def label(self) -> str:
        return f"{self.method} {self.name}{':' + self.action if self.action else ''}"


def _grievance_patterns() -> list[URLPattern]:
    return [
        p for p in workspace_urls.urlpatterns
        if isinstance(p, URLPattern) and "<int:pk>" in str(p.pattern)
    ]


def _targets_for(pattern: URLPattern) -> list[Target]:
    route = str(pattern.pattern)
    name = pattern.name or ""
    converters = set(re.findall(r"<[^>]+>", route)) - {"<int:pk>"}
    if not converters:
        return [Target(name, "GET")]
    if converters == {"<int:attachment_id>"}:
        return [Target(name, "GET")]
    if converters == {"<slug:action>"}:
        return [Target(name, "POST", action) for action in sorted(ACTIONS)]
    return []  # a URL this matrix does not know how to call: the coverage test fails


TARGETS = [t for p in _grievance_patterns() for t in _targets_for(p)]
CASES = [(role, key, target) for role in ROLES for key in GRIEVANCES for target in TARGETS]


def test_the_matrix_walks_every_url_that_takes_a_grievance() -> None:
    names = {p.name for p in _grievance_patterns()}
    walked = {t.name for t in TARGETS}
    assert names == walked, f"not walked by the matrix: {sorted(str(n) for n in names - walked)}"
    assert {"grievance", "attachment", "grievance_action"} <= names
    assert {t.action for t in TARGETS if t.action} == set(ACTIONS)


# --- the world, built once for the module ------------------------------------------------------------


@dataclass
class World:
    officials: dict[str, Official]
    grievance_ids: dict[str, int]
    attachment_ids: dict[str, int]
    ministries: dict[str, Ministry]
    departments: dict[str, Department]

    def grievance(self, key: str) -> Grievance:
        return Grievance.objects.get(pk=self.grievance_ids[key])


def _official(username: str, role: Role, ministry: Ministry | None = None,
              department: Department | None = None) -> Official:
    user = get_user_model().objects.create_user(username=username, password="x" * 16)
    TOTPDevice.objects.create(user=user, name="authenticator", confirmed=True)
    return Official.objects.create(user=user, role=role, ministry=ministry, department=department)


def _build_world() -> World:
    health = Ministry.objects.create(code="moh", name="Ministry of Health", resolution_working_days=10)
    works = Ministry.objects.create(code="mowhs", name="Ministry of Works and Human Settlement")
    medical = Department.objects.create(ministry=health, code="dms", name="Department of Medical Services")
    roads = Department.objects.create(ministry=works, code="dor", name="Department of Roads")
    referral = Service.objects.create(
        code="medical-referral", name="Medical referral abroad", ministry=health, department=medical,
        delivery=ServiceDelivery.ONLINE,
    )
    road_permit = Service.objects.create(
        code="road-cutting-permit", name="Road cutting permit", ministry=works, department=roads,
        delivery=ServiceDelivery.ONLINE,
    )
    thimphu = District.objects.create(code="thimphu", name="Thimphu")
    officials = {
        "assessor": _official("assessor", Role.ASSESSOR),
        "pmo": _official("pmo", Role.PMO),
        "monitor": _official("monitor", Role.MONITOR),
        "health_secretary": _official("health-secretary", Role.SECRETARY, health),
        "medical_head": _official("medical-head", Role.HEAD_OF_DEPARTMENT, health, medical),
        "medical_officer": _official("medical-officer", Role.AGENCY_OFFICER, health, medical),
        "works_secretary": _official("works-secretary", Role.SECRETARY, works),
        "roads_head": _official("roads-head", Role.HEAD_OF_DEPARTMENT, works, roads),
    }
    assessor = Actor.of_official(officials["assessor"])

    def submit(key: str, service: Service, upload: SimpleUploadedFile) -> Grievance:
        applicant, subject = GRIEVANCES[key]
        return actions.grievance_file(
            national_id=applicant.national_id, applicant_name=applicant.name, mobile=applicant.mobile,
            service=service, problem_kind=ProblemKind.DELAYED, subject=subject,
            description=f"Description of: {subject}.", district=thimphu, attachments=[upload],
        ).grievance

    medical_assigned = submit("medical_assigned", referral, SimpleUploadedFile("letter.pdf", PDF))
    actions.grievance_forward(grievance_id=medical_assigned.pk, actor=assessor, ministry=health, department=medical)
    actions.grievance_assign(grievance_id=medical_assigned.pk, actor=Actor.of_official(officials["medical_head"]),
                             assignee=officials["medical_officer"])
    roads_forwarded = submit("roads_forwarded", road_permit, SimpleUploadedFile("permit.png", PNG))
    actions.grievance_forward(grievance_id=roads_forwarded.pk, actor=assessor, ministry=works, department=roads)
    submitted = submit("submitted", referral, SimpleUploadedFile("card.png", PNG))
    health_resolved = submit("health_resolved", referral, SimpleUploadedFile("queue.pdf", PDF))
    actions.grievance_forward(grievance_id=health_resolved.pk, actor=assessor, ministry=health)
    actions.grievance_resolve(grievance_id=health_resolved.pk, actor=Actor.of_official(officials["health_secretary"]),
                              resolution="A second counter opens on Monday.")
    built = {"medical_assigned": medical_assigned, "roads_forwarded": roads_forwarded, "submitted": submitted,
             "health_resolved": health_resolved}
    grievance_ids = {key: g.pk for key, g in built.items()}
    attachment_ids = {}
    for key, g in built.items():
        attachment = g.attachments.get()
        attachment_ids[key] = attachment.pk
    return World(
        officials=officials, grievance_ids=grievance_ids, attachment_ids=attachment_ids,
        ministries={"health": health, "works": works}, departments={"medical": medical, "roads": roads},
    )


@pytest.fixture(scope="module")
def world(
    django_db_setup: None, django_db_blocker: Any, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[World]:
    media = override_settings(MEDIA_ROOT=str(tmp_path_factory.mktemp("media")))
    with django_db_blocker.unblock():
        media.enable()
        outer = transaction.atomic()
        # Like TestCase's class-level transaction: durable actions may still run inside it.
        outer._from_testcase = True  # type: ignore[attr-defined]
        outer.__enter__()
        try:
            yield _build_world()
        finally:
            transaction.set_rollback(True)
            outer.__exit__(None, None, None)
            media.disable()


@pytest.fixture
def w(world: World, db: None) -> World:
    """The module's world, inside this test's own savepoint."""
    return world


def _client_for(official: Official) -> Client:
    return sign_in_verified(Client(), official.user)


def _personal_data(key: str) -> list[str]:
    applicant, subject = GRIEVANCES[key]
    return [subject, applicant.name, applicant.mobile, applicant.local_mobile, applicant.national_id]


def _url(w: World, key: str, target: Target) -> str:
    pk = w.grievance_ids[key]
    if target.name == "attachment":
        return reverse("workspace:attachment", args=[pk, w.attachment_ids[key]])
    if target.action:
        return reverse(f"workspace:{target.name}", args=[pk, target.action])
    return reverse(f"workspace:{target.name}", args=[pk])


def _post_data(w: World, key: str, grievance: Grievance, action: str) -> dict[str, Any]:
    """A valid form for the action, so a refusal comes from the rules, not from a missing field."""
    other = "health_resolved" if key != "health_resolved" else "submitted"
    on_roads = key == "roads_forwarded"
    assignee = w.officials["roads_head" if on_roads else "medical_officer"]
    data: dict[str, dict[str, Any]] = {
        Action.FORWARD: {"ministry": w.ministries["works"].pk, "department": w.departments["roads"].pk},
        Action.RESOLVE: {"resolution": "Your papers are ready at the counter."},
        Action.REJECT: {"reason": "This is not a public service."},
        Action.ASK_INFO: {"question": "Which hospital did you visit?"},
        Action.MARK_DUPLICATE: {"original": w.grievance(other).application_id},
        Action.ACKNOWLEDGE: {},
        Action.ASSIGN: {"assignee": assignee.pk},
        Action.RETURN: {"reason": "This is for another ministry."},
        Action.ESCALATE: {},
        Action.TAKE_UP: {},
        Action.NOTE: {},
    }
    assert action in data, f"give the matrix a valid form for the new action {action!r}"
    return {"version": grievance.version, "note": "Matrix note", **data[action]}


def _lifecycle_allows(official: Official, grievance: Grievance, action: str) -> bool:
    """Whether the lifecycle table and the role let this official take this action now."""
    try:
        actor = Actor.of_official(official)
        transition_for(Action(action), Status(grievance.status), actor.kind)
    except (NotPermitted, InvalidTransition):
        return False
    if action == Action.ASSIGN and official.role == Role.AGENCY_OFFICER:
        return False
    return not (action == Action.TAKE_UP and grievance.pmo_following)


def test_the_remit_rule_matches_the_expected_table(w: World) -> None:
    for role in ROLES:
        seen = {key for key in GRIEVANCES if in_remit(w.officials[role], w.grievance(key))}
        assert seen == VISIBLE[role], role


# --- the matrix ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("role", "key", "target"), CASES, ids=[f"{r}-{k}-{t.label}" for r, k, t in CASES]
)
def test_access(w: World, role: str, key: str, target: Target) -> None:
    official = w.officials[role]
    before = w.grievance(key)
    events_before = GrievanceEvent.objects.filter(grievance=before).count()
    client = _client_for(official)
    url = _url(w, key, target)

    if target.method == "GET":
        response = client.get(url)
    else:
        response = client.post(url, _post_data(w, key, before, target.action))
    after = w.grievance(key)

    if key not in VISIBLE[role]:
        assert response.status_code == 404, f"{role} reached {url} outside his remit"
        body = b"".join(response) if response.streaming else response.content  # type: ignore[attr-defined]
        page = body.decode(errors="replace")
        leaked = [value for value in _personal_data(key) if value in page]
        assert not leaked, f"{url} leaks {leaked} to {role}"
        assert (after.status, after.version) == (before.status, before.version)
        assert GrievanceEvent.objects.filter(grievance=after).count() == events_before
        return

    if target.name == "attachment":
        assert response.status_code == 200, url
        assert b"".join(response.streaming_content) in (PNG, PDF)  # type: ignore[attr-defined]
    elif target.method == "GET":
        assert response.status_code == 200, url
        page = response.content.decode()
        assert before.application_id in page
        if role == "monitor":
            applicant = GRIEVANCES[key][0]
            assert applicant.national_id not in page and applicant.local_mobile not in page
    elif _lifecycle_allows(official, before, target.action):
        assert response.status_code == 302, f"{role} could not {target.action} {key}: {response.status_code}"
        assert after.version == before.version + 1
        assert GrievanceEvent.objects.filter(grievance=after).count() == events_before + 1
    else:
        assert response.status_code in (200, 302), url
        assert (after.status, after.version) == (before.status, before.version), (
            f"{role} changed {key} with {target.action} against the lifecycle"
        )
        assert GrievanceEvent.objects.filter(grievance=after).count() == events_before


# --- queues --------------------------------------------------------------------------------------


def _all_numbers() -> list[str]:
    return [n for applicant, _s in GRIEVANCES.values()
            for n in (applicant.national_id, applicant.mobile, applicant.local_mobile)]


@pytest.mark.parametrize("role", ROLES)
def test_the_queue_lists_exactly_the_remit_and_masks_numbers(w: World, role: str) -> None:
    client = _client_for(w.officials[role])
    expected = {w.grievance(key).application_id for key in VISIBLE[role]}

    everything = client.get(reverse("workspace:queue"), {"queue": "all"})
    own_queue = client.get(reverse("workspace:queue"))

    assert everything.status_code == own_queue.status_code == 200
    assert set(APPLICATION_ID.findall(everything.content.decode())) == expected
    assert set(APPLICATION_ID.findall(own_queue.content.decode())) <= expected
    for response in (everything, own_queue):
        page = response.content.decode()
        shown = [number for number in _all_numbers() if number in page]
        assert not shown, f"the queue of {role} shows {shown}"


# --- citizens ------------------------------------------------------------------------------------

CITIZEN_OWN = "submitted"
OTHERS = [key for key in GRIEVANCES if key != CITIZEN_OWN]


def _portal_grievance_urls() -> list[tuple[str, str]]:
    """(name, method) of every "My grievances" URL that takes an application ID."""
    found = []
    for pattern in portal_urls.urlpatterns:
        route = str(pattern.pattern)
        if not route.startswith("my/<str:application_id>/") or not isinstance(pattern, URLPattern):
            continue
        name = pattern.name or ""
        found.append((name, "GET" if name in ("detail", "attachment") else "POST"))
    return found


PORTAL_URLS = _portal_grievance_urls()
CITIZEN_CASES = [(key, name, method) for key in OTHERS for name, method in PORTAL_URLS]


def test_the_citizen_matrix_walks_every_my_grievance_url() -> None:
    assert {name for name, _m in PORTAL_URLS} == {
        "detail", "attachment", "provide_info", "rate", "appeal", "withdraw"
    }


def _portal_url(w: World, key: str, name: str) -> str:
    application_id = w.grievance(key).application_id
    if name == "attachment":
        return reverse("portal:attachment", args=[application_id, w.attachment_ids[key]])
    return reverse(f"portal:{name}", args=[application_id])


@pytest.fixture
def citizen_a(w: World) -> Client:
    """A browser that proved the mobile of the citizen who filed CITIZEN_OWN."""
    client = prove_mobile(Client(), GRIEVANCES[CITIZEN_OWN][0].mobile)
    own = client.get(_portal_url(w, CITIZEN_OWN, "detail"))
    assert own.status_code == 200 and GRIEVANCES[CITIZEN_OWN][1] in own.content.decode()
    return client


@pytest.mark.parametrize(
    ("key", "name", "method"), CITIZEN_CASES, ids=[f"{k}-{m} {n}" for k, n, m in CITIZEN_CASES]
)
def test_a_citizen_cannot_reach_anothers_grievance(
    w: World, citizen_a: Client, key: str, name: str, method: str
) -> None:
    before = w.grievance(key)
    url = _portal_url(w, key, name)
    data = {"version": before.version, "rating": "5", "comment": "Fine", "reason": "Not solved",
            "answer": "At the national referral hospital"}

    response = citizen_a.get(url) if method == "GET" else citizen_a.post(url, data)

    assert response.status_code == 404, url
    page = response.content.decode(errors="replace")
    leaked = [value for value in _personal_data(key) if value in page]
    assert not leaked, f"{url} leaks {leaked}"
    after = w.grievance(key)
    assert (after.status, after.version) == (before.status, before.version)


@pytest.mark.parametrize("key", list(GRIEVANCES))
def test_tracking_by_application_id_shows_nothing_personal(w: World, client: Client, key: str) -> None:
    response = client.get(reverse("portal:track_status", args=[w.grievance(key).application_id]))

    assert response.status_code == 200
    page = response.content.decode()
    leaked = [value for value in _personal_data(key) if value in page]
    assert not leaked, leaked
    assert w.grievance(key).get_status_display() in page

