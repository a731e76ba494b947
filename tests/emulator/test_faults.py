"""Throttling and fault injection: error statuses, latency, dropped connections and apply_first."""

from __future__ import annotations

import asyncio
import time

import httpx
import pytest
from emulator_support import (
    TASK,
    TASK_PATH,
    TASKS_PATH,
    admin_calls,
    admin_task_state,
    base_config,
    plain_client,
    set_faults,
    signed_client,
)

from modelarts_operator.emulator.app import running_emulator


async def test_qps_limit_429(emulator_url: str, client: httpx.AsyncClient) -> None:
    async with plain_client(emulator_url) as admin:
        await admin.put("/_emulator/settings", json={"qps_limit": 2})

    responses = await asyncio.gather(*(client.get(TASK_PATH) for _ in range(3)))
    other_operation = await client.get(TASKS_PATH)

    statuses = sorted(response.status_code for response in responses)
    assert statuses == [200, 200, 429]
    throttled = next(response for response in responses if response.status_code == 429)
    assert throttled.json()["error_code"] == "APIGW.0308"
    assert "limit:2" in throttled.json()["error_msg"]
    assert throttled.json()["request_id"] == throttled.headers["X-Request-Id"]
    assert "Retry-After" not in throttled.headers
    assert other_operation.status_code == 200


async def test_qps_limit_from_config() -> None:
    async with running_emulator(base_config(qps_limit=1)) as url, signed_client(url) as client:
        first = await client.get(TASK_PATH)
        second = await client.get(TASK_PATH)

    assert first.status_code == 200
    assert second.status_code == 429


async def test_fault_status_and_code(emulator_url: str, client: httpx.AsyncClient) -> None:
    await set_faults(
        emulator_url,
        [{"operation": "start", "status": 500, "error_code": "ModelArts.0010", "error_msg": "Internal error."}],
    )

    failed = await client.post(f"{TASK_PATH}/start")
    retried = await client.post(f"{TASK_PATH}/start")

    assert failed.status_code == 500
    assert failed.json() == {"error_code": "ModelArts.0010", "error_msg": "Internal error."}
    assert retried.status_code == 202
    assert await admin_task_state(emulator_url) == "STARTING"


async def test_fault_gateway_code_has_request_id(emulator_url: str, client: httpx.AsyncClient) -> None:
    await set_faults(emulator_url, [{"operation": "*", "status": 504, "error_code": "APIG.0201"}])

    response = await client.get(TASK_PATH)

    assert response.status_code == 504
    assert response.json()["error_code"] == "APIG.0201"
    assert response.json()["request_id"] == response.headers["X-Request-Id"]


async def test_fault_latency_then_normal_answer(emulator_url: str, client: httpx.AsyncClient) -> None:
    await set_faults(emulator_url, [{"operation": "show", "latency_seconds": 0.3}])

    started = time.monotonic()
    response = await client.get(TASK_PATH)
    elapsed = time.monotonic() - started

    assert response.status_code == 200
    assert response.json()["state"] == "STOPPED"
    assert elapsed >= 0.3


async def test_fault_reset_drops_connection(emulator_url: str, client: httpx.AsyncClient) -> None:
    await set_faults(emulator_url, [{"operation": "start", "reset": True}])

    with pytest.raises(httpx.TransportError):
        await client.post(f"{TASK_PATH}/start")

    assert await admin_task_state(emulator_url) == "STOPPED"
    call = (await admin_calls(emulator_url))["calls"][-1]
    assert call["status"] is None
    assert call["fault"] == "reset"


async def test_apply_first_reset_starts_task() -> None:
    async with running_emulator(base_config(start_delay_seconds=60)) as url, signed_client(url) as client:
        await set_faults(url, [{"operation": "start", "reset": True, "apply_first": True}])

        with pytest.raises(httpx.TransportError):
            await client.post(f"{TASK_PATH}/start")

        assert await admin_task_state(url) == "STARTING"


