"""Demo data for development and demonstrations: never run by production deployments.

Everything goes through the domain actions, so demo grievances have real histories and SMS.
"""

import random
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone

from ekaasel.core import clock
from ekaasel.grievances import actions
from ekaasel.grievances.models import Channel, Grievance, ProblemKind
from ekaasel.grievances.permissions import Actor
from ekaasel.identity.models import Official, Role
from ekaasel.organisations.models import Department, District, Ministry, Service

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
        actions.grievance_file(
            national_id=DEMO_NATIONAL_ID,
            applicant_name="Demo Citizen",
            mobile=DEMO_MOBILE,
            service=service,
            problem_kind=ProblemKind(kind),
            subject=subject,
            description=description,
            district=district,
            submission_key=f"demo-{index}",
        ).grievance
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


# --- the demo caseload: ~200 grievances of many citizens over the last nine months ----------------

CASELOAD_KEY_PREFIX = "demo-caseload-"
CASELOAD_DAYS = 270

# Two given names, as Bhutanese names are: the second often tells a woman's name from a man's.
_FIRST_NAMES = (
    "Sonam", "Karma", "Tashi", "Pema", "Dorji", "Kinley", "Ugyen", "Tshering", "Jigme", "Namgay", "Sangay",
    "Yeshi", "Dechen", "Kezang", "Phuntsho", "Chimi", "Passang", "Thinley", "Rinzin", "Tandin", "Nima",
    "Deki", "Leki", "Jamyang", "Choki", "Tenzin", "Wangchuk", "Gyeltshen", "Lhamo", "Ngawang",
)
_SECOND_NAMES = (
    "Dorji", "Wangmo", "Choden", "Tshering", "Wangchuk", "Lhamo", "Penjor", "Yangzom", "Zangmo", "Dema",
    "Namgyel", "Gyeltshen", "Tenzin", "Rinchen", "Pelden", "Norbu", "Tobgay", "Lhadon", "Yangchen", "Tshomo",
    "Jamtsho", "Dorji", "Wangdi", "Om", "Bidha", "Phuntsho", "Drukpa", "Zam", "Choki", "Namgay",
)

# Per kind of problem: (subject, description); {service} is the service's name.
_TEMPLATES: dict[ProblemKind, tuple[tuple[str, str], ...]] = {
    ProblemKind.DELAYED: (
        ("{service}: no answer after {weeks} weeks",
         "I applied for {service} on the portal {weeks} weeks ago and paid the fee the same day. The status still "
         "shows 'under process' and nobody answers the phone number given on the website."),
        ("Still waiting for {service}",
         "My application was accepted at the counter and I was told it would take five working days. It has been "
         "{weeks} weeks. I have travelled to the office twice and was asked to come back next week."),
        ("Application for {service} pending since last month",
         "The online status has not changed since the day I applied. I need it for a job interview and the "
         "deadline is close. Please tell me what is missing."),
        ("Long delay in {service}",
         "I submitted all documents, including the route permit and my CID copy, {weeks} weeks ago. Other people "
         "who applied after me have already received theirs."),
    ),
    ProblemKind.NO_ACCESS: (
        ("Cannot open the online form for {service}",
         "The page shows an error after I enter my CID number. I tried on my phone and at the community centre, "
         "on three different days, with the same result."),
        ("{service} not available in our gewog",
         "The service is supposed to be available at the gewog centre, but the official says the system has "
         "been down for {weeks} weeks. We have to travel to the dzongkhag headquarters instead."),
        ("Payment fails for {service}",
         "The payment through mBoB is deducted from my account but the portal says the payment failed, and I "
         "cannot submit the application."),
        ("No one at the office for {service}",
         "I went to the office during working hours on two days and it was closed. There was no notice on the "
         "door and the phone was not answered."),
    ),
    ProblemKind.NOT_AS_ASKED: (
        ("Wrong details issued for {service}",
         "The document I received has my name spelt wrongly and the wrong date of birth, although my CID is "
         "correct in the application. I was told I must apply again and pay again."),
        ("Received something other than I applied for ({service})",
         "I applied for {service} but was given a different document. The counter staff said they cannot change "
         "it without a new application."),
        ("{service} only partly provided",
         "Only part of what I applied for was provided. The rest was refused without any reason in writing."),
    ),
    ProblemKind.STAFF_CONDUCT: (
        ("Rude behaviour of staff ({service})",
         "The official at the counter shouted at my elderly mother and refused to accept her form, telling us "
         "to come back another day without saying what was wrong with it."),
        ("Asked for an unofficial payment for {service}",
         "An official told me my file would move faster if I paid something extra. I refused and my file has not "
         "moved since."),
        ("Staff absent during office hours ({service})",
         "The responsible official was absent for a whole week and nobody else would attend to us. Many people "
         "from far villages were waiting."),
    ),
    ProblemKind.OTHER: (
        ("Request for information about {service}",
         "The website does not say which documents are needed for {service} or how long it takes. The phone "
         "number listed is no longer in service."),
        ("Suggestion to improve {service}",
         "Please allow the documents for {service} to be uploaded online instead of bringing paper copies to the "
         "office. It would save a day's travel for people in remote gewogs."),
    ),
}

