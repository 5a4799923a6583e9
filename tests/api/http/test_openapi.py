"""schemathesis against the served OpenAPI document: no server error, no response that breaks
the schema, on every operation (bounded and deterministic examples)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from tests.api.served import ServedApi

CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServedApi]:
    db = Path(tmp_path_factory.mktemp("openapi")) / "fuzz.db"
    with ServedApi(f"sqlite:///{db}") as api:
        yield api
    assert api.invariants_ok


def test_the_api_keeps_its_openapi_promises(served: ServedApi) -> None:
    schema = schemathesis.openapi.from_url(f"{served.url}/openapi.json")
    headers = {"Authorization": f"Bearer {served.token}"}
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) >= 12
    for operation in operations:

        @given(case=operation.as_strategy())
        @settings(
            max_examples=30,
            derandomize=True,
            deadline=None,
            database=None,
            phases=[Phase.explicit, Phase.generate],
            suppress_health_check=list(HealthCheck),
        )
        def check(case: schemathesis.Case) -> None:
            case.call_and_validate(headers=headers, checks=CHECKS)

        check()
    # The examples did reach the server, and none of them made it fail.
    metrics = httpx.get(f"{served.url}/metrics").text
    served_requests = [
        line for line in metrics.splitlines() if line.startswith("strongroom_http_requests_total")
    ]
    assert sum(float(line.rsplit(" ", 1)[1]) for line in served_requests) > 100
    assert not [line for line in served_requests if 'status="5' in line]
