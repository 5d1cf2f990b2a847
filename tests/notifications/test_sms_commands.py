"""SMS commands: parsing in English and Dzongkha, the answers, and idempotency of the inbound endpoint."""

from typing import Any

import pytest
from django.test import Client

from ekaasel.grievances.models import Channel, Grievance, ProblemKind
from ekaasel.notifications.inbound import InboundSms, handle_inbound_sms
from ekaasel.notifications.models import Message
from ekaasel.notifications.sms_commands import Command, parse_sms, split_new_argument, subject_from
from tests.conftest import MOBILE

SECRET = "s3cret-for-tests"
OTHER_MOBILE = "+97577123456"


@pytest.mark.parametrize(
    ("text", "command", "language", "argument"),
    [
        ("STATUS EK-26-000001-3", Command.STATUS, "en", "EK-26-000001-3"),
        ("  status   ek 26 000001 3", Command.STATUS, "en", "ek 26 000001 3"),
        ("Status: EK-26-000001-3", Command.STATUS, "en", "EK-26-000001-3"),
        ("གནས་སྟངས་ EK-26-000001-3", Command.STATUS, "dz", "EK-26-000001-3"),
        ("new 10101001234 No water in Changzamtog", Command.NEW, "en", "10101001234 No water in Changzamtog"),
        ("གསརཔ 10101001234 ཆུ་མེད།", Command.NEW, "dz", "10101001234 ཆུ་མེད།"),
        ("help", Command.HELP, "en", ""),
        ("རོགས་རམ", Command.HELP, "dz", ""),
        ("hello?", Command.UNKNOWN, "en", "hello?"),
        ("", Command.UNKNOWN, "en", ""),
        ("ཀུ་ཟུ་ཟངམ་བོ་ལា", Command.UNKNOWN, "dz", "ཀུ་ཟུ་ཟངམ་བོ་ལា"),
    ],
)
def test_parse_sms(text, command, language, argument):
    parsed = parse_sms(text)
    assert (parsed.command, parsed.language, parsed.argument) == (command, language, argument)


def test_split_new_argument_and_subject():
    assert split_new_argument("10101001234 No water") == ("10101001234", "No water")
    assert split_new_argument("101 010 01234 No water") == ("10101001234", "No water")
    assert split_new_argument("10101001234 3 days without water") == ("10101001234", "3 days without water")
    assert split_new_argument("abc no water") == ("abc", "no water")
    assert subject_from("short text") == "short text"
    long = "word " * 40
    assert len(subject_from(long)) <= 81 and subject_from(long).endswith("…")


def inbound(text: str, *, sender: str = MOBILE, gateway_id: str = "id-1") -> Message:
    return handle_inbound_sms(InboundSms(sender=sender, text=text, gateway_id=gateway_id))


@pytest.mark.django_db
def test_help_and_unknown_always_get_an_answer():
    assert "STATUS" in inbound("HELP", gateway_id="a").body
    unknown = inbound("What is this", gateway_id="b")
    assert "HELP" in unknown.body and unknown.recipient == MOBILE


@pytest.mark.django_db
def test_status_to_a_stranger_is_coarse_and_to_the_owner_detailed(file_grievance, officials):
    from ekaasel.grievances import actions
    from ekaasel.grievances.permissions import Actor

    grievance = file_grievance()
    actions.grievance_forward(grievance_id=grievance.pk, actor=Actor.of_official(officials["assessor"]),
                              ministry=grievance.service.ministry)
    grievance.refresh_from_db()

    coarse = inbound(f"status {grievance.application_id.lower()}", sender=OTHER_MOBILE, gateway_id="s1")
    assert coarse.recipient == OTHER_MOBILE
    assert grievance.application_id in coarse.body and "Forwarded to the agency" in coarse.body
    assert "Due by" in coarse.body and "Ministry of Health" not in coarse.body

    detailed = inbound(f"STATUS {grievance.application_id}", sender="17123456", gateway_id="s2")
    assert detailed.recipient == MOBILE
    assert "Ministry of Health" in detailed.body and "Last action" in detailed.body