# Grievances about services not in the catalogue: (what the citizen wrote, ministry, department) to forward to.
_OTHER_SERVICES = (
    ("Bus ticket booking at the Thimphu bus terminal", "moic", "road-safety-transport"),
    ("Street lights in our colony", "mowhs", "human-settlement"),
    ("Drinking water supply to the village", "mowhs", "engineering-services"),
    ("Scholarship stipend for college students", "moe", "adult-higher-education"),
    ("Compensation for crops damaged by wild animals", "moaf", "forests-park-services"),
)

_QUESTIONS = (
    "Please tell us the date you applied and the reference number shown on your receipt.",
    "Which office did you visit, and on which day? Please also give the name of the official if you know it.",
    "Please attach a photo of the payment receipt or the error message you see.",
    "Is this about your own application or a family member's? If a family member's, please give their CID.",
)
_ANSWERS = (
    "I applied on the portal; the reference number is on my receipt: 2026/{number}. I paid through mBoB.",
    "It was the dzongkhag office, on a Tuesday morning. I do not know the official's name.",
    "It is my father's application. He does not have a phone, so I am following it for him.",
)
_FORWARD_NOTES = (
    "Please look into this and inform the applicant.",
    "Repeated complaint about this service; please check the processing queue.",
    "Applicant has followed up several times. Kindly prioritise.",
    "",
)
_RESOLUTIONS = (
    "Your application has been processed and approved. You can collect the document at the counter from "
    "tomorrow, or download it from the portal.",
    "The technical problem has been fixed by the IT team. Please try again; if it still fails, call 1199.",
    "We apologise for the delay. The file was missing a verification step, which has now been completed. The "
    "service has been delivered.",
    "The official concerned has been counselled and a supervisor now checks the counter every morning. Your "
    "form has been accepted.",
    "The document has been corrected and reissued free of charge. Please collect it with your CID.",
    "The office timings are now displayed and a second officer has been deployed on the counter.",
)
_DIRECT_RESOLUTIONS = (
    "The documents required and the processing time are listed on the service page of the citizen portal, "
    "under 'How to apply'. Your application can be submitted there.",
    "Your application was already approved on the system; the SMS had not reached you. You can collect it now.",
)
_REJECTIONS = (
    "This concerns a private company, which is outside the scope of government services.",
    "This is a court matter that is already under trial; it cannot be handled as a grievance.",
    "The grievance does not describe a problem with a public service. Please file again with the details.",
)
_RETURN_REASONS = (
    "This service is handled by another department; please re-route.",
    "Not within our ministry's mandate: the service belongs to another agency.",
)
_RATING_COMMENTS = {
    5: ("Thank you, solved quickly.", "Very helpful, thank you.", ""),
    4: ("Solved, but it took long.", "Good, thank you.", ""),
    3: ("Solved in the end, after many follow-ups.", ""),
    2: ("Only partly solved.", "It took far too long."),
    1: ("Nothing has changed.", "The answer does not address my problem."),
}
_APPEAL_REASONS = (
    "The problem is not solved: I still have not received the service.",
    "The answer does not address what I complained about.",
    "I do not agree with the reason given; this is a public service.",
)
_WITHDRAW_REASONS = ("The problem was solved at the office.", "I no longer need the service.", "")
_DUPLICATE_NOTE = "The same complaint was filed earlier; it is being handled under the first application."

