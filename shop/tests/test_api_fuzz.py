"""schemathesis against the project's own OpenAPI schema: no server errors, and every
answer (status code, content type, body, headers) is what the schema documents.

Bounded and repeatable: a fixed number of examples per operation, derandomized
(Hypothesis' fixed seed), through the WSGI app on the real database.
"""

from __future__ import annotations

import json

import hypothesis
import pytest
import schemathesis
from django.core import signals
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from drf_spectacular.generators import SchemaGenerator
from schemathesis.specs.openapi.checks import positive_data_acceptance

EXAMPLES_PER_OPERATION = 40

schema = schemathesis.openapi.from_dict(
    json.loads(json.dumps(SchemaGenerator().get_schema(request=None, public=True), default=str))
)
schema.app = get_wsgi_application()


@pytest.fixture(autouse=True)
def _keep_the_test_connection():
    # The WSGI handler closes database connections after each request (as in
    # production); here that would close the test's transaction. Django's test
    # client disconnects the same signals.
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    yield
    signals.request_started.connect(close_old_connections)
    signals.request_finished.connect(close_old_connections)


@pytest.fixture(autouse=True)
def _generous_rate_limits(settings):
    # The limits are tested elsewhere; here they would only turn cases into 429s.
    settings.SHOP_API_RATE_PER_MINUTE = 1_000_000
    settings.SHOP_ASSISTANT_RATE_PER_MINUTE = 1_000_000
    settings.SHOP_PHOTO_SEARCH_RATE_PER_MINUTE = 1_000_000
    settings.SHOP_ORDER_LOOKUP_RATE_PER_MINUTE = 1_000_000


@pytest.mark.django_db
@schema.parametrize()
@hypothesis.settings(
    max_examples=EXAMPLES_PER_OPERATION,
    derandomize=True,
    deadline=None,
    database=None,
    suppress_health_check=list(hypothesis.HealthCheck),
)
def test_the_api_answers_as_its_schema_says(case):
    # Every check but "schema-valid request rejected": the API validates against the
    # database too (an unknown category name is a documented 400), which no static
    # schema can express.
    # Uncompressed: the WSGI transport hands the checks the raw body, and public
    # answers are gzipped for clients that accept it (shop/compression.py).
    case.call_and_validate(
        headers={"Accept-Encoding": "identity"}, excluded_checks=[positive_data_acceptance]
    )
