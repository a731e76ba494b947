"""The per-request pipeline in front of the API handlers, in the order the real gateway applies it.

Every response gets a fresh ``X-Request-Id``. A call to an API route then goes
through authentication, throttling, fault injection, ID and project checks and the
operation itself, and is recorded in the call log whatever the outcome.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from contextvars import ContextVar
from dataclasses import dataclass

from aiohttp import web

from modelarts_operator.cloud.signing import PROJECT_ID_HEADER
from modelarts_operator.emulator import errors
from modelarts_operator.emulator.auth import ReceivedRequest
from modelarts_operator.emulator.errors import ApiError
from modelarts_operator.emulator.ids import new_request_id
from modelarts_operator.emulator.runtime import EMULATOR_KEY, Emulator

log = logging.getLogger(__name__)

REQUEST_ID_HEADER = "X-Request-Id"
# Per-request values live in context variables rather than in the request mapping:
# aiohttp 3.14 warns about string keys there, and typed request keys need aiohttp 3.12,
# while the project allows 3.9. The middleware resets both at the start of every
# request, and aiohttp handles one request at a time per connection task, so the
# values belong to the request being handled.
_request_id: ContextVar[str] = ContextVar("emulator_request_id", default="")
# Set by the create handler, so the call log names the task it created.
created_task_id: ContextVar[str | None] = ContextVar("emulator_created_task_id", default=None)

Handler = Callable[[web.Request, Emulator], Awaitable[web.Response]]


@dataclass(frozen=True)
class Outcome:
    """Result of one API call. ``response`` is None when a fault dropped the connection."""

    response: web.Response | None
    error_code: str | None = None
    fault: str | None = None


def error_response(error: ApiError) -> web.Response:
    """Render an ``ApiError`` as JSON, with the request ID in gateway-shaped bodies."""
    return web.json_response(error.body(_request_id.get()), status=error.status)


@web.middleware
async def request_id_middleware(
    request: web.Request, handler: Callable[[web.Request], Awaitable[web.StreamResponse]]
) -> web.StreamResponse:
    """Give every response an ``X-Request-Id``, and return the gateway's 404 for unknown API paths."""
    request_id = new_request_id()
    _request_id.set(request_id)
    created_task_id.set(None)
    try:
        response = await handler(request)
    except ApiError as error:
        log.info("control request %s %s failed: %s %s", request.method, request.path, error.status, error.error_msg)
        response = error_response(error)
    except (web.HTTPNotFound, web.HTTPMethodNotAllowed) as error:
        log.info("no route for %s %s", request.method, request.path)
        if request.path.startswith("/_emulator/"):
            response = web.json_response(
                {"error": f"{error.reason}: {request.method} {request.path}"}, status=error.status
            )
        else:
            response = error_response(errors.api_not_found(request.method, request.path))
    response.headers[REQUEST_ID_HEADER] = request_id
    return response


def api_route(operation: str, handler: Handler) -> Callable[[web.Request], Awaitable[web.Response]]:
    """Wrap an API handler in the gateway pipeline and the call log."""

    async def run(request: web.Request) -> web.Response:
        emulator = request.app[EMULATOR_KEY]
        emulator.calls.arrive(operation, request.match_info.get("task_id"))
        outcome = await _pipeline(request, emulator, operation, handler)

        _record(request, emulator, operation, outcome)
        if outcome.response is None:
            return _drop_connection(request)
        return outcome.response

    return run


def _record(request: web.Request, emulator: Emulator, operation: str, outcome: Outcome) -> None:
    response = outcome.response
    match = request.match_info
    emulator.calls.record(
        arrived_task_id=match.get("task_id"),
        operation=operation,
        method=request.method,
        path=request.path,
        project_id=match.get("project_id", ""),
        service_id=match.get("service_id", ""),
        task_id=created_task_id.get() or match.get("task_id"),
        status=None if response is None else response.status,
        error_code=outcome.error_code,
        request_id=_request_id.get(),
        fault=outcome.fault,
    )


async def _pipeline(request: web.Request, emulator: Emulator, operation: str, handler: Handler) -> Outcome:
    try:
        await _authenticate(request, emulator)
    except ApiError as error:
        log.info("rejected %s %s: %s %s", request.method, request.path, error.error_code, error.error_msg)
        return Outcome(error_response(error), error.error_code)

    limit = emulator.settings.qps_limit
    if limit is not None and not emulator.throttle.admit(operation, limit):
        # Debug level: a benchmark that runs into the limit would otherwise flood the log.
        log.debug("throttled %s %s at %d calls per second", request.method, request.path, limit)
        throttled = errors.throttled(limit)
        return Outcome(error_response(throttled), throttled.error_code)

    plan = emulator.faults.fire(operation, request.match_info.get("task_id"))
    if plan.empty:
        return await _operate(request, emulator, handler)
    log.info("injecting fault into %s %s: %s", request.method, request.path, plan)

    real = await _operate(request, emulator, handler) if plan.apply_first else None
    if plan.latency_seconds:
        await asyncio.sleep(plan.latency_seconds)
    if plan.reset:
        return Outcome(None, None, "reset")
    if plan.status is not None:
        injected = ApiError(plan.status, plan.error_code, plan.error_msg)
        return Outcome(error_response(injected), injected.error_code, "status")
    if real is None:
        real = await _operate(request, emulator, handler)
    return Outcome(real.response, real.error_code, "latency")


async def _authenticate(request: web.Request, emulator: Emulator) -> None:
    received = ReceivedRequest(
        method=request.method,
        path=request.raw_path.split("?", 1)[0],
        query=list(request.query.items()),
        headers=dict(request.headers.items()),
        body=await request.read(),
    )
    emulator.authenticator.authenticate(received, emulator.settings.lockout_seconds)


async def _operate(request: web.Request, emulator: Emulator, handler: Handler) -> Outcome:
    match = request.match_info
    try:
        path_ids = {name: match[name] for name in ("project_id", "service_id", "task_id") if name in match}
        errors.check_ids(**path_ids)
        header_project = request.headers.get(PROJECT_ID_HEADER)
        if header_project is not None and header_project != match["project_id"]:
            raise errors.project_mismatch(header_project, match["project_id"])
        return Outcome(await handler(request, emulator))
    except ApiError as error:
        return Outcome(error_response(error), error.error_code)


def _drop_connection(request: web.Request) -> web.Response:
    # Aborting the transport closes the TCP connection at once. aiohttp then finds the
    # transport closed and sends nothing, so the client sees no response at all.
    transport = request.transport
    if transport is not None:
        transport.abort()
    return web.Response(status=500)
