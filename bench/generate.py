"""Generate N realistic grievances on PostgreSQL with COPY, then rebuild the summary tables. Not a test.

    .venv/bin/python bench/generate.py -n 1000000          # DATABASE_URL default: .../ekaasel_bench

What is generated (the database's grievances, history, outbox and citizens are replaced):
- citizens (about one for every two grievances: many file more than once), CIDs of 11 digits, mobiles
  +975 16/17/77;
- grievances over several years (volume growing year by year), services skewed (Zipf: a few services get
  most grievances; 6% "other"), districts by population (2017 census), channels and kinds of problem by
  fixed shares, 15% in Dzongkha;
- each grievance follows one path of the lifecycle (forwarded, acknowledged, resolved, rated; closed
  unrated; resolved at assessment; rejected; appealed; returned as mis-routed; information asked;
  duplicate; withdrawn; stalled at the agency...), with delays drawn per step. A path is cut where its next
  step would lie in the future, so recent grievances are open and a few old ones are overdue and escalated;
- one history event per step, hash-chained with the project's own `event_digest` (so `verify_history`
  passes), and the citizen's SMS of every step that sends one in the outbox, sent and delivered (a few
  failed deliveries; the last minute's still queued);
- application IDs from the project's `ApplicationId` (per-year serials in filing order), and the
  per-year sequences set so new filings continue after them.

Not generated: attachments, officials' in-app notices and their SMS (the dashboards and reports do not
read them), reminders' recipients. Foreign keys are not checked during the load
(`session_replication_role = replica`): the rows are consistent by construction.
"""

import argparse
import json
import math
import os
import random
import resource
import sys
import time
from bisect import bisect
from collections.abc import Callable, Iterator, Sequence
from contextlib import ExitStack
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from datetime import time as clock_time
from functools import lru_cache
from itertools import accumulate
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bench.settings")
os.environ.setdefault("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/ekaasel_bench")

# 2017 Population and Housing Census of Bhutan, per dzongkhag (catalogue codes).
DISTRICT_POPULATION = {
    "thimphu": 138736, "chhukha": 68966, "samtse": 62590, "paro": 46316, "sarpang": 46004,
    "trashigang": 45518, "wangdue-phodrang": 42186, "mongar": 37150, "samdrup-jongkhar": 35079,
    "punakha": 28740, "dagana": 24965, "pemagatshel": 23632, "tsirang": 22376, "trongsa": 19960,
    "bumthang": 17820, "zhemgang": 17763, "trashiyangtse": 17300, "lhuentse": 14437, "haa": 13655,
    "gasa": 3952,
}
CHANNELS = {"web": 52, "mobile_app": 26, "sms": 8, "api": 5, "assisted": 9}
KINDS = {"delayed": 34, "no_access": 26, "not_as_asked": 19, "staff_conduct": 11, "other": 10}
# Lifecycle paths and their shares (percent). Steps are Action values; "close" is the system's.
PATHS: dict[str, tuple[float, tuple[str, ...]]] = {
    "rated": (41, ("forward", "acknowledge", "resolve", "rate")),
    "unrated": (20, ("forward", "acknowledge", "resolve", "close")),
    "direct_rated": (4, ("resolve", "rate")),
    "direct_unrated": (4, ("resolve", "close")),
    "info": (4, ("ask_info", "provide_info", "forward", "acknowledge", "resolve", "rate")),
    "returned": (3, ("forward", "return", "forward", "acknowledge", "resolve", "close")),
    "rejected": (6, ("reject",)),
    "rejected_appeal": (1, ("reject", "appeal", "forward", "acknowledge", "resolve", "rate")),
    "appeal": (3, ("forward", "acknowledge", "resolve", "appeal", "forward", "acknowledge", "resolve", "rate")),
    "duplicate": (3, ("mark_duplicate",)),
    "withdrawn": (2, ("withdraw",)),
    "withdrawn_at_agency": (1, ("forward", "withdraw")),
    "stalled": (2.5, ("forward", "acknowledge")),
    "stalled_forwarded": (1, ("forward",)),
    "awaiting": (0.5, ("ask_info",)),
}
STATUS_AFTER = {
    "submit": "submitted", "forward": "forwarded", "acknowledge": "in_progress", "resolve": "resolved",
    "rate": "closed", "close": "closed", "ask_info": "awaiting_citizen", "provide_info": "submitted",
    "return": "submitted", "reject": "rejected", "appeal": "submitted", "mark_duplicate": "closed",
    "withdraw": "withdrawn",
}
CITIZEN_SMS = {
    "submit": "submitted", "ask_info": "info_requested", "forward": "forwarded", "resolve": "resolved",
    "reject": "rejected", "mark_duplicate": "closed_duplicate", "appeal": "appeal_received", "withdraw": "withdrawn",
}
GIVEN = ("Tashi", "Sonam", "Karma", "Pema", "Dorji", "Kinley", "Ugyen", "Yeshi", "Tshering", "Dechen",
         "Kezang", "Namgay", "Jigme", "Chimi", "Sangay", "Phuntsho", "Ngawang", "Deki", "Choki", "Wangmo")