async def test_apply_first_latency_starts_before_answer(emulator_url: str, client: httpx.AsyncClient) -> None:
    await set_faults(emulator_url, [{"operation": "start", "latency_seconds": 2.0, "apply_first": True}])

    pending = asyncio.create_task(client.post(f"{TASK_PATH}/start"))
    deadline = time.monotonic() + 1.5
    while await admin_task_state(emulator_url) == "STOPPED":
        assert time.monotonic() < deadline, "task did not leave STOPPED while the start call waited"
        await asyncio.sleep(0.02)

    assert not pending.done()
    assert (await pending).status_code == 202


async def test_fault_only_for_named_task(emulator_url: str, client: httpx.AsyncClient) -> None:
    other = "1" * 32
    await set_faults(emulator_url, [{"operation": "*", "task_id": other, "status": 500, "times": None}])

    response = await client.get(TASK_PATH)

    assert response.status_code == 200


async def test_fault_forever_and_order(emulator_url: str, client: httpx.AsyncClient) -> None:
    await set_faults(
        emulator_url,
        [
            {"operation": "show", "status": 503, "error_code": "ModelArts.0011", "times": 2},
            {"operation": "show", "status": 500, "times": None},
        ],
    )

    statuses = [(await client.get(TASK_PATH)).status_code for _ in range(4)]

    assert statuses == [503, 503, 500, 500]


async def test_fault_skipped_when_auth_fails(emulator_url: str) -> None:
    await set_faults(emulator_url, [{"operation": "show", "status": 500}])

    async with plain_client(emulator_url) as unsigned:
        rejected = await unsigned.get(TASK_PATH)
        faults = (await unsigned.get("/_emulator/faults")).json()["faults"]

    assert rejected.status_code == 401
    assert faults[0]["times_left"] == 1


async def test_faults_cleared(emulator_url: str, client: httpx.AsyncClient) -> None:
    await set_faults(emulator_url, [{"operation": "*", "status": 500, "times": None}])

    async with plain_client(emulator_url) as admin:
        cleared = await admin.delete("/_emulator/faults")
    response = await client.get(TASK_PATH)

    assert cleared.status_code == 200
    assert response.status_code == 200


async def test_invalid_fault_rule_400(emulator_url: str) -> None:
    async with plain_client(emulator_url) as admin:
        response = await admin.put("/_emulator/faults", json=[{"operation": "restart", "status": 500}])

    assert response.status_code == 400
    assert "operation" in response.json()["error_msg"]


async def test_fault_recorded_in_call_log(emulator_url: str, client: httpx.AsyncClient) -> None:
    await set_faults(emulator_url, [{"operation": "start", "status": 500}])

    await client.post(f"{TASK_PATH}/start")

    call = (await admin_calls(emulator_url))["calls"][-1]
    assert (call["operation"], call["task_id"], call["status"]) == ("start", TASK, 500)
    assert call["error_code"] == "ModelArts.0010"
    assert call["fault"] == "status"


async def test_delayed_call_counted_on_arrival(emulator_url: str, client: httpx.AsyncClient) -> None:
    await set_faults(emulator_url, [{"operation": "start", "latency_seconds": 2.0}])

    pending = asyncio.create_task(client.post(f"{TASK_PATH}/start"))
    deadline = time.monotonic() + 1.5
    while (await admin_calls(emulator_url))["counts"].get("start", {}).get(TASK, 0) == 0:
        assert time.monotonic() < deadline, "the start call was not counted while a fault delayed it"
        await asyncio.sleep(0.02)

    assert not pending.done()
    assert (await pending).status_code == 202
    assert (await admin_calls(emulator_url))["counts"]["start"][TASK] == 1


async def test_create_counted_under_new_id(emulator_url: str, client: httpx.AsyncClient) -> None:
    created = await client.post(TASKS_PATH, json={"name": "camera-3"})
    new_id = created.json()["tasks"][0]["id"]

    counts = (await admin_calls(emulator_url))["counts"]["create"]

    assert counts.get(new_id) == 1
    assert counts.get("", 0) == 0
