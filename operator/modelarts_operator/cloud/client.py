"""The ModelArts service-task client: start a task, and read its state.

One ``ModelArtsClient`` owns one pooled ``httpx.AsyncClient`` for the whole
operator; each call carries its own ``AkSkAuth``, because every namespace has its
own credentials. Calls never raise for cloud or network errors: they return a
``CallResult`` that ``classify`` has already labelled, so callers branch on one enum.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

import httpx

from modelarts_operator.cloud.classify import (
    OutcomeKind,
    classify,
    classify_transport_error,
    transport_error_code,
)
from modelarts_operator.cloud.errors import parse_error_body
from modelarts_operator.cloud.signing import AkSkAuth, AkSkCredentials

logger = logging.getLogger(__name__)

REQUEST_ID_HEADER = "X-Request-Id"

# Seconds. The read timeout is generous because a start is accepted asynchronously
# and should respond quickly; a slower response is treated as ambiguous, not as a failure.
DEFAULT_TIMEOUT = httpx.Timeout(connect=5.0, read=30.0, write=10.0, pool=10.0)
DEFAULT_LIMITS = httpx.Limits(max_connections=50, max_keepalive_connections=20, keepalive_expiry=30.0)


@dataclass(frozen=True)
class TaskRef:
    """The identity of one service task, and where its API lives."""

    endpoint: str
    project_id: str
    service_id: str
    task_id: str

    @property
    def task_path(self) -> str:
        return f"/v1/{self.project_id}/services/{self.service_id}/tasks/{self.task_id}"


@dataclass(frozen=True)
class CallResult:
    """The outcome of one call, whether an HTTP response arrived or not."""

    kind: OutcomeKind
    http_status: int | None = None
    error_code: str | None = None
    error_msg: str | None = None
    request_id: str | None = None
    task_state: str | None = None


class ModelArtsClient:
    """Calls the service-task API.

    Usage::

        async with ModelArtsClient() as client:
            result = await client.start_task(ref, credentials)
    """

    def __init__(self, http: httpx.AsyncClient | None = None) -> None:
        self._http = http or httpx.AsyncClient(
            timeout=DEFAULT_TIMEOUT, limits=DEFAULT_LIMITS, headers={"Accept": "application/json"}
        )

    async def __aenter__(self) -> ModelArtsClient:
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        await self._http.aclose()

    async def start_task(self, ref: TaskRef, credentials: AkSkCredentials) -> CallResult:
        """Send ``POST .../tasks/{task_id}/start`` once; 202 means the start was accepted."""
        return await self._call("POST", ref, ref.task_path + "/start", credentials)

    async def show_task(self, ref: TaskRef, credentials: AkSkCredentials) -> CallResult:
        """Read the task; ``CallResult.task_state`` is its ``state`` on success."""
        return await self._call("GET", ref, ref.task_path, credentials)

    async def _call(self, method: str, ref: TaskRef, path: str, credentials: AkSkCredentials) -> CallResult:
        auth = AkSkAuth(credentials, project_id=ref.project_id)
        try:
            response = await self._http.request(method, ref.endpoint + path, auth=auth)
        except httpx.TransportError as error:
            return CallResult(
                kind=classify_transport_error(error),
                error_code=transport_error_code(error),
                error_msg=str(error) or type(error).__name__,
            )
        return _result_from_response(response)


def _result_from_response(response: httpx.Response) -> CallResult:
    request_id = response.headers.get(REQUEST_ID_HEADER)
    if response.is_success:
        return CallResult(
            kind=OutcomeKind.ACCEPTED,
            http_status=response.status_code,
            request_id=request_id,
            task_state=_task_state(response),
        )

    body = parse_error_body(response.content, response.headers.get("Content-Type"))
    return CallResult(
        kind=classify(response.status_code, body.error_code),
        http_status=response.status_code,
        error_code=body.error_code,
        error_msg=body.error_msg,
        request_id=request_id or body.request_id,
    )


def _task_state(response: httpx.Response) -> str | None:
    if not response.content:
        return None
    try:
        document = response.json()
    except ValueError:
        return None
    state = document.get("state") if isinstance(document, dict) else None
    return state if isinstance(state, str) else None
