"""Property-based tests of the whole contract with schemathesis, generated from the server's own OpenAPI
document: whatever a client sends, no 5xx and no response that breaks the documented schema."""

from __future__ import annotations

from typing import Any

import pytest
import requests
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.checks import content_type_conformance, not_a_server_error, response_schema_conformance

from devstack.backend import BackendInfo
from tests.integration.backend.conftest import Api, Citizens


@pytest.fixture(scope="session")
def backend_openapi_schema(server: BackendInfo) -> Any:
    return schemathesis.openapi.from_url(f"{server.url}/v1/openapi.json")


schema = schemathesis.pytest.from_fixture("backend_openapi_schema")


@schema.parametrize()
@settings(
    max_examples=12,
    deadline=None,
    suppress_health_check=list(HealthCheck),
    database=None,
)
@pytest.mark.timeout(600)
def test_contract(case: Any, api: Api, citizens: Citizens) -> None:
    # A fresh certificate session for every case: a generated DELETE of the session must not starve
    # the cases after it of a token.
    token = api.login(citizens.jordi)["token"]
    headers = {"X-Kiosk-Id": api.kiosk[0], "X-Kiosk-Key": api.kiosk[1], "Authorization": f"Bearer {token}"}
    with requests.Session() as session:
        case.call_and_validate(
            base_url=api.info.url,
            session=session,
            headers=headers,
            checks=[not_a_server_error, response_schema_conformance, content_type_conformance],
            timeout=30,
        )
