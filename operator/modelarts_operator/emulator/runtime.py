"""The mutable state of one running emulator, shared by the API and the control routes."""

from __future__ import annotations

from dataclasses import dataclass

from aiohttp import web

from modelarts_operator.emulator.auth import Authenticator, Lockout
from modelarts_operator.emulator.calls import CallLog
from modelarts_operator.emulator.config import EmulatorConfig, Settings
from modelarts_operator.emulator.errors import ApiError
from modelarts_operator.emulator.faults import FaultBook
from modelarts_operator.emulator.state import TaskStore
from modelarts_operator.emulator.throttle import Throttle


@dataclass
class Emulator:
    """Services, tasks, call log, faults, throttle, lockouts and settings of one emulator."""

    store: TaskStore
    calls: CallLog
    faults: FaultBook
    throttle: Throttle
    lockout: Lockout
    authenticator: Authenticator
    settings: Settings

    def reset(self) -> None:
        """Clear tasks, services, calls, faults, throttle windows and lockouts, but keep credentials and settings."""
        self.store.clear()
        self.calls.clear()
        self.faults.clear()
        self.throttle.clear()
        self.lockout.clear()


EMULATOR_KEY = web.AppKey("emulator", Emulator)


def build_emulator(config: EmulatorConfig) -> Emulator:
    """Create the state from ``config`` and apply its seed data. Raise ValueError for an invalid seed."""
    lockout = Lockout()
    emulator = Emulator(
        store=TaskStore(),
        calls=CallLog(),
        faults=FaultBook(),
        throttle=Throttle(),
        lockout=lockout,
        authenticator=Authenticator(config.credentials, config.tokens, lockout),
        settings=config.settings(),
    )
    emulator.faults.replace(config.faults)

    try:
        for service in config.services:
            emulator.store.put_service(service.project_id, service.service_id, service.status)
        for task in config.tasks:
            emulator.store.put_task(task.project_id, task.service_id, task.task_id, task.name, task.state)
    except ApiError as error:
        raise ValueError(f"invalid seed data: {error.error_msg}") from None
    return emulator
