"""Error bodies of the ModelArts service and of the API gateway in front of it.

ModelArts errors have the body ``{"error_code", "error_msg"}``. Gateway errors (codes
starting with ``APIGW.`` or ``APIG.``) also carry ``request_id``, equal to the
``X-Request-Id`` header of the same response.
"""

from __future__ import annotations

from typing import Any

from modelarts_operator.emulator.ids import ID_PATTERNS, id_matches

GATEWAY_PREFIXES = ("APIGW.", "APIG.")

INVALID_ARGUMENT = "ModelArts.0101"
SERVICE_NOT_FOUND = "ModelArts.3502"
PROJECT_MISMATCH = "ModelArts.0210"
# NOTE: the API reference documents no code for an unknown task under a known service,
# so ModelArts.3599 is the emulator's own choice.
TASK_NOT_FOUND = "ModelArts.3599"
AUTH_FAILED = "APIGW.0301"
THROTTLED = "APIGW.0308"
API_NOT_FOUND = "APIGW.0101"


class ApiError(Exception):
    """An error response: HTTP status, error code and message."""

    def __init__(self, status: int, error_code: str, error_msg: str) -> None:
        super().__init__(error_msg)
        self.status = status
        self.error_code = error_code
        self.error_msg = error_msg

    def body(self, request_id: str) -> dict[str, Any]:
        """Build the JSON body, gateway-shaped when the code is a gateway code."""
        return error_body(self.error_code, self.error_msg, request_id)


def error_body(error_code: str, error_msg: str, request_id: str) -> dict[str, Any]:
    """Build an error body. Only gateway codes carry the request ID in the body."""
    body: dict[str, Any] = {"error_code": error_code, "error_msg": error_msg}
    if error_code.startswith(GATEWAY_PREFIXES):
        body["request_id"] = request_id
    return body


def invalid_id(parameter: str) -> ApiError:
    """Return the documented 400 for a path parameter that does not match its pattern."""
    pattern = ID_PATTERNS[parameter]
    return invalid_argument(f"parameter [{parameter}] does not match {pattern}.")


def invalid_argument(detail: str) -> ApiError:
    """Return a 400 ``ModelArts.0101`` with the documented "Invalid argument." prefix."""
    return ApiError(400, INVALID_ARGUMENT, f"Invalid argument. {detail}")


def service_not_found(service_id: str) -> ApiError:
    """Return the documented 404 for an unknown service."""
    return ApiError(404, SERVICE_NOT_FOUND, f"Service {service_id} does not exist.")


def task_not_found(service_id: str, task_id: str) -> ApiError:
    """Return the emulator's 404 for an unknown task under a known service."""
    return ApiError(404, TASK_NOT_FOUND, f"Task {task_id} of service {service_id} does not exist.")


def project_mismatch(header_project: str, path_project: str) -> ApiError:
    """Return the 403 for an ``X-Project-Id`` header that differs from the path's project."""
    return ApiError(
        403,
        PROJECT_MISMATCH,
        f"The project ID {header_project} in the X-Project-Id header does not match "
        f"the project ID {path_project} in the request path.",
    )


def auth_failed(reason: str) -> ApiError:
    """Return the gateway's 401. The ``reason`` must never contain a secret key or token."""
    return ApiError(401, AUTH_FAILED, f"Incorrect IAM authentication information: {reason}")


def throttled(limit: int) -> ApiError:
    """Return the gateway's 429 for an operation called more than ``limit`` times in a second."""
    return ApiError(
        429,
        THROTTLED,
        f"The throttling threshold has been reached: policy api over ratelimit, limit:{limit}, time:1 second",
    )


def api_not_found(method: str, path: str) -> ApiError:
    """Return the gateway's 404 for a method and path that match no API."""
    return ApiError(404, API_NOT_FOUND, f"The API does not exist or has not been published: {method} {path}")


def check_ids(**values: str) -> None:
    """Raise the documented 400 for the first path parameter, in argument order, with a bad shape."""
    for parameter, value in values.items():
        if not id_matches(parameter, value):
            raise invalid_id(parameter)
