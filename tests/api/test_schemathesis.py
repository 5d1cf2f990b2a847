"""The OpenAPI document is a true contract: schemathesis generates requests from it and checks every answer.

In process (WSGI), with a fixed seed and every check schemathesis has; a failure here is a real
mismatch between the document and the API, to be fixed in the API.
"""

from collections.abc import Iterator

import pytest
import schemathesis
from django.core import signals
from django.core.cache import cache
from django.db import close_old_connections
from hypothesis import HealthCheck, Phase, settings

from config.wsgi import application
from ekaasel.api.citizen_tokens import issue_citizen_token
from ekaasel.api.tokens import issue_token
from ekaasel.identity.models import Official
from tests.conftest import MOBILE

schemathesis.checks.load_all_checks()
ALL_CHECKS = schemathesis.checks.CHECKS.get_all()


CONFIG = schemathesis.config.SchemathesisConfig.from_dict({
    # OpenAPI cannot say "no other query parameters", and the API ignores unknown ones on purpose
    # (clients add cache-busters and tracking tags); generating them only tests that gap in OpenAPI.
    "generation": {"allow-extra-parameters": False},
    "checks": {
        # The schema states every format rule (patterns, lengths, enums); what it cannot state is a
        # business refusal of well-formed data: a district or service code not in the catalogue, a
        # one-time code that does not match, a CID the identity check does not confirm, an action
        # the grievance's status does not allow. Those are 422 (or 409) by design, so 422 joins the
        # statuses this check accepts; the contract tests pin each of those refusals.
        "positive_data_acceptance": {
            "expected-statuses": ["2xx", "3xx", "401", "403", "404", "409", "422", "429"],
        },
    },
})
# Loaded when the tests are collected: serving the document touches no database.
schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", application, config=CONFIG)


@pytest.fixture
def in_test_transaction() -> Iterator[None]:
    """Keep the test's database connection across requests, as Django's test client does.

    The WSGI handler closes "old" connections when a request starts and ends; inside the test's
    transaction PostgreSQL's connection would be closed and every later request would fail.
    """
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    yield
    signals.request_started.connect(close_old_connections)
    signals.request_finished.connect(close_old_connections)


@pytest.fixture
def credentials(in_test_transaction: None, officials: dict[str, Official], file_grievance) -> dict[str, str]:
    """A citizen token (for the grievance it filed) and an assessor's API token."""
    file_grievance()
    return {
        "citizen": f"Bearer {issue_citizen_token(mobile=MOBILE)}",
        "official": f"Bearer {issue_token(official=officials['assessor'], name='schemathesis')}",
    }


@pytest.mark.django_db
@schema.parametrize()
@settings(
    max_examples=10, derandomize=True, deadline=None, database=None,
    phases=[Phase.explicit, Phase.generate],
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow,
                           HealthCheck.filter_too_much],
)
def test_api_matches_its_openapi_document(case, credentials) -> None:
    cache.clear()  # rate limits are a documented 429, but would hide the rest of the answers
    who = "official" if case.path.startswith("/official/") else "citizen"
    case.call_and_validate(headers={"Authorization": credentials[who]}, checks=ALL_CHECKS)