# How a grievance's story ends, with its weight in the caseload. Each step: (verb, days after the previous
# step). Verbs: ask, answer, forward, forward_wrong, return, ack, assign, resolve, direct, reject, duplicate,
# rate, close, appeal, withdraw, take_up. Open outcomes are mostly recent; the old ones are overdue.
_OUTCOMES: dict[str, tuple[int, tuple[tuple[str, int], ...]]] = {
    "closed_rated": (28, (("forward", 1), ("ack", 1), ("assign", 0), ("resolve", 8), ("rate", 2))),
    "closed_unrated": (6, (("forward", 2), ("ack", 1), ("resolve", 10), ("close", 15))),
    "resolved": (7, (("forward", 1), ("ack", 2), ("resolve", 6))),
    "direct_closed": (4, (("direct", 1), ("rate", 1))),
    "in_progress": (9, (("forward", 1), ("ack", 1), ("assign", 0))),
    "forwarded": (6, (("forward", 2),)),
    "submitted": (6, ()),
    "awaiting": (4, (("ask", 1),)),
    "info_then_closed": (4, (("ask", 1), ("answer", 3), ("forward", 1), ("ack", 1), ("resolve", 7), ("rate", 1))),
    "rejected": (6, (("reject", 2),)),
    "rejected_appeal": (2, (("reject", 1), ("appeal", 5), ("forward", 1), ("ack", 1), ("resolve", 6),
                            ("rate", 3))),
    "duplicate": (3, (("duplicate", 1),)),
    "returned_reforwarded": (4, (("forward_wrong", 1), ("return", 2), ("forward", 1), ("ack", 1), ("resolve", 6),
                                 ("rate", 2))),
    "returned_waiting": (1, (("forward_wrong", 1), ("return", 2))),
    "resolved_appeal": (3, (("forward", 1), ("ack", 1), ("resolve", 6), ("appeal", 4), ("forward", 1),
                            ("ack", 1), ("resolve", 5), ("rate", 2))),
    "appeal_waiting": (1, (("forward", 1), ("ack", 1), ("resolve", 7), ("appeal", 3))),
    "withdrawn": (3, (("forward", 1), ("withdraw", 4))),
    "awaiting_withdrawn": (1, (("ask", 1), ("withdraw", 3))),
    "taken_up": (2, (("forward", 1), ("ack", 2), ("take_up", 5))),
}
_OPEN_OUTCOMES = frozenset({
    "resolved", "in_progress", "forwarded", "submitted", "awaiting", "returned_waiting", "appeal_waiting",
    "taken_up",
})
_CITIZEN_VERBS = frozenset({"answer", "rate", "appeal", "withdraw"})
_CHANNELS = ((Channel.WEB, 70), (Channel.MOBILE_APP, 15), (Channel.SMS, 6), (Channel.ASSISTED, 7), (Channel.API, 2))
_KINDS = ((ProblemKind.DELAYED, 40), (ProblemKind.NO_ACCESS, 25), (ProblemKind.NOT_AS_ASKED, 14),
          (ProblemKind.STAFF_CONDUCT, 13), (ProblemKind.OTHER, 8))
_BUSY_DISTRICTS = {"thimphu": 5, "chhukha": 2, "paro": 2, "sarpang": 2, "wangdue-phodrang": 2}


@dataclass
class _Plan:
    outcome: str
    submitted_at: datetime
    steps: list[tuple[str, datetime]]


@dataclass
class _Cast:
    """Who acts in the caseload: the assessor, the PMO, and per agency who acknowledges, assigns, resolves."""

    assessor: Actor
    pmo: Actor
    secretaries: dict[int, Official]
    heads: dict[int, Official]
    officers: dict[int, Official]

    def agency_lead(self, grievance: Grievance) -> Official:
        """The Head of the department when the demo has one, else the ministry Secretary."""
        if grievance.department_id is not None and grievance.department_id in self.heads:
            return self.heads[grievance.department_id]
        assert grievance.ministry_id is not None
        return self.secretaries[grievance.ministry_id]

    def assignee_for(self, grievance: Grievance, lead: Official) -> Official | None:
        """An officer the lead can hand the grievance to, if the demo has one in that agency."""
        department = grievance.department_id
        if department is not None and department in self.officers:
            return self.officers[department]
        if department is not None and department in self.heads and self.heads[department] != lead:
            return self.heads[department]
        return None


