"""Tests for the spec model (``parse_spec``) and endpoint resolution. Nothing here opens a connection."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from modelarts_operator.cloud.endpoints import resolve_endpoint
from modelarts_operator.model import SpecError, parse_spec

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "servicetaskstart.yaml"

PROJECT_ID = "46af3a410726903fce462a1424a6c7a5"
SERVICE_ID = "e2ad76dd-f54b-417e-b472-236cc4e335d7"
TASK_ID = "a29002929c780b076518539ca3b882c7"


def minimal(**changes: Any) -> dict[str, Any]:
    """Return a minimal valid spec with ``changes`` applied. A value of None removes the field."""
    spec: dict[str, Any] = {
        "projectID": PROJECT_ID,
        "serviceID": SERVICE_ID,
        "taskID": TASK_ID,
        "region": "eu-de",
        "credentialsRef": {"name": "modelarts-credentials"},
    }
    spec.update(changes)
    return {key: value for key, value in spec.items() if value is not None}


def test_parse_spec_accepts_example() -> None:
    document = yaml.safe_load(EXAMPLE.read_text(encoding="utf-8"))

    spec = parse_spec(document["spec"])

    assert spec.project_id == PROJECT_ID
    assert spec.service_id == SERVICE_ID
    assert spec.task_id == TASK_ID
    assert spec.endpoint == "http://127.0.0.1:8480"
    assert spec.region is None
    assert spec.credentials_ref.name == "modelarts-credentials"
    assert spec.run_token == "2026-12-04"
    assert spec.retry_policy.max_attempts == 5
    assert spec.retry_policy.initial_backoff_seconds == 2
    assert spec.retry_policy.max_backoff_seconds == 60


def test_parse_spec_applies_defaults() -> None:
    spec = parse_spec(minimal())

    assert spec.run_token == ""
    assert spec.endpoint is None
    assert spec.retry_policy.max_attempts == 5
    assert spec.retry_policy.initial_backoff_seconds == 5
    assert spec.retry_policy.max_backoff_seconds == 300
    assert spec.credentials_ref.access_key_key == "accessKey"
    assert spec.credentials_ref.secret_key_key == "secretKey"
    assert spec.credentials_ref.security_token_key == "securityToken"


def test_parse_spec_custom_secret_keys() -> None:
    ref = {"name": "keys", "accessKeyKey": "ak", "secretKeyKey": "sk", "securityTokenKey": "token"}

    spec = parse_spec(minimal(credentialsRef=ref))

    assert spec.credentials_ref.access_key_key == "ak"
    assert spec.credentials_ref.secret_key_key == "sk"
    assert spec.credentials_ref.security_token_key == "token"


def test_parse_spec_ignores_unknown_fields() -> None:
    spec = parse_spec(minimal(futureField={"enabled": True}))

    assert spec.task_id == TASK_ID


@pytest.mark.parametrize(
    ("changes", "field", "expected_form"),
    [
        pytest.param({"taskID": "A29002929C780B076518539CA3B882C7"}, "spec.taskID", "^[0-9a-f]{32}$", id="task-upper"),
        pytest.param({"taskID": "a2900292"}, "spec.taskID", "^[0-9a-f]{32}$", id="task-short"),
        pytest.param({"taskID": TASK_ID + "\n"}, "spec.taskID", "^[0-9a-f]{32}$", id="task-trailing-newline"),
        pytest.param({"taskID": None}, "spec.taskID", "is missing: set it", id="task-missing"),
        pytest.param(
            {"projectID": "project-1"}, "spec.projectID", "32 lowercase hexadecimal characters", id="project-name"
        ),
        pytest.param({"projectID": None}, "spec.projectID", "is missing: set it", id="project-missing"),
        pytest.param({"serviceID": SERVICE_ID.upper()}, "spec.serviceID", "a lowercase UUID", id="service-upper"),
        pytest.param(
            {"serviceID": SERVICE_ID.replace("-", "")}, "spec.serviceID", "a lowercase UUID", id="service-hex"
        ),
        pytest.param({"endpoint": "ftp://modelarts.example"}, "spec.endpoint", "a base URL", id="endpoint-ftp"),
        pytest.param(
            {"endpoint": "https://modelarts.example/v1/"}, "spec.endpoint", "a base URL", id="endpoint-with-path"
        ),
        pytest.param(
            {"endpoint": "https://user@modelarts.example"}, "spec.endpoint", "a base URL", id="endpoint-with-user"
        ),
        pytest.param({"region": "EU_DE"}, "spec.region", "a region ID such as eu-de", id="region-bad"),
        pytest.param(
            {"retryPolicy": {"initialBackoffSeconds": 60, "maxBackoffSeconds": 10}},
            "spec.retryPolicy",
            "maxBackoffSeconds must be at least initialBackoffSeconds",
            id="retry-max-below-initial",
        ),
        pytest.param(
            {"retryPolicy": {"maxAttempts": 0}},
            "spec.retryPolicy.maxAttempts",
            "greater than or equal to 1",
            id="retry-zero-attempts",
        ),
        pytest.param(
            {"retryPolicy": {"maxAttempts": 101}},
            "spec.retryPolicy.maxAttempts",
            "less than or equal to 100",
            id="retry-too-many-attempts",
        ),
        pytest.param(
            {"credentialsRef": {"name": ""}}, "spec.credentialsRef.name", "at least 1 character", id="secret-empty"
        ),
        pytest.param({"runToken": "r" * 254}, "spec.runToken", "at most 253 characters", id="run-token-long"),
        pytest.param(
            {"region": None},
            "spec",
            "set spec.region (for example eu-de) or spec.endpoint",
            id="neither-region-nor-endpoint",
        ),
    ],
)
def test_parse_spec_rejects_field(changes: dict[str, Any], field: str, expected_form: str) -> None:
    with pytest.raises(SpecError) as caught:
        parse_spec(minimal(**changes))

    message = str(caught.value)
    assert message.startswith(field + " ") or message.startswith(field + ":")
    assert expected_form in message


def test_parse_spec_lists_every_problem() -> None:
    with pytest.raises(SpecError) as caught:
        parse_spec(minimal(taskID="bad", serviceID="bad"))

    message = str(caught.value)
    assert "spec.taskID is invalid ('bad')" in message
    assert "spec.serviceID is invalid ('bad')" in message


@pytest.mark.parametrize(
    ("region", "endpoint", "expected"),
    [
        pytest.param("eu-de", None, "https://modelarts.eu-de.otc.t-systems.com", id="eu-de-open-telekom-cloud"),
        pytest.param("eu-nl", None, "https://modelarts.eu-nl.otc.t-systems.com", id="eu-nl-open-telekom-cloud"),
        pytest.param("cn-north-4", None, "https://modelarts.cn-north-4.myhuaweicloud.com", id="cn-north-4-huawei"),
        pytest.param("eu-west-101", None, "https://modelarts.eu-west-101.myhuaweicloud.eu", id="eu-west-101-huawei-eu"),
        pytest.param(None, "http://127.0.0.1:8480/", "http://127.0.0.1:8480", id="endpoint-trailing-slash"),
        pytest.param("eu-de", "https://modelarts.example:8443", "https://modelarts.example:8443", id="endpoint-wins"),
    ],
)
def test_resolve_endpoint_table(region: str | None, endpoint: str | None, expected: str) -> None:
    assert resolve_endpoint(region, endpoint) == expected


def test_resolve_endpoint_requires_location() -> None:
    with pytest.raises(ValueError, match=r"neither spec\.region nor spec\.endpoint"):
        resolve_endpoint(None, None)