FAMILY = ("Wangchuk", "Dorji", "Choden", "Lhamo", "Penjor", "Wangdi", "Tenzin", "Zangmo", "Gyeltshen",
          "Dema", "Norbu", "Rinzin", "Yangzom", "Tobgay", "Namgyel", "Pelden")
SUBJECTS = {
    "delayed": "Still waiting for {service}",
    "no_access": "Could not apply for {service}",
    "not_as_asked": "Wrong outcome for {service}",
    "staff_conduct": "Conduct of staff at {service}",
    "other": "Problem with {service}",
}
DESCRIPTION = ("I applied for {service} in {district} and the matter is not settled. I visited the office "
               "twice and was asked to come back later. Please look into it and tell me what I should do.")
NOTES = {
    "submit": "",
    "forward": "Forwarded for action within the time limit.",
    "acknowledge": "Received; the responsible officer is looking into it.",
    "resolve": "The application was processed and the certificate issued; please collect it at the office.",
    "rate": "Thank you.",
    "ask_info": "Please give the date and office of your application.",
    "provide_info": "I applied at the dzongkhag office in March.",
    "return": "This service is delivered by another department.",
    "reject": "This is a private dispute, not a public service.",
    "appeal": "The problem is not solved.",
    "mark_duplicate": "",
    "withdraw": "Solved on my own.",
    "close": "",
    "escalate": "Overdue: past the time limit.",
    "remind": "",
}
DAY = 86400.0


@dataclass
class Catalogue:
    """The catalogue as loaded in the database: ids, codes, limits and the demo officials who act."""

    services: list[tuple[int, int, int | None, str, int | None]]  # id, ministry, department, name, limit
    service_weights: list[float]
    ministries: dict[int, tuple[str, int]]  # id -> code, limit
    departments: dict[int, tuple[str, str]]  # id -> code, name
    ministry_names: dict[int, str]
    districts: list[tuple[int, str]]
    district_weights: list[float]
    holidays: frozenset[date]
    weekend: tuple[int, ...]
    assessment_days: int
    default_limit: int
    auto_close_days: int
    assessor: int | None
    secretaries: dict[int, int]  # ministry id -> official id
    prefix: str


def load_catalogue(rng: random.Random) -> Catalogue:
    from django.conf import settings

    from ekaasel.identity.models import Official, Role
    from ekaasel.organisations.models import Department, District, Holiday, Ministry, Service

    ministries = {m.pk: (m.code, m.resolution_working_days or 0) for m in Ministry.objects.all()}
    departments = {d.pk: (d.code, d.name) for d in Department.objects.all()}
    services = [(s.pk, s.ministry_id, s.department_id, s.name, s.resolution_working_days)
                for s in Service.objects.filter(is_active=True).order_by("code")]
    order = list(range(len(services)))
    rng.shuffle(order)
    services = [services[i] for i in order]
    # Zipf over a shuffled catalogue: the first few services get most grievances.
    weights = [1 / (rank + 1) ** 1.1 for rank in range(len(services))]
    by_code = {d.code: d.pk for d in District.objects.all()}
    districts = [(by_code[code], code) for code in DISTRICT_POPULATION if code in by_code]
    officials = Official.objects.filter(role__in=[Role.ASSESSOR, Role.SECRETARY]).order_by("pk")
    assessor = next((o.pk for o in officials if o.role == Role.ASSESSOR), None)
    secretaries = {o.ministry_id: o.pk for o in officials if o.role == Role.SECRETARY and o.ministry_id}
    return Catalogue(
        services=services, service_weights=list(accumulate(weights)), ministries=ministries,
        departments=departments, ministry_names={m.pk: m.name for m in Ministry.objects.all()},
        districts=districts, district_weights=list(accumulate(DISTRICT_POPULATION[c] for _, c in districts)),
        holidays=frozenset(Holiday.objects.values_list("date", flat=True)),
        weekend=tuple(settings.EKAASEL["WEEKEND_DAYS"]), assessment_days=settings.EKAASEL["ASSESSMENT_WORKING_DAYS"],
        default_limit=settings.EKAASEL["DEFAULT_RESOLUTION_WORKING_DAYS"],
        auto_close_days=settings.EKAASEL["AUTO_CLOSE_AFTER_DAYS"], assessor=assessor, secretaries=secretaries,
        prefix=settings.EKAASEL["APPLICATION_ID_PREFIX"],
    )