def _cast() -> _Cast:
    """The demo officials who act, with a Secretary for each ministry the demo officials leave without one."""
    from ekaasel.workspace.demo import DemoOfficial, _ensure  # the workspace imports this module

    officials = Official.objects.select_related("user")
    for ministry in Ministry.objects.filter(is_active=True).order_by("code"):
        if not officials.filter(role=Role.SECRETARY, ministry=ministry).exists():
            _ensure(DemoOfficial(f"{ministry.code}-secretary", "Demo", f"Secretary ({ministry.code.upper()})",
                                 Role.SECRETARY, ministry.code))
    by_username = {o.user.get_username(): o for o in officials}
    try:
        assessor, pmo = by_username["assessor"], by_username["pmo"]
    except KeyError as missing:
        raise RuntimeError("Seed the demo officials first (seed_demo_officials).") from missing
    secretaries: dict[int, Official] = {}
    heads: dict[int, Official] = {}
    officers: dict[int, Official] = {}
    for official in sorted(by_username.values(), key=lambda o: o.user.get_username()):
        if official.role == Role.SECRETARY and official.ministry_id is not None:
            secretaries.setdefault(official.ministry_id, official)
        elif official.role == Role.HEAD_OF_DEPARTMENT and official.department_id is not None:
            heads.setdefault(official.department_id, official)
        elif official.role == Role.AGENCY_OFFICER and official.department_id is not None:
            officers.setdefault(official.department_id, official)
    return _Cast(Actor.of_official(assessor), Actor.of_official(pmo), secretaries, heads, officers)


def _weighted[T](rng: random.Random, choices: Sequence[tuple[T, int]]) -> T:
    return rng.choices([c for c, _w in choices], weights=[w for _c, w in choices])[0]


def _at_hour(rng: random.Random, day: datetime, *, working: bool) -> datetime:
    """A moment on `day` (local): office hours on a weekday for officials, daytime for citizens."""
    local = timezone.localtime(day)
    if working:
        while local.weekday() >= 5:
            local += timedelta(days=1)
        hour = rng.randint(9, 16)
    else:
        hour = rng.randint(7, 21)
    return local.replace(hour=hour, minute=rng.randint(0, 59), second=rng.randint(0, 59), microsecond=0)


def _plan(rng: random.Random, outcome: str, now: datetime) -> _Plan:
    """The moments of a grievance's steps: each later than the previous, the last one before `now`."""
    steps = _OUTCOMES[outcome][1]
    span = sum(days for _verb, days in steps) + 2 * len(steps)
    if outcome == "resolved":
        back = rng.uniform(span + 0.2, span + 8)  # resolved lately: not yet closed for want of a rating
    elif outcome in _OPEN_OUTCOMES and rng.random() < 0.7:
        back = rng.uniform(span + 0.2, span + 20)  # recent: still being handled
    else:
        back = rng.uniform(span + 1, CASELOAD_DAYS)
    jitter = [(rng.randint(0, 2), rng.random()) for _ in steps]
    start = now - timedelta(days=back)
    while True:
        submitted_at = _at_hour(rng, start, working=False)
        moments: list[tuple[str, datetime]] = []
        previous = submitted_at
        for (verb, days), (extra, fraction) in zip(steps, jitter, strict=True):
            moment = _at_hour(rng, previous + timedelta(days=days + extra), working=verb not in _CITIZEN_VERBS)
            if moment <= previous:
                moment = previous + timedelta(minutes=10 + int(fraction * 110))
            moments.append((verb, moment))
            previous = moment
        if previous < now - timedelta(minutes=5) and submitted_at < now - timedelta(minutes=5):
            return _Plan(outcome, submitted_at, moments)
        start -= timedelta(days=1)


def _unique(rng: random.Random, taken: set[str], make: Callable[[random.Random], str]) -> str:
    while (value := make(rng)) in taken:
        pass
    taken.add(value)
    return value


def _national_id(rng: random.Random) -> str:
    # 1 (census category), a dzongkhag code, then serial digits: the shape of a CID, not a real one.
    return f"1{rng.randint(1, 20):02d}{rng.randint(0, 99_999_999):08d}"


def _mobile(rng: random.Random) -> str:
    # 2xxxxx-4xxxxx only, so tests can pick numbers (e.g. 17555001) that never belong to a demo citizen.
    return f"+975{rng.choice(('17', '17', '77'))}{rng.randint(200_000, 499_999)}"


