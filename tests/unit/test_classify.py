"""Tests for the outcome table: every HTTP status, documented error code and transport error the client can receive."""

from __future__ import annotations

import httpx
import pytest

from modelarts_operator.cloud.classify import (
    OutcomeKind,
    classify,
    classify_transport_error,
    transport_error_code,
)

ACCEPTED = OutcomeKind.ACCEPTED
REJECTED = OutcomeKind.REJECTED
AUTHENTICATION_FAILED = OutcomeKind.AUTHENTICATION_FAILED
TRANSIENT = OutcomeKind.TRANSIENT
AMBIGUOUS = OutcomeKind.AMBIGUOUS


@pytest.mark.parametrize(
    ("status", "error_code", "expected"),
    [
        pytest.param(200, None, ACCEPTED, id="200"),
        pytest.param(201, None, ACCEPTED, id="201"),
        pytest.param(202, None, ACCEPTED, id="202"),
        pytest.param(204, None, ACCEPTED, id="204"),
        pytest.param(202, "ModelArts.0010", ACCEPTED, id="202-ignores-code"),
        pytest.param(400, None, REJECTED, id="400"),
        pytest.param(400, "ModelArts.0101", REJECTED, id="400-invalid-argument"),
        pytest.param(401, None, AUTHENTICATION_FAILED, id="401"),
        pytest.param(403, None, AUTHENTICATION_FAILED, id="403"),
        pytest.param(404, None, REJECTED, id="404"),
        pytest.param(404, "ModelArts.3502", REJECTED, id="404-service-not-found"),
        pytest.param(404, "APIGW.0101", REJECTED, id="404-api-not-found"),
        pytest.param(405, None, REJECTED, id="405"),
        pytest.param(408, None, TRANSIENT, id="408"),
        pytest.param(409, None, REJECTED, id="409-without-code"),
        pytest.param(409, "ModelArts.9999", REJECTED, id="409-unknown-code"),
        pytest.param(413, None, REJECTED, id="413"),
        pytest.param(429, None, TRANSIENT, id="429"),
        pytest.param(500, None, TRANSIENT, id="500"),
        pytest.param(501, None, TRANSIENT, id="501"),
        pytest.param(502, None, TRANSIENT, id="502"),
        pytest.param(503, None, TRANSIENT, id="503"),
        pytest.param(504, None, AMBIGUOUS, id="504"),
        pytest.param(599, None, TRANSIENT, id="599"),
    ],
)
def test_classify_by_status(status: int, error_code: str | None, expected: OutcomeKind) -> None:
    assert classify(status, error_code) == expected


# Each code is tested with a status whose own class differs from the code's class, so the
# test fails unless the code decides. Codes that are not rejections go with 400 (Rejected by
# status alone), and the rejections go with 403 (AuthenticationFailed by status alone).
_CODES_BY_KIND = {
    TRANSIENT: [
        # Throttling by the gateway and by ModelArts.
        "APIGW.0308",
        "APIG.0308",
        "ModelArts.2799",
        "ModelArts.4206",
        "ModelArts.6101",
        "ModelArts.5039",
        # Documented transient errors.
        "ModelArts.4205",
        "ModelArts.6100",
        "ModelArts.2878",
        "ModelArts.5044",
        "ModelArts.0010",
        "ModelArts.6102",
        "ModelArts.6200",
        "ModelArts.4302",
        "ModelArts.4700",
        # Gateway without a backend, or without IAM.
        "APIGW.0610",
        "APIG.0610",
        "APIGW.0613",
        "APIG.0613",
    ],
    AMBIGUOUS: ["ModelArts.4503"],
    AUTHENTICATION_FAILED: [
        "APIGW.0301",
        "APIG.0301",
        "APIGW.0307",
        "APIG.0307",
        "APIGW.0302",
        "APIG.0302",
        "APIGW.0306",
        "APIG.0306",
        "ModelArts.0108",
        "ModelArts.0203",
        "ModelArts.0206",
        "ModelArts.0210",
        "ModelArts.0201",
        "ModelArts.0202",
        "ModelArts.0204",
        "ModelArts.0205",
        "ModelArts.0207",
        "ModelArts.0208",
        "ModelArts.0212",
    ],
    REJECTED: ["ModelArts.4116", "ModelArts.4118"],
}
_CONTRARY_STATUS = {TRANSIENT: 400, AMBIGUOUS: 400, AUTHENTICATION_FAILED: 400, REJECTED: 403}
CODE_CASES = [
    pytest.param(code, _CONTRARY_STATUS[kind], kind, id=code)
    for kind, codes in _CODES_BY_KIND.items()
    for code in codes
]