def cumulative_choice(rng: random.Random, items: Sequence[Any], cumulative: Sequence[float]) -> Any:
    return items[bisect(cumulative, rng.random() * cumulative[-1])]


@dataclass
class Tables:
    """Rows for the four COPY streams, written as they are produced."""

    write: dict[str, Callable[[Sequence[Any]], None]]
    next_event: int = 1
    next_message: int = 1
    counts: dict[str, int] = field(default_factory=lambda: {"grievances": 0, "events": 0, "messages": 0})


GRIEVANCE_COLUMNS = (
    "id", "application_id", "service_id", "service_other", "problem_kind", "subject", "description",
    "district_id", "channel", "citizen_id", "applicant_name", "mobile", "language", "status", "ministry_id",
    "department_id", "assignee_id", "is_appeal", "is_returned", "escalation_level", "pmo_following",
    "duplicate_of_id", "closure_reason", "info_request", "rejection_reason", "resolution", "rating",
    "rating_comment", "assessment_due_at", "due_at", "remind_at", "reminded_at", "submitted_at",
    "info_requested_at", "forwarded_at", "acknowledged_at", "resolved_at", "rejected_at", "closed_at",
    "withdrawn_at", "appealed_at", "updated_at", "version", "submission_key",
)
EVENT_COLUMNS = ("id", "grievance_id", "action", "actor_official_id", "actor_kind", "from_status", "to_status",
                 "note", "internal", "data", "created_at", "prev_hash", "hash")
MESSAGE_COLUMNS = ("id", "channel", "recipient", "body", "template", "language", "event_key", "grievance_id",
                   "status", "attempts", "next_attempt_at", "last_error", "provider_message_id", "delivery_status",
                   "delivery_updated_at", "created_at", "sending_started_at", "sent_at", "failed_at")
CITIZEN_COLUMNS = ("id", "national_id", "name", "created_at")


def check_columns() -> None:
    """Fail clearly if a model gained a column this generator does not fill."""
    from ekaasel.grievances.models import Grievance, GrievanceEvent
    from ekaasel.identity.models import Citizen
    from ekaasel.notifications.models import Message

    for model, columns in ((Grievance, GRIEVANCE_COLUMNS), (GrievanceEvent, EVENT_COLUMNS),
                           (Message, MESSAGE_COLUMNS), (Citizen, CITIZEN_COLUMNS)):
        actual = {str(f.column) for f in model._meta.concrete_fields}
        if actual != set(columns):
            sys.exit(f"{model.__name__}: the generator's columns differ from the model's: "
                     f"missing {sorted(actual - set(columns))}, unknown {sorted(set(columns) - actual)}")


