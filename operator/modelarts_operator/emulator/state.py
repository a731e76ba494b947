"""Services and tasks held in memory, with the asynchronous start, stop and delete of the real API.

A transition is stored as a target state and a due time on the monotonic clock, and
is applied when the task is next read, so no background timer runs.

NOTE: the API reference does not say which state a created task has, nor what start
and stop do in states other than the usual ones. In the emulator a created task is
STOPPED. Start or stop of a DELETING task returns 404, because the task is going away.
Tasks in any other state can be started or stopped.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from modelarts_operator.emulator import errors
from modelarts_operator.emulator.ids import new_task_id

TASK_STATES = frozenset(
    {
        "PENDING",
        "RECOVERING",
        "STARTING",
        "UPGRADING",
        "CREATE_FAILED",
        "START_FAILED",
        "RUNNING",
        "STOPPING",
        "STOPPED",
        "ABNORMAL",
        "SUCCEEDED",
        "FAILED",
        "DELETING",
        "FREEZING",
        "FROZEN",
    }
)
SERVICE_STATUSES = frozenset(
    {
        "running",
        "deploying",
        "concerning",
        "failed",
        "stopped",
        "finished",
        "stopping",
        "deleting",
        "pending",
        "waiting",
    }
)

# Target "state" of a delete: the task is removed from the store when it is due.
_GONE = "<gone>"

ServiceKey = tuple[str, str]


def _epoch_ms() -> int:
    return int(time.time() * 1000)


@dataclass
class Task:
    """A service task. ``next_state`` and ``due`` (monotonic seconds) describe a pending transition."""

    project_id: str
    service_id: str
    task_id: str
    name: str
    state: str
    create_time: int
    update_time: int
    next_state: str | None = None
    due: float | None = None

    def settle(self, now: float) -> None:
        """Apply the pending transition if its due time has passed."""
        if self.next_state is None or self.due is None or now < self.due:
            return
        self.state = self.next_state
        self.next_state = None
        self.due = None
        self.update_time = _epoch_ms()

    def move(self, state: str, then: str, due: float) -> None:
        """Enter ``state`` now and schedule ``then`` at ``due``, replacing any pending transition."""
        self.state = state
        self.next_state = then
        self.due = due
        self.update_time = _epoch_ms()

    def to_json(self) -> dict[str, Any]:
        """Render the task details as the show and list operations return them."""
        return {
            "id": self.task_id,
            "name": self.name,
            "state": self.state,
            "service_id": self.service_id,
            "create_time": self.create_time,
            "update_time": self.update_time,
        }


@dataclass
class Service:
    """A ModelArts service that owns tasks. Only its status matters to the operator."""

    project_id: str
    service_id: str
    status: str

    def to_json(self) -> dict[str, Any]:
        """Render the service as the show-service operation returns it."""
        return {"service_id": self.service_id, "project_id": self.project_id, "status": self.status}


class TaskStore:
    """All services and their tasks, keyed by project and service."""

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self._clock = clock
        self._services: dict[ServiceKey, Service] = {}
        self._tasks: dict[ServiceKey, dict[str, Task]] = {}

    def clear(self) -> None:
        """Drop every service and task."""
        self._services.clear()
        self._tasks.clear()

    def put_service(self, project_id: str, service_id: str, status: str) -> tuple[Service, bool]:
        """Add a service or change its status. Return it and whether it is new."""
        errors.check_ids(project_id=project_id, service_id=service_id)
        if status not in SERVICE_STATUSES:
            raise errors.invalid_argument(
                f"parameter [status] must be one of {sorted(SERVICE_STATUSES)}, got {status!r}."
            )

        key = (project_id, service_id)
        created = key not in self._services
        service = Service(project_id, service_id, status)
        self._services[key] = service
        self._tasks.setdefault(key, {})
        return service, created

    def service(self, project_id: str, service_id: str) -> Service:
        """Return a service, or raise the documented 404."""
        service = self._services.get((project_id, service_id))
        if service is None:
            raise errors.service_not_found(service_id)
        return service

    def put_task(
        self, project_id: str, service_id: str, task_id: str | None, name: str | None, state: str
    ) -> tuple[Task, bool]:
        """Add a task, or replace one with the same ID. Return it and whether it is new."""
        task_id = new_task_id() if task_id is None else task_id
        errors.check_ids(project_id=project_id, service_id=service_id, task_id=task_id)
        if state not in TASK_STATES:
            raise errors.invalid_argument(f"parameter [state] must be one of {sorted(TASK_STATES)}, got {state!r}.")
        self.service(project_id, service_id)

        bucket = self._tasks[(project_id, service_id)]
        created = task_id not in bucket
        now_ms = _epoch_ms()
        task = Task(project_id, service_id, task_id, name or f"task-{task_id[:8]}", state, now_ms, now_ms)
        bucket[task_id] = task
        return task, created

    def tasks(self, project_id: str, service_id: str) -> list[Task]:
        """Return the tasks of a service in creation order, transitions applied."""
        self.service(project_id, service_id)
        bucket = self._tasks[(project_id, service_id)]
        now = self._clock()
        for task in list(bucket.values()):
            task.settle(now)
            if task.state == _GONE:
                del bucket[task.task_id]
        return list(bucket.values())

    def task(self, project_id: str, service_id: str, task_id: str) -> Task:
        """Return one task, transitions applied, or raise a 404 for the service or the task."""
        for task in self.tasks(project_id, service_id):
            if task.task_id == task_id:
                return task
        raise errors.task_not_found(service_id, task_id)

    def find_task(self, task_id: str, project_id: str | None, service_id: str | None) -> Task:
        """Find a task by ID alone, or narrowed to a project and service, for the control API."""
        for project, service in list(self._services):
            if project_id not in (None, project) or service_id not in (None, service):
                continue
            for task in self.tasks(project, service):
                if task.task_id == task_id:
                    return task
        raise errors.task_not_found(service_id or "(any)", task_id)

    def start(self, project_id: str, service_id: str, task_id: str, delay: float) -> Task:
        """Move a task to STARTING, and to RUNNING ``delay`` seconds later."""
        task = self._live_task(project_id, service_id, task_id)
        # NOTE: the API reference does not document what starting a STARTING or RUNNING
        # task returns. The emulator accepts it (202) and leaves the state alone.
        if task.state not in ("STARTING", "RUNNING"):
            task.move("STARTING", "RUNNING", self._clock() + delay)
        return task

    def stop(self, project_id: str, service_id: str, task_id: str, delay: float) -> Task:
        """Move a task to STOPPING, and to STOPPED ``delay`` seconds later."""
        task = self._live_task(project_id, service_id, task_id)
        if task.state not in ("STOPPING", "STOPPED"):
            task.move("STOPPING", "STOPPED", self._clock() + delay)
        return task

    def delete(self, project_id: str, service_id: str, task_id: str, delay: float) -> Task:
        """Move a task to DELETING and remove it ``delay`` seconds later."""
        task = self.task(project_id, service_id, task_id)
        if task.state != "DELETING":
            task.move("DELETING", _GONE, self._clock() + delay)
        return task

    def _live_task(self, project_id: str, service_id: str, task_id: str) -> Task:
        task = self.task(project_id, service_id, task_id)
        if task.state == "DELETING":
            raise errors.task_not_found(service_id, task_id)
        return task
