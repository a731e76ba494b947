"""The control API under ``/_emulator/``: seed data, faults, settings and the call log.

It has no authentication because it exists for tests and the demo. The emulator
listens on loopback by default, and ``EmulatorAdmin`` only connects to loopback.
Errors use the ModelArts body shape, and a 400 names the invalid field.
"""

from __future__ import annotations

import json
import logging
from typing import Any, TypeVar

from aiohttp import web
from pydantic import BaseModel, ValidationError

from modelarts_operator.emulator import errors
from modelarts_operator.emulator.config import ServiceSeed, Settings, TaskSeed, describe_validation_error
from modelarts_operator.emulator.faults import parse_rules
from modelarts_operator.emulator.runtime import EMULATOR_KEY, Emulator
from modelarts_operator.emulator.state import Task

log = logging.getLogger(__name__)

PREFIX = "/_emulator"

ModelT = TypeVar("ModelT", bound=BaseModel)


async def _json_body(request: web.Request) -> Any:
    try:
        return json.loads(await request.read())
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        raise errors.invalid_argument(f"the request body is not valid JSON: {error}.") from None


async def _model_body(request: web.Request, model: type[ModelT]) -> ModelT:
    try:
        return model.model_validate(await _json_body(request))
    except ValidationError as error:
        raise errors.invalid_argument(describe_validation_error(error)) from None


def _emulator(request: web.Request) -> Emulator:
    return request.app[EMULATOR_KEY]


def _task_json(task: Task) -> dict[str, Any]:
    return {**task.to_json(), "project_id": task.project_id}


async def health(request: web.Request) -> web.Response:
    """Report that the emulator serves requests."""
    return web.json_response({"status": "ok"})


async def add_service(request: web.Request) -> web.Response:
    """Add a service, or change the status of an existing one (200 instead of 201)."""
    seed = await _model_body(request, ServiceSeed)
    service, created = _emulator(request).store.put_service(seed.project_id, seed.service_id, seed.status)
    return web.json_response(service.to_json(), status=201 if created else 200)


async def add_task(request: web.Request) -> web.Response:
    """Add a task, or replace one with the same ID (200 instead of 201).

    The state given stays until an API call changes it: a task added as STARTING
    does not become RUNNING by itself.
    """
    seed = await _model_body(request, TaskSeed)
    store = _emulator(request).store
    task, created = store.put_task(seed.project_id, seed.service_id, seed.task_id, seed.name, seed.state)
    return web.json_response(_task_json(task), status=201 if created else 200)


async def show_task(request: web.Request) -> web.Response:
    """Return a task by ID. The ``project_id`` and ``service_id`` query items narrow the search."""
    query = request.query
    task = _emulator(request).store.find_task(
        request.match_info["task_id"], query.get("project_id"), query.get("service_id")
    )
    return web.json_response(_task_json(task))


async def calls(request: web.Request) -> web.Response:
    """Return every API call so far and the counts per operation and task ID."""
    return web.json_response(_emulator(request).calls.to_json())


async def get_faults(request: web.Request) -> web.Response:
    """Return the fault rules with the ``times`` each has left."""
    return web.json_response({"faults": _emulator(request).faults.snapshot()})


async def put_faults(request: web.Request) -> web.Response:
    """Replace the fault rules with the JSON list in the body."""
    try:
        rules = parse_rules(await _json_body(request))
    except ValidationError as error:
        raise errors.invalid_argument(describe_validation_error(error)) from None

    emulator = _emulator(request)
    emulator.faults.replace(rules)
    log.info("fault rules replaced: %d rule(s)", len(rules))
    return web.json_response({"faults": emulator.faults.snapshot()})


async def delete_faults(request: web.Request) -> web.Response:
    """Remove every fault rule."""
    _emulator(request).faults.clear()
    log.info("fault rules cleared")
    return web.json_response({"faults": []})


async def get_settings(request: web.Request) -> web.Response:
    """Return the run-time settings."""
    return web.json_response(_emulator(request).settings.model_dump())


async def put_settings(request: web.Request) -> web.Response:
    """Change the settings named in the body. ``"qps_limit": null`` turns throttling off."""
    emulator = _emulator(request)
    body = await _json_body(request)
    if not isinstance(body, dict):
        raise errors.invalid_argument("the request body must be a JSON object of settings.")
    try:
        emulator.settings = Settings.model_validate({**emulator.settings.model_dump(), **body})
    except ValidationError as error:
        raise errors.invalid_argument(describe_validation_error(error)) from None

    log.info("settings changed: %s", emulator.settings)
    return web.json_response(emulator.settings.model_dump())


async def reset(request: web.Request) -> web.Response:
    """Clear tasks, services, calls, faults and lockouts, but keep credentials and settings."""
    _emulator(request).reset()
    log.info("emulator state reset")
    return web.json_response({"status": "reset"})


def add_admin_routes(app: web.Application) -> None:
    """Register the control API under ``/_emulator/``."""
    app.router.add_routes(
        [
            web.get(f"{PREFIX}/health", health),
            web.post(f"{PREFIX}/services", add_service),
            web.post(f"{PREFIX}/tasks", add_task),
            web.get(f"{PREFIX}/tasks/{{task_id}}", show_task),
            web.get(f"{PREFIX}/calls", calls),
            web.get(f"{PREFIX}/faults", get_faults),
            web.put(f"{PREFIX}/faults", put_faults),
            web.delete(f"{PREFIX}/faults", delete_faults),
            web.get(f"{PREFIX}/settings", get_settings),
            web.put(f"{PREFIX}/settings", put_settings),
            web.post(f"{PREFIX}/reset", reset),
        ]
    )