class Generator:
    def __init__(self, cat: Catalogue, rng: random.Random, now: datetime, tables: Tables) -> None:
        from ekaasel.grievances.application_id import ApplicationId
        from ekaasel.grievances.history import event_digest
        from ekaasel.notifications.templates_registry import DEFAULT_TEXTS

        self.cat, self.rng, self.now, self.t = cat, rng, now, tables
        self.application_id = ApplicationId
        self.digest = event_digest
        self.texts = {lang: {key: self._text(DEFAULT_TEXTS[key], lang) for key in set(CITIZEN_SMS.values())}
                      for lang in ("en", "dz")}
        path_items = list(PATHS.values())
        self.paths = [steps for _, steps in path_items]
        self.path_weights = list(accumulate(share for share, _ in path_items))
        self.channels, self.channel_weights = list(CHANNELS), list(accumulate(CHANNELS.values()))
        self.kinds, self.kind_weights = list(KINDS), list(accumulate(KINDS.values()))
        from django.conf import settings
        self.portal = str(settings.PORTAL_URL)
        self.ministry_by_code = {code: pk for pk, (code, _) in cat.ministries.items()}
        self.previous_id = ""
        self.queued_after = now - timedelta(minutes=1)

    @staticmethod
    def _text(lazy: Any, language: str) -> str:
        from django.utils import translation

        with translation.override(language):
            return str(lazy)

    @lru_cache(maxsize=100_000)  # noqa: B019 - one generator per run
    def due(self, start: date, working_days: int) -> datetime:
        """sla._end_of_working_day_after on the in-memory calendar (Asia/Thimphu end of the day)."""
        from django.utils import timezone

        from ekaasel.core.calendar import add_working_days

        day = add_working_days(start, working_days, holidays=self.cat.holidays, weekend=self.cat.weekend)
        return timezone.make_aware(datetime.combine(day, clock_time(23, 59, 59))).astimezone(UTC)

    def local_date(self, moment: datetime) -> date:
        return (moment + timedelta(hours=6)).date()  # Asia/Thimphu: UTC+6, no daylight saving

    def delay(self, step: str, limit: int) -> float:
        """Days from the previous step to `step`."""
        r = self.rng
        if step in ("forward", "resolve_direct", "reject", "mark_duplicate", "ask_info"):
            return 0.05 + r.expovariate(1 / 1.6)
        if step == "acknowledge":
            return 0.02 + r.expovariate(1.0)
        if step == "resolve":
            # Lognormal around 60% of the limit in calendar days; about one in six goes past the limit.
            return max(0.1, r.lognormvariate(math.log(limit * 1.4 * 0.6), 0.55))
        if step == "rate":
            return 0.1 + min(r.expovariate(1 / 2.5), self.cat.auto_close_days - 1)
        if step == "close":
            return self.cat.auto_close_days + r.random() / 96
        if step == "appeal":
            return r.uniform(1, 25)
        if step in ("provide_info", "return", "withdraw"):
            return 0.1 + r.expovariate(1 / 2.5)
        return 1.0

    def grievance(self, gid: int, submitted: datetime, serial_of: Callable[[int], int],
                  citizen: tuple[int, str, str, str]) -> None:
        r, cat = self.rng, self.cat
        if r.random() < 0.06:
            service_id, ministry_id, department_id, service_name, service_limit = None, None, None, "", None
            ministry_id = r.choice(list(cat.ministries))
            department_id = None
        else:
            service_id, ministry_id, department_id, service_name, service_limit = cumulative_choice(
                r, cat.services, cat.service_weights)
        district_id, district_code = cumulative_choice(r, cat.districts, cat.district_weights)
        channel = cumulative_choice(r, self.channels, self.channel_weights)
        kind = cumulative_choice(r, self.kinds, self.kind_weights)
        year = (submitted + timedelta(hours=6)).year % 100
        application_id = str(self.application_id(year=year, serial=serial_of(year)))
        limit = service_limit or cat.ministries[ministry_id][1] or cat.default_limit
        label = service_name or "another service"
        g: dict[str, Any] = {
            "status": "submitted", "ministry_id": None, "department_id": None, "is_appeal": False,
            "is_returned": False, "escalation_level": 0, "closure_reason": "", "info_request": "",
            "rejection_reason": "", "resolution": "", "rating": None, "rating_comment": "",
            "assessment_due_at": self.due(self.local_date(submitted), cat.assessment_days), "due_at": None,
            "remind_at": None, "reminded_at": None, "info_requested_at": None, "forwarded_at": None,
            "acknowledged_at": None, "resolved_at": None, "rejected_at": None, "closed_at": None,
            "withdrawn_at": None, "appealed_at": None, "version": 1,
        }
        events: list[tuple[str, datetime, dict[str, Any]]] = [("submit", submitted, {"channel": channel})]
        steps = cumulative_choice(r, self.paths, self.path_weights)
        moment = submitted
        forwards = 0
        for step in steps:
            kind_of_delay = "resolve_direct" if step == "resolve" and g["status"] == "submitted" else step
            moment = moment + timedelta(days=self.delay(kind_of_delay, limit))
            if g["due_at"] is not None and g["status"] in ("forwarded", "in_progress"):
                self.time_limit_events(g, events, until=min(moment, self.now))
            if moment >= self.now:
                break
            data: dict[str, Any] = {}
            if step == "forward":
                forwards += 1
                target_ministry, target_department = ministry_id, department_id
                if steps.count("return") and forwards == 1:  # mis-routed first: another ministry
                    target_ministry = r.choice([m for m in cat.ministries if m != ministry_id] or [ministry_id])
                    target_department = None
                g.update(ministry_id=target_ministry, department_id=target_department, is_returned=False,
                         forwarded_at=moment, escalation_level=0, reminded_at=None)
                g["due_at"] = self.due(self.local_date(moment), limit)
                g["remind_at"] = moment + (g["due_at"] - moment) * 0.75
                data = {"ministry": cat.ministries[target_ministry][0],
                        "department": cat.departments[target_department][0] if target_department else None}
            elif step == "acknowledge":
                g["acknowledged_at"] = moment
            elif step == "resolve":
                g.update(resolved_at=moment, resolution=NOTES["resolve"])
            elif step == "rate":
                rating = r.choices((1, 2, 3, 4, 5), weights=(8, 7, 15, 35, 35))[0]
                g.update(rating=rating, rating_comment=NOTES["rate"], closure_reason="rated", closed_at=moment)
                data = {"rating": rating}
            elif step == "close":
                g.update(closure_reason="no_rating", closed_at=moment)
            elif step == "ask_info":
                g.update(info_request=NOTES["ask_info"], info_requested_at=moment)
            elif step == "provide_info":
                g["assessment_due_at"] = self.due(self.local_date(moment), cat.assessment_days)
                data = {"attachments": []}
            elif step == "return":
                data = {"ministry": cat.ministries[g["ministry_id"]][0],
                        "department": cat.departments[g["department_id"]][0] if g["department_id"] else None}
                g.update(is_returned=True, ministry_id=None, department_id=None, due_at=None, remind_at=None,
                         escalation_level=0,
                         assessment_due_at=self.due(self.local_date(moment), cat.assessment_days))
            elif step == "reject":
                g.update(rejection_reason=NOTES["reject"], rejected_at=moment)
            elif step == "appeal":
                g.update(is_appeal=True, appealed_at=moment, due_at=None, remind_at=None, escalation_level=0,
                         assessment_due_at=self.due(self.local_date(moment), cat.assessment_days))
            elif step == "mark_duplicate":
                g["closure_reason"] = "duplicate"
                g["closed_at"] = moment
                g["duplicate_of"] = self.previous_id or application_id
                data = {"duplicate_of": g["duplicate_of"]}
            elif step == "withdraw":
                g["withdrawn_at"] = moment
            g["status"] = STATUS_AFTER[step]
            g["version"] += 1
            events.append((step, moment, data))
        if g["due_at"] is not None and g["status"] in ("forwarded", "in_progress"):
            self.time_limit_events(g, events, until=self.now)
        self.previous_id = application_id
        self.write(gid, application_id, g, events, service_id=service_id, label=label, kind=kind,
                   district_id=district_id, district=district_code, channel=channel, citizen=citizen)

    def time_limit_events(self, g: dict[str, Any], events: list[tuple[str, datetime, dict[str, Any]]],
                          until: datetime) -> None:
        """The reminder at 75% of the time and the escalations at the limit and 5 working days later."""
        if g["reminded_at"] is None and g["remind_at"] is not None and g["remind_at"] < until:
            moment = g["remind_at"] + timedelta(minutes=self.rng.uniform(0, 15))
            if moment < until:
                g["reminded_at"] = moment
                g["version"] += 1
                events.append(("remind", moment, {"officials": []}))
        due = g["due_at"]
        for level, at in ((1, due), (2, self.due(self.local_date(due), 5))):
            moment = at + timedelta(minutes=self.rng.uniform(1, 15))
            if g["escalation_level"] < level and moment < until:
                g["escalation_level"] = level
                g["version"] += 1
                events.append(("escalate", moment, {"level": level}))

    def write(self, gid: int, application_id: str, g: dict[str, Any],
              events: list[tuple[str, datetime, dict[str, Any]]], *, service_id: int | None, label: str,
              kind: str, district_id: int, district: str, channel: str,
              citizen: tuple[int, str, str, str]) -> None:
        t = self.t
        citizen_id, name, mobile, language = citizen
        submitted = events[0][1]
        t.write["grievance"]((
            gid, application_id, service_id, "" if service_id else "Land record at the gewog office", kind,
            SUBJECTS[kind].format(service=label)[:200], DESCRIPTION.format(service=label, district=district),
            district_id, channel, citizen_id, name, mobile, language, g["status"], g["ministry_id"],
            g["department_id"], None, g["is_appeal"], g["is_returned"], g["escalation_level"], False, None,
            g["closure_reason"], g["info_request"], g["rejection_reason"], g["resolution"], g["rating"],
            g["rating_comment"], g["assessment_due_at"], g["due_at"], g["remind_at"], g["reminded_at"], submitted,
            g["info_requested_at"], g["forwarded_at"], g["acknowledged_at"], g["resolved_at"], g["rejected_at"],
            g["closed_at"], g["withdrawn_at"], g["appealed_at"], events[-1][1], g["version"], None,
        ))
        t.counts["grievances"] += 1
        prev_hash = ""
        status = "submitted"
        ministry_id: int | None = None
        for action, moment, data in events:
            to_status = STATUS_AFTER.get(action, status)
            official, actor_kind = self.actor(action, status, ministry_id)
            note = NOTES[action]
            internal = action in ("forward", "acknowledge", "return", "escalate", "remind")
            digest = self.digest(
                application_id=application_id, action=action, actor_kind=actor_kind, actor_official_id=official,
                from_status=status, to_status=to_status, note=note, internal=internal, data=data,
                created_at=moment, prev_hash=prev_hash,
            )
            event_id = t.next_event
            t.next_event += 1
            t.write["event"]((event_id, gid, action, official, actor_kind, status, to_status, note, internal,
                              json.dumps(data), moment, prev_hash, digest))
            t.counts["events"] += 1
            prev_hash = digest
            if action == "forward":
                ministry_id = self.ministry_by_code[data["ministry"]]
            template = CITIZEN_SMS.get(action)
            if template:
                self.message(event_id, gid, template, application_id, mobile, language, moment, g, ministry_id)
            status = to_status

    def actor(self, action: str, status: str, ministry_id: int | None) -> tuple[int | None, str]:
        """The official (id) and actor kind of a step, as the actions record them."""
        if action in ("submit", "rate", "appeal", "withdraw", "provide_info"):
            return None, "citizen"
        if action in ("close", "escalate", "remind"):
            return None, "system"
        if action in ("acknowledge", "return") or (action == "resolve" and status != "submitted"):
            secretary = self.cat.secretaries.get(ministry_id or 0)
            return (secretary, "secretary") if secretary else (None, "agency")
        return (self.cat.assessor, "assessor") if self.cat.assessor else (None, "assessor")

    def message(self, event_id: int, gid: int, template: str, application_id: str, mobile: str, language: str,
                moment: datetime, g: dict[str, Any], ministry_id: int | None) -> None:
        context = {"application_id": application_id, "portal_url": self.portal,
                   "duplicate_of": g.get("duplicate_of", ""),
                   "agency": self.cat.ministry_names.get(ministry_id or 0, ""),
                   "due_date": f"{self.local_date(g['due_at']):%-d %b %Y}" if g["due_at"] else "-"}
        body = self.texts[language][template]
        for key, value in context.items():
            body = body.replace("{" + key + "}", value)
        t = self.t
        message_id = t.next_message
        t.next_message += 1
        queued = moment >= self.queued_after
        sent = None if queued else moment + timedelta(seconds=1 + self.rng.random() * 3)
        roll = self.rng.random()
        delivery = "" if queued or roll < 0.01 else ("failed" if roll < 0.03 else "delivered")
        t.write["message"]((
            message_id, "sms", mobile, body, template, language, f"grievance-event:{event_id}:{template}:{mobile}",
            gid, "queued" if queued else "sent", 0 if queued else 1, moment, "", "" if queued else f"k{message_id}",
            delivery, sent + timedelta(seconds=5) if sent and delivery else None, moment,
            None if queued else moment, sent, None,
        ))
        t.counts["messages"] += 1


