"""IDs, credentials, clients and polling helpers shared by the emulator tests, which run over HTTP on 127.0.0.1."""

from __future__ import annotations

import asyncio
import time
from dataclasses import replace
from typing import Any

import httpx

from modelarts_operator.cloud.signing import AkSkAuth, AkSkCredentials
from modelarts_operator.emulator.config import EmulatorConfig, ServiceSeed, TaskSeed

PROJECT = "0123456789abcdef0123456789abcdef"
SERVICE = "12345678-9abc-4def-8123-456789abcdef"
TASK = "fedcba9876543210fedcba9876543210"
OTHER_PROJECT = "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"

CREDENTIALS = AkSkCredentials("EMULATORTESTAK0000001", "emulator-test-secret-key")
TEMPORARY = AkSkCredentials("EMULATORTEMPAK0000001", "emulator-temp-secret-key", "emulator-security-token")
TOKEN = "emulator-test-iam-token"

SERVICE_PATH = f"/v1/{PROJECT}/services/{SERVICE}"
TASKS_PATH = f"{SERVICE_PATH}/tasks"
TASK_PATH = f"{TASKS_PATH}/{TASK}"

START_DELAY = 0.2


def base_config(**changes: Any) -> EmulatorConfig:
    """Return a config with one service, one STOPPED task, both credential kinds and a token."""
    config = EmulatorConfig(
        credentials=(CREDENTIALS, TEMPORARY),
        tokens=(TOKEN,),
        services=(ServiceSeed(project_id=PROJECT, service_id=SERVICE),),
        tasks=(TaskSeed(project_id=PROJECT, service_id=SERVICE, task_id=TASK, name="edge-task"),),
        start_delay_seconds=START_DELAY,
    )
    return replace(config, **changes)


def signed_client(
    url: str, credentials: AkSkCredentials = CREDENTIALS, project_id: str | None = PROJECT
) -> httpx.AsyncClient:
    """Return a client that signs every request with AK/SK."""
    return httpx.AsyncClient(base_url=url, auth=AkSkAuth(credentials, project_id), trust_env=False, timeout=10)


def plain_client(url: str) -> httpx.AsyncClient:
    """Return a client without authentication, for the control API and unsigned requests."""
    return httpx.AsyncClient(base_url=url, trust_env=False, timeout=10)


async def wait_for_state(
    client: httpx.AsyncClient, path: str, expected: str, deadline_seconds: float = 5.0
) -> list[str]:
    """Poll a task until it reaches ``expected``, and return the distinct states seen, in order."""
    seen: list[str] = []
    deadline = time.monotonic() + deadline_seconds
    while time.monotonic() < deadline:
        response = await client.get(path)
        assert response.status_code == 200, response.text
        state = response.json()["state"]
        if not seen or seen[-1] != state:
            seen.append(state)
        if state == expected:
            return seen
        await asyncio.sleep(0.02)
    raise AssertionError(f"task at {path} did not reach {expected} within {deadline_seconds} s. States seen: {seen}")


async def admin_calls(url: str) -> dict[str, Any]:
    """Return the call log and counts of the control API."""
    async with plain_client(url) as client:
        response = await client.get("/_emulator/calls")
    assert response.status_code == 200
    result: dict[str, Any] = response.json()
    return result


async def set_faults(url: str, rules: list[dict[str, Any]]) -> None:
    """Install fault rules through the control API."""
    async with plain_client(url) as client:
        response = await client.put("/_emulator/faults", json=rules)
    assert response.status_code == 200, response.text


async def admin_task_state(url: str, task_id: str = TASK) -> str:
    """Read a task's state through the control API, which bypasses auth, throttle and faults."""
    async with plain_client(url) as client:
        response = await client.get(f"/_emulator/tasks/{task_id}")
    assert response.status_code == 200, response.text
    return str(response.json()["state"])