@pytest.mark.parametrize(("error_code", "status", "expected"), CODE_CASES)
def test_classify_code_wins_over_status(error_code: str, status: int, expected: OutcomeKind) -> None:
    assert classify(status, error_code) == expected


@pytest.mark.parametrize(
    ("status", "error_code", "expected"),
    [
        pytest.param(429, "APIGW.0308", TRANSIENT, id="429-gateway-qps-limit"),
        pytest.param(500, "ModelArts.5039", TRANSIENT, id="500-modelarts-throttling"),
        pytest.param(401, "APIGW.0301", AUTHENTICATION_FAILED, id="401-wrong-signature"),
        pytest.param(403, "ModelArts.0210", AUTHENTICATION_FAILED, id="403-project-mismatch"),
        pytest.param(500, "ModelArts.4503", AMBIGUOUS, id="500-backend-timeout"),
        pytest.param(503, "APIGW.0610", TRANSIENT, id="503-no-backend"),
        pytest.param(403, "ModelArts.4116", REJECTED, id="403-account-in-arrears"),
    ],
)
def test_classify_documented_pairs(status: int, error_code: str, expected: OutcomeKind) -> None:
    assert classify(status, error_code) == expected


@pytest.mark.parametrize(
    ("kind", "retryable"),
    [
        pytest.param(ACCEPTED, False, id="accepted"),
        pytest.param(REJECTED, False, id="rejected"),
        pytest.param(AUTHENTICATION_FAILED, False, id="authentication-failed"),
        pytest.param(TRANSIENT, True, id="transient"),
        pytest.param(AMBIGUOUS, True, id="ambiguous"),
    ],
)
def test_outcome_kind_retryable(kind: OutcomeKind, retryable: bool) -> None:
    assert kind.retryable is retryable


@pytest.mark.parametrize(
    ("error", "expected"),
    [
        pytest.param(httpx.ConnectError("connection refused"), TRANSIENT, id="ConnectError"),
        pytest.param(httpx.ConnectTimeout("timed out"), TRANSIENT, id="ConnectTimeout"),
        pytest.param(httpx.PoolTimeout("timed out"), TRANSIENT, id="PoolTimeout"),
        pytest.param(httpx.ReadTimeout("timed out"), AMBIGUOUS, id="ReadTimeout"),
        pytest.param(httpx.WriteTimeout("timed out"), AMBIGUOUS, id="WriteTimeout"),
        pytest.param(httpx.RemoteProtocolError("peer closed connection"), AMBIGUOUS, id="RemoteProtocolError"),
        pytest.param(httpx.ReadError("connection reset"), AMBIGUOUS, id="ReadError"),
        pytest.param(httpx.WriteError("broken pipe"), AMBIGUOUS, id="WriteError"),
        pytest.param(httpx.UnsupportedProtocol("ftp"), REJECTED, id="UnsupportedProtocol"),
    ],
)
def test_classify_transport_error(error: httpx.TransportError, expected: OutcomeKind) -> None:
    assert classify_transport_error(error) == expected


@pytest.mark.parametrize(
    ("error", "code"),
    [
        pytest.param(httpx.ReadTimeout("timed out"), "ReadTimeout", id="ReadTimeout"),
        pytest.param(httpx.ConnectError("refused"), "ConnectError", id="ConnectError"),
    ],
)
def test_transport_error_code_names_type(error: httpx.TransportError, code: str) -> None:
    assert transport_error_code(error) == code