def submission_times(n: int, years: float, now: datetime, rng: random.Random) -> Iterator[datetime]:
    """N moments over `years` up to now, in order; each year has more grievances than the one before
    (the last year about twice the first)."""
    span = years * 365 * DAY
    start = now - timedelta(seconds=span)
    growth = 2.0
    xs = sorted((-1 + math.sqrt(1 + (growth ** 2 - 1) * rng.random())) / (growth - 1) for _ in range(n))
    for x in xs:
        yield start + timedelta(seconds=x * span)


def ensure_database() -> None:
    """Create the PostgreSQL database named in DATABASE_URL if it does not exist yet."""
    import psycopg

    base, _, name = os.environ["DATABASE_URL"].rpartition("/")
    with psycopg.connect(f"{base}/postgres", autocommit=True) as conn:
        if not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone():
            conn.execute(f'CREATE DATABASE "{name}"')


def prepare(verbosity: int = 0) -> None:
    """Schema, catalogue and the demo officials (who act in the history and sign in to the dashboards)."""
    from django.core.management import call_command

    from ekaasel.workspace.demo import seed_demo_officials

    call_command("migrate", verbosity=verbosity)
    call_command("load_catalogue", verbosity=verbosity)
    seed_demo_officials()


def fill(n: int, *, years: float, seed: int, rng: random.Random, cat: Catalogue, now: datetime,
         write: dict[str, Callable[[Sequence[Any]], None]], progress: bool) -> dict[str, int]:
    """Generate the rows in filing order and hand them to `write`; returns counts and the last serials."""
    from tqdm import tqdm

    tables = Tables(write=write)
    # Citizens: about one per two grievances; a citizen's name, mobile and language stay the same.
    n_citizens = max(1, n // 2)
    written: set[int] = set()

    def citizen(index: int, moment: datetime) -> tuple[int, str, str, str]:
        crng = random.Random(index * 7919 + seed)
        name = f"{crng.choice(GIVEN)} {crng.choice(FAMILY)}"
        mobile = f"+975{crng.choice(('17', '77', '16'))}{index % 1_000_000:06d}"
        language = "dz" if crng.random() < 0.15 else "en"
        if index not in written:
            written.add(index)
            national_id = f"1{crng.randrange(1, 21):02d}{index:08d}"
            write["citizen"]((index, national_id, name, moment))  # first filing: the times ascend
        return index, name, mobile, language

    serials: dict[int, int] = {}

    def serial_of(year: int) -> int:
        serials[year] = serials.get(year, 0) + 1
        return serials[year]

    generator = Generator(cat, rng, now, tables)
    with tqdm(total=n, unit=" grievances", unit_scale=True, disable=not progress, smoothing=0.05) as bar:
        for gid, submitted in enumerate(submission_times(n, years, now, rng), start=1):
            generator.grievance(gid, submitted, serial_of, citizen(rng.randrange(1, n_citizens + 1), submitted))
            if gid % 5000 == 0:
                bar.update(5000)
        bar.update(n - bar.n)
    from ekaasel.grievances import serials as application_serials

    for year, last in serials.items():
        application_serials.move_past(year, last)
    return {**tables.counts, "citizens": len(written)}


def generate(n: int, *, years: float = 4.0, seed: int = 2026, progress: bool = True) -> dict[str, int]:
    """Replace the grievances with N generated ones; returns the row counts."""
    from django.db import connection

    from ekaasel.core import clock
    from ekaasel.grievances.models import Grievance, GrievanceEvent
    from ekaasel.identity.models import Citizen
    from ekaasel.notifications.models import Message

    check_columns()
    rng = random.Random(seed)
    cat = load_catalogue(rng)
    now = clock.now().astimezone(UTC).replace(microsecond=0)
    tables = {"grievance": Grievance._meta.db_table, "event": GrievanceEvent._meta.db_table,
              "message": Message._meta.db_table, "citizen": Citizen._meta.db_table}
    columns = {"grievance": GRIEVANCE_COLUMNS, "event": EVENT_COLUMNS, "message": MESSAGE_COLUMNS,
               "citizen": CITIZEN_COLUMNS}
    with connection.cursor() as cursor:
        cursor.execute("TRUNCATE {} RESTART IDENTITY CASCADE".format(", ".join(tables.values())))
    started = time.monotonic()
    secondary = secondary_indexes(list(tables.values()))
    with connection.cursor() as cursor:
        for name, _ in secondary:
            cursor.execute(f'DROP INDEX "{name}"')
    try:
        counts = copy_rows(n, tables=tables, columns=columns, years=years, seed=seed, rng=rng, cat=cat, now=now,
                           progress=progress)
    finally:
        # Built once over the loaded rows: several times faster than keeping them up to date row by row.
        with connection.cursor() as cursor:
            cursor.execute("SET maintenance_work_mem = '256MB'")
            for _, definition in secondary:
                cursor.execute(definition)
    counts["load_seconds"] = round(time.monotonic() - started)
    with connection.cursor() as cursor:
        for table in tables.values():
            cursor.execute(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                           f"(SELECT COALESCE(MAX(id), 0) + 1 FROM {table}), false)")
            # VACUUM sets the visibility map, as autovacuum does on a live table: without it an index-only scan
            # (the dashboards' overdue counts) reads a heap page per entry, 20 times slower at 1 million.
            cursor.execute(f"VACUUM ANALYZE {table}")
    return counts


def secondary_indexes(tables: list[str]) -> list[tuple[str, str]]:
    """(name, CREATE INDEX statement) of the tables' indexes that back no constraint."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            """SELECT i.indexname, i.indexdef FROM pg_indexes i
               WHERE i.schemaname = current_schema() AND i.tablename = ANY(%s)
               AND NOT EXISTS (SELECT 1 FROM pg_constraint c
                               WHERE c.conindid = (quote_ident(i.indexname))::regclass)""",
            [tables],
        )
        return list(cursor.fetchall())


def copy_rows(n: int, *, tables: dict[str, str], columns: dict[str, tuple[str, ...]], years: float, seed: int,
              rng: random.Random, cat: Catalogue, now: datetime, progress: bool) -> dict[str, int]:
    """Stream the generated rows into the tables with COPY."""
    import psycopg

    # One connection and one COPY per table, all open at once: PostgreSQL ingests on the other core while
    # this process generates. Leaving the stack ends each COPY and commits. Foreign keys are not checked
    # (replica role): the rows refer to each other by construction, whatever order the commits come in.
    with ExitStack() as stack:
        copies = {}
        for name, table in tables.items():
            conn = stack.enter_context(psycopg.connect(os.environ["DATABASE_URL"]))
            conn.execute("SET session_replication_role = replica")
            conn.execute("SET synchronous_commit = off")
            cursor = stack.enter_context(conn.cursor())
            copies[name] = stack.enter_context(cursor.copy(f"COPY {table} ({', '.join(columns[name])}) FROM STDIN"))
        return fill(n, years=years, seed=seed, rng=rng, cat=cat, now=now, progress=progress,
                    write={name: copy.write_row for name, copy in copies.items()})


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("-n", "--grievances", type=int, default=1_000_000)
    parser.add_argument("--years", type=float, default=4.0, help="spread of the filing dates, up to now")
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--no-summaries", action="store_true", help="skip rebuild_summaries")
    parser.add_argument("--if-missing", action="store_true",
                        help="do nothing when the database already holds at least N grievances")
    args = parser.parse_args()

    if not os.environ["DATABASE_URL"].startswith("postgres"):
        sys.exit("The generator needs PostgreSQL (COPY): set DATABASE_URL=postgres://...")
    ensure_database()
    import django

    django.setup()
    from django.core.management import call_command

    started = time.monotonic()
    prepare()
    if args.if_missing:
        from ekaasel.grievances.models import Grievance

        stored = Grievance.objects.count()
        if stored >= args.grievances:
            print(f"{os.environ['DATABASE_URL'].rpartition('/')[2]} already holds {stored:,} grievances: kept.")
            return
    counts = generate(args.grievances, years=args.years, seed=args.seed)
    print(f"loaded {counts['grievances']:,} grievances, {counts['events']:,} history events, "
          f"{counts['messages']:,} SMS, {counts['citizens']:,} citizens in {counts['load_seconds']} s "
          f"({counts['grievances'] / max(counts['load_seconds'], 1):,.0f} grievances/s)")
    if not args.no_summaries:
        rebuilt = time.monotonic()
        call_command("rebuild_summaries")
        from django.db import connection

        from ekaasel.reports.models import (
            AgencyDailyFigures,
            AgencyMonthlyFigures,
            AgencyMonthlyResolutionDays,
            AgencyOpenFigures,
            AgencyResolutionDays,
            DailyFigures,
            OpenFigures,
            ResolutionDays,
        )

        with connection.cursor() as cursor:  # statistics and visibility map, as autovacuum would give later
            for model in (DailyFigures, ResolutionDays, OpenFigures, AgencyDailyFigures, AgencyMonthlyFigures,
                          AgencyResolutionDays, AgencyMonthlyResolutionDays, AgencyOpenFigures):
                cursor.execute(f"VACUUM ANALYZE {model._meta.db_table}")
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # kB on Linux
        print(f"rebuild_summaries: {time.monotonic() - rebuilt:.0f} s, peak memory of the process {peak:,.0f} MB")
    print(f"total: {time.monotonic() - started:.0f} s   load average: {Path('/proc/loadavg').read_text().strip()}")


if __name__ == "__main__":
    main()