@pytest.mark.django_db
def test_status_with_a_mistyped_or_unknown_id(file_grievance):
    grievance = file_grievance()
    wrong_check = grievance.application_id[:-1] + str((int(grievance.application_id[-1]) + 1) % 10)
    assert "not a valid application ID" in inbound(f"STATUS {wrong_check}", gateway_id="m1").body
    assert "no grievance" in inbound("STATUS EK-26-999999-" + _check("26999999"), gateway_id="m2").body
    assert "followed by your application ID" in inbound("STATUS", gateway_id="m3").body


def _check(digits: str) -> str:
    from ekaasel.grievances.application_id import damm_digit

    return str(damm_digit(digits))


@pytest.mark.django_db
def test_new_files_a_grievance_through_the_sms_channel_and_answers_with_its_id(org):
    reply = inbound("NEW 10101001234 No water supply in Changzamtog for two weeks", gateway_id="n1")

    grievance = Grievance.objects.get()
    assert grievance.channel == Channel.SMS and grievance.mobile == MOBILE
    assert grievance.service is None and grievance.problem_kind == ProblemKind.OTHER
    assert grievance.subject == "No water supply in Changzamtog for two weeks"
    assert grievance.district == org["thimphu"]
    assert reply.recipient == MOBILE and grievance.application_id in reply.body
    assert Message.objects.filter(recipient=MOBILE).count() == 1  # the answer is the "submitted" SMS


@pytest.mark.django_db
def test_new_in_dzongkha_files_in_dzongkha(org):
    inbound("གསརཔ 10101001234 ཆུ་མ་འཐོབ།", gateway_id="dz1")
    assert Grievance.objects.get().language == "dz"


@pytest.mark.django_db
def test_new_with_a_bad_cid_or_no_text_files_nothing(org):
    assert "not a CID number" in inbound("NEW 12345 no water", gateway_id="c1").body
    assert "11-digit CID" in inbound("NEW 10101001234", gateway_id="c2").body
    assert not Grievance.objects.exists()


@pytest.mark.django_db
def test_new_uses_the_configured_default_district(org, settings):
    from ekaasel.organisations.models import District

    paro = District.objects.create(code="paro", name="Paro")
    settings.SMS_DEFAULT_DISTRICT = "thimphu"
    inbound("NEW 10101001234 no water", gateway_id="d1")
    assert Grievance.objects.get().district == org["thimphu"]
    settings.SMS_DEFAULT_DISTRICT = ""
    inbound("NEW 10101001234 no power", gateway_id="d2")
    assert Grievance.objects.get(subject="no power").district == paro  # first by name


@pytest.fixture
def gateway(settings: Any) -> Client:
    settings.KANNEL_SHARED_SECRET = SECRET
    settings.KANNEL_ALLOWED_IPS = ["127.0.0.1", "::1"]
    return Client(REMOTE_ADDR="127.0.0.1")


@pytest.mark.django_db
@pytest.mark.urls("tests.kannel.urls")
def test_the_endpoint_is_idempotent_when_kannel_repeats_an_sms(gateway, org):
    url = f"/sms/inbound/kannel?from=%2B97517123456&text=NEW+10101001234+No+water&id=uuid-1&secret={SECRET}"
    first, second = gateway.get(url), gateway.get(url)

    assert first.status_code == second.status_code == 200 and first.content == b""
    assert Grievance.objects.count() == 1
    assert Message.objects.filter(recipient=MOBILE).count() == 1


@pytest.mark.django_db
@pytest.mark.urls("tests.kannel.urls")
def test_the_endpoint_decodes_ucs2_text(gateway):
    text = "རོགས་རམ".encode("utf-16-be")
    from urllib.parse import quote_from_bytes

    url = (f"/sms/inbound/kannel?from=%2B97517123456&text={quote_from_bytes(text)}&coding=2"
           f"&charset=UTF-16BE&id=u2&secret={SECRET}")
    assert gateway.get(url).status_code == 200
    reply = Message.objects.get()
    assert reply.template == "sms_help" and reply.language == "dz"


@pytest.mark.django_db
@pytest.mark.urls("tests.kannel.urls")
def test_the_endpoint_needs_a_sender(gateway):
    assert gateway.get(f"/sms/inbound/kannel?text=HELP&secret={SECRET}").status_code == 400
    assert not Message.objects.exists()
