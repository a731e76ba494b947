"""Handlers of the ModelArts "Service Task Management" API paths.

The gateway pipeline has already authenticated the call and checked the path IDs
and ``X-Project-Id`` when a handler runs, so handlers do only the operation.
"""

from __future__ import annotations

import json
from typing import Any

from aiohttp import web

from modelarts_operator.emulator import errors
from modelarts_operator.emulator.gateway import api_route, created_task_id
from modelarts_operator.emulator.runtime import Emulator
from modelarts_operator.emulator.state import TASK_STATES

SERVICE_PATH = "/v1/{project_id}/services/{service_id}"
TASKS_PATH = SERVICE_PATH + "/tasks"
TASK_PATH = TASKS_PATH + "/{task_id}"


def _ids(request: web.Request) -> tuple[str, str]:
    return request.match_info["project_id"], request.match_info["service_id"]


async def create_task(request: web.Request, emulator: Emulator) -> web.Response:
    """Create a task, named from the optional JSON body. New tasks are STOPPED."""
    project_id, service_id = _ids(request)
    name = _task_name(await request.read())
    task, _ = emulator.store.put_task(project_id, service_id, None, name, "STOPPED")
    created_task_id.set(task.task_id)
    return web.json_response({"tasks": [{"id": task.task_id}]}, status=201)


def _task_name(body: bytes) -> str | None:
    if not body.strip():
        return None
    try:
        data: Any = json.loads(body)
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        raise errors.invalid_argument(f"the request body is not valid JSON: {error}.") from None
    if not isinstance(data, dict):
        raise errors.invalid_argument("the request body must be a JSON object.")

    name = data.get("name")
    if name is not None and not isinstance(name, str):
        raise errors.invalid_argument("parameter [name] must be a string.")
    return name


async def list_tasks(request: web.Request, emulator: Emulator) -> web.Response:
    """List tasks filtered by ``state`` and ``name_like``. ``count`` is the total before paging."""
    project_id, service_id = _ids(request)
    query = request.query
    state = query.get("state")
    if state is not None and state not in TASK_STATES:
        raise errors.invalid_argument(f"parameter [state] must be one of {sorted(TASK_STATES)}.")
    name_like = query.get("name_like")
    offset = _int_parameter(query.get("offset"), "offset", minimum=0) or 0
    limit = _int_parameter(query.get("limit"), "limit", minimum=1)

    tasks = emulator.store.tasks(project_id, service_id)
    if state is not None:
        tasks = [task for task in tasks if task.state == state]
    if name_like:
        tasks = [task for task in tasks if name_like.lower() in task.name.lower()]
    page = tasks[offset:] if limit is None else tasks[offset : offset + limit]
    return web.json_response({"count": len(tasks), "tasks": [task.to_json() for task in page]})


def _int_parameter(value: str | None, name: str, minimum: int) -> int | None:
    if value is None:
        return None
    if not (value.isascii() and value.isdigit()) or int(value) < minimum:
        raise errors.invalid_argument(f"parameter [{name}] must be an integer >= {minimum}, got {value!r}.")
    return int(value)


async def show_task(request: web.Request, emulator: Emulator) -> web.Response:
    """Return one task's details, including its state."""
    project_id, service_id = _ids(request)
    task = emulator.store.task(project_id, service_id, request.match_info["task_id"])
    return web.json_response(task.to_json())


async def start_task(request: web.Request, emulator: Emulator) -> web.Response:
    """Accept a start: the task is STARTING, then RUNNING after the start delay."""
    project_id, service_id = _ids(request)
    delay = emulator.settings.start_delay_seconds
    emulator.store.start(project_id, service_id, request.match_info["task_id"], delay)
    return web.Response(status=202)


async def stop_task(request: web.Request, emulator: Emulator) -> web.Response:
    """Accept a stop: the task is STOPPING, then STOPPED after the start delay."""
    project_id, service_id = _ids(request)
    delay = emulator.settings.start_delay_seconds
    emulator.store.stop(project_id, service_id, request.match_info["task_id"], delay)
    return web.Response(status=202)


async def delete_task(request: web.Request, emulator: Emulator) -> web.Response:
    """Accept a delete: the task is DELETING, then gone after the start delay."""
    project_id, service_id = _ids(request)
    delay = emulator.settings.start_delay_seconds
    emulator.store.delete(project_id, service_id, request.match_info["task_id"], delay)
    return web.Response(status=202)


async def show_service(request: web.Request, emulator: Emulator) -> web.Response:
    """Return the parent service with its status."""
    project_id, service_id = _ids(request)
    return web.json_response(emulator.store.service(project_id, service_id).to_json())


def add_api_routes(app: web.Application) -> None:
    """Register the API paths, each wrapped in the gateway pipeline."""
    app.router.add_routes(
        [
            web.post(TASKS_PATH, api_route("create", create_task)),
            web.get(TASKS_PATH, api_route("list", list_tasks), allow_head=False),
            web.get(TASK_PATH, api_route("show", show_task), allow_head=False),
            web.post(TASK_PATH + "/start", api_route("start", start_task)),
            web.post(TASK_PATH + "/stop", api_route("stop", stop_task)),
            web.delete(TASK_PATH, api_route("delete", delete_task)),
            web.get(SERVICE_PATH, api_route("show_service", show_service), allow_head=False),
        ]
    )
