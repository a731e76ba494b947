"""One table that classifies every outcome of a ModelArts call.

Callers never match status codes or error strings themselves: they ask
``classify`` (for an HTTP response) or ``classify_transport_error`` (for no response)
and act on the ``OutcomeKind``. The codes come from the ModelArts and API gateway
error code tables of Open Telekom Cloud and Huawei Cloud.
"""

from __future__ import annotations

import enum

import httpx


class OutcomeKind(enum.Enum):
    """The meaning of a call's outcome for the request that made it."""

    ACCEPTED = "Accepted"
    """The cloud took the request (202 for start)."""

    REJECTED = "Rejected"
    """A permanent error: sending the same request again gets the same response."""

    AUTHENTICATION_FAILED = "AuthenticationFailed"
    """Credentials were refused. Permanent, and never retried in a loop, because the
    API gateway locks an access key for 5 minutes after more than five failed authentications in a row."""

    TRANSIENT = "Transient"
    """The request did not take effect and may succeed later (throttling, 5xx, no connection)."""

    AMBIGUOUS = "Ambiguous"
    """The request may or may not have taken effect (timeout or lost response after sending):
    ask the task's state before sending it again."""

    @property
    def retryable(self) -> bool:
        return self in (OutcomeKind.TRANSIENT, OutcomeKind.AMBIGUOUS)


# Error codes whose class differs from what their HTTP status alone implies, or that
# identify throttling and authentication failures whatever the status.
_BY_CODE: dict[str, OutcomeKind] = {
    # Throttling: the gateway's QPS limit, and ModelArts' own limits (5039 comes with 500).
    "APIGW.0308": OutcomeKind.TRANSIENT,
    "APIG.0308": OutcomeKind.TRANSIENT,
    "ModelArts.2799": OutcomeKind.TRANSIENT,
    "ModelArts.4206": OutcomeKind.TRANSIENT,
    "ModelArts.6101": OutcomeKind.TRANSIENT,
    "ModelArts.5039": OutcomeKind.TRANSIENT,
    # Documented as transient: 408, 409, 500, 503 codes that a later call may not get.
    "ModelArts.4205": OutcomeKind.TRANSIENT,
    "ModelArts.6100": OutcomeKind.TRANSIENT,
    "ModelArts.2878": OutcomeKind.TRANSIENT,
    "ModelArts.5044": OutcomeKind.TRANSIENT,
    "ModelArts.0010": OutcomeKind.TRANSIENT,
    "ModelArts.6102": OutcomeKind.TRANSIENT,
    "ModelArts.6200": OutcomeKind.TRANSIENT,
    "ModelArts.4302": OutcomeKind.TRANSIENT,
    "ModelArts.4700": OutcomeKind.TRANSIENT,
    # A backend timeout behind the gateway: the backend may have carried the call out.
    "ModelArts.4503": OutcomeKind.AMBIGUOUS,
    # Gateway: no backend, IAM unavailable.
    "APIGW.0610": OutcomeKind.TRANSIENT,
    "APIG.0610": OutcomeKind.TRANSIENT,
    "APIGW.0613": OutcomeKind.TRANSIENT,
    "APIG.0613": OutcomeKind.TRANSIENT,
    # Authentication and authorization: never retried in a loop.
    "APIGW.0301": OutcomeKind.AUTHENTICATION_FAILED,
    "APIG.0301": OutcomeKind.AUTHENTICATION_FAILED,
    "APIGW.0307": OutcomeKind.AUTHENTICATION_FAILED,
    "APIG.0307": OutcomeKind.AUTHENTICATION_FAILED,
    "APIGW.0302": OutcomeKind.AUTHENTICATION_FAILED,
    "APIG.0302": OutcomeKind.AUTHENTICATION_FAILED,
    "APIGW.0306": OutcomeKind.AUTHENTICATION_FAILED,
    "APIG.0306": OutcomeKind.AUTHENTICATION_FAILED,
    "ModelArts.0108": OutcomeKind.AUTHENTICATION_FAILED,
    "ModelArts.0203": OutcomeKind.AUTHENTICATION_FAILED,
    "ModelArts.0206": OutcomeKind.AUTHENTICATION_FAILED,
    "ModelArts.0210": OutcomeKind.AUTHENTICATION_FAILED,
    # Account in arrears or suspended: permanent until someone pays or unfreezes it.
    "ModelArts.4116": OutcomeKind.REJECTED,
    "ModelArts.4118": OutcomeKind.REJECTED,
}

# ModelArts token errors 0201..0208 and 0212 are authentication failures.
_BY_CODE.update({f"ModelArts.{number:04d}": OutcomeKind.AUTHENTICATION_FAILED for number in (*range(201, 209), 212)})

# Statuses whose class does not depend on the code; the rest follow the ranges below.
_BY_STATUS: dict[int, OutcomeKind] = {
    400: OutcomeKind.REJECTED,
    401: OutcomeKind.AUTHENTICATION_FAILED,
    403: OutcomeKind.AUTHENTICATION_FAILED,
    404: OutcomeKind.REJECTED,
    408: OutcomeKind.TRANSIENT,
    429: OutcomeKind.TRANSIENT,
    # A gateway timeout: the backend may have received and carried out the request.
    504: OutcomeKind.AMBIGUOUS,
}


def classify(status: int, error_code: str | None) -> OutcomeKind:
    """Classify an HTTP response by its error code first, then by its status."""
    if 200 <= status < 300:
        return OutcomeKind.ACCEPTED
    if error_code and error_code in _BY_CODE:
        return _BY_CODE[error_code]
    if status in _BY_STATUS:
        return _BY_STATUS[status]
    if status >= 500:
        return OutcomeKind.TRANSIENT
    # Other 4xx (405, 409 without a transient code, 413, ...) repeat on every retry.
    return OutcomeKind.REJECTED


def classify_transport_error(error: httpx.TransportError) -> OutcomeKind:
    """Classify a call that got no HTTP response.

    A URL scheme other than http or https is permanent. Errors before the request left
    (no connection, no pooled connection) are transient;
    errors after it may have arrived (read timeout, connection dropped mid-response) are ambiguous.
    """
    if isinstance(error, httpx.UnsupportedProtocol):
        return OutcomeKind.REJECTED
    if isinstance(error, (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout)):
        return OutcomeKind.TRANSIENT
    return OutcomeKind.AMBIGUOUS


def transport_error_code(error: httpx.TransportError) -> str:
    """Return a short code for status.lastAttempt.errorCode, such as ``ReadTimeout``."""
    return type(error).__name__