class _Caseload:
    """Files and moves the demo grievances, one step at a time, each at its own past moment."""

    def __init__(self, rng: random.Random, cast: _Cast) -> None:
        self.rng = rng
        self.cast = cast
        self.services = list(
            Service.objects.filter(is_active=True, ministry__is_active=True).select_related("ministry", "department")
            .order_by("code")
        )
        self.districts = list(District.objects.order_by("code"))
        self.ministries = {m.code: m for m in Ministry.objects.filter(is_active=True)}
        self.departments = {d.code: d for d in Department.objects.filter(is_active=True).select_related("ministry")}
        self.filed: list[Grievance] = []
        # Grievance pk -> the earlier grievance it repeats (the duplicates' originals).
        self.originals: dict[int, Grievance] = {}
        self.national_ids: set[str] = {DEMO_NATIONAL_ID}
        self.mobiles: set[str] = {DEMO_MOBILE}
        if not self.services or not self.districts:
            raise RuntimeError("Load the catalogue first (manage.py load_catalogue).")

    # --- filing ---

    def file(self, index: int, plan: _Plan) -> Grievance:
        rng = self.rng
        original = self._original() if plan.outcome == "duplicate" else None
        if original is not None:
            # The same citizen files the same complaint again a few days later.
            fields: dict[str, Any] = {
                "national_id": original.citizen.national_id, "applicant_name": original.applicant_name,
                "mobile": original.mobile, "service": original.service, "service_other": original.service_other,
                "problem_kind": ProblemKind(original.problem_kind), "subject": original.subject,
                "description": original.description, "district": original.district,
            }
        else:
            fields = self._new_story()
        with clock.as_of(plan.submitted_at):
            grievance = actions.grievance_file(
                **fields,
                channel=_weighted(rng, _CHANNELS),
                submission_key=f"{CASELOAD_KEY_PREFIX}{index:04d}",
            ).grievance
        if original is not None:
            self.originals[grievance.pk] = original
        else:
            self.filed.append(grievance)  # only first filings can be the original of a duplicate
        return grievance

    def _new_story(self) -> dict[str, object]:
        rng = self.rng
        kind = _weighted(rng, _KINDS)
        service: Service | None = None
        service_other = ""
        if rng.random() < 0.05:
            service_other = rng.choice(_OTHER_SERVICES)[0]
            service_name = service_other
        else:
            service = rng.choice(self.services)
            service_name = service.name
        subject, description = rng.choice(_TEMPLATES[kind])
        words = {"service": service_name[0].lower() + service_name[1:], "weeks": rng.randint(3, 9)}
        district = rng.choices(self.districts, weights=[_BUSY_DISTRICTS.get(d.code, 1) for d in self.districts])[0]
        return {
            "national_id": _unique(rng, self.national_ids, _national_id),
            "applicant_name": f"{rng.choice(_FIRST_NAMES)} {rng.choice(_SECOND_NAMES)}",
            "mobile": _unique(rng, self.mobiles, _mobile),
            "service": service,
            "service_other": service_other,
            "problem_kind": kind,
            "subject": subject.format(**words)[:1].upper() + subject.format(**words)[1:],
            "description": description.format(**words),
            "district": district,
        }

    def _original(self) -> Grievance | None:
        candidates = [g for g in self.filed if g.service_id is not None]
        return self.rng.choice(candidates[-20:]) if candidates else None

    # --- the steps ---

    def run(self, grievance: Grievance, plan: _Plan) -> None:
        for verb, moment in plan.steps:
            with clock.as_of(moment):
                grievance = self._step(verb, grievance, plan)

    def _target(self, grievance: Grievance) -> tuple[Ministry, Department | None]:
        """Where the assessor forwards it: the service's agency (or, for another service, the likely one)."""
        if grievance.service is not None:
            return grievance.service.ministry, grievance.service.department
        for text, ministry_code, department_code in _OTHER_SERVICES:
            if text == grievance.service_other:
                return self.ministries[ministry_code], self.departments.get(department_code)
        return self.ministries["mohca"], None

    def _wrong_target(self, grievance: Grievance) -> tuple[Ministry, Department | None]:
        right_ministry, right_department = self._target(grievance)
        siblings = [d for d in self.departments.values()
                    if d.ministry_id == right_ministry.pk and d != right_department]
        if siblings:
            wrong = self.rng.choice(sorted(siblings, key=lambda d: d.code))
            return right_ministry, wrong
        other = self.rng.choice(sorted((m for m in self.ministries.values() if m != right_ministry),
                                       key=lambda m: m.code))
        return other, None

    def _step(self, verb: str, g: Grievance, plan: _Plan) -> Grievance:
        rng, cast = self.rng, self.cast
        citizen = Actor.citizen(g.mobile)
        if verb in ("forward", "forward_wrong"):
            ministry, department = self._target(g) if verb == "forward" else self._wrong_target(g)
            actor = cast.pmo if plan.outcome == "taken_up" and rng.random() < 0.5 else cast.assessor
            return actions.grievance_forward(grievance_id=g.pk, actor=actor, ministry=ministry,
                                             department=department, note=rng.choice(_FORWARD_NOTES))
        if verb == "ask":
            return actions.grievance_ask_info(grievance_id=g.pk, actor=cast.assessor, question=rng.choice(_QUESTIONS))
        if verb == "answer":
            answer = rng.choice(_ANSWERS).format(number=rng.randint(1000, 9999))
            return actions.grievance_provide_info(grievance_id=g.pk, actor=citizen, answer=answer)
        if verb == "reject":
            return actions.grievance_reject(grievance_id=g.pk, actor=cast.assessor, reason=rng.choice(_REJECTIONS))
        if verb == "duplicate":
            original = self.originals.get(g.pk)
            if original is None:  # nothing earlier to point at: the assessor rejects it instead
                return actions.grievance_reject(grievance_id=g.pk, actor=cast.assessor, reason=_REJECTIONS[2])
            return actions.grievance_mark_duplicate(grievance_id=g.pk, actor=cast.assessor, original=original,
                                                    note=_DUPLICATE_NOTE)
        if verb == "direct":
            return actions.grievance_resolve(grievance_id=g.pk, actor=cast.assessor,
                                             resolution=rng.choice(_DIRECT_RESOLUTIONS))
        if verb == "ack":
            lead = Actor.of_official(cast.agency_lead(g))
            return actions.grievance_acknowledge(grievance_id=g.pk, actor=lead)
        if verb == "assign":
            lead_official = cast.agency_lead(g)
            assignee = cast.assignee_for(g, lead_official)
            if assignee is None or rng.random() < 0.3:
                return g
            return actions.grievance_assign(grievance_id=g.pk, actor=Actor.of_official(lead_official),
                                            assignee=assignee, note="Please handle and report back.")
        if verb == "resolve":
            resolver = g.assignee if g.assignee is not None else cast.agency_lead(g)
            return actions.grievance_resolve(grievance_id=g.pk, actor=Actor.of_official(resolver),
                                             resolution=rng.choice(_RESOLUTIONS))
        if verb == "return":
            lead = Actor.of_official(cast.agency_lead(g))
            return actions.grievance_return(grievance_id=g.pk, actor=lead, reason=rng.choice(_RETURN_REASONS))
        if verb == "rate":
            rating = _weighted(rng, ((5, 35), (4, 30), (3, 17), (2, 10), (1, 8)))
            return actions.grievance_rate(grievance_id=g.pk, actor=citizen, rating=rating,
                                          comment=rng.choice(_RATING_COMMENTS[rating]))
        if verb == "close":
            return actions.grievance_close_unrated(grievance_id=g.pk)
        if verb == "appeal":
            return actions.grievance_appeal(grievance_id=g.pk, actor=citizen, reason=rng.choice(_APPEAL_REASONS))
        if verb == "withdraw":
            return actions.grievance_withdraw(grievance_id=g.pk, actor=citizen, reason=rng.choice(_WITHDRAW_REASONS))
        if verb == "take_up":
            return actions.grievance_take_up(grievance_id=g.pk, actor=cast.pmo,
                                             note="The Lyonchhen's office follows this one.")
        raise ValueError(f"unknown demo step {verb!r}")



def _outcomes(rng: random.Random, count: int) -> list[str]:
    """Every outcome once when there is room for it (so every status appears), the rest by weight."""
    names = list(_OUTCOMES)
    chosen = names[:count] if count < len(names) else list(names)
    weights = [weight for weight, _steps in _OUTCOMES.values()]
    chosen += rng.choices(names, weights=weights, k=count - len(chosen))
    rng.shuffle(chosen)
    return chosen


@transaction.atomic
def seed_demo_caseload(count: int = 200, seed: int = 2026) -> int:
    """File `count` demo grievances of many citizens over the last nine months and move each through its
    lifecycle with the demo officials, through the domain actions at past moments (clock.as_of).

    Returns how many were filed: 0 if the caseload exists already. The same seed gives the same caseload.
    """
    if Grievance.objects.filter(submission_key__startswith=CASELOAD_KEY_PREFIX).exists():
        return 0
    rng = random.Random(seed)
    now = clock.now()
    caseload = _Caseload(rng, _cast())
    plans = sorted((_plan(rng, outcome, now) for outcome in _outcomes(rng, count)), key=lambda p: p.submitted_at)
    for index, plan in enumerate(plans):
        grievance = caseload.file(index, plan)
        caseload.run(grievance, plan)
    return len(plans)
