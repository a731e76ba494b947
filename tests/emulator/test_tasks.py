"""The service-task operations over signed HTTP: shapes, state transitions, errors and the call log."""

from __future__ import annotations

import asyncio
import re
import time

import httpx
from emulator_support import (
    OTHER_PROJECT,
    PROJECT,
    SERVICE,
    SERVICE_PATH,
    TASK,
    TASK_PATH,
    TASKS_PATH,
    admin_calls,
    admin_task_state,
    plain_client,
    signed_client,
    wait_for_state,
)

HEX32 = re.compile(r"[0-9a-f]{32}")


async def test_start_goes_starting_then_running(client: httpx.AsyncClient) -> None:
    response = await client.post(f"{TASK_PATH}/start")

    assert response.status_code == 202
    assert response.content == b""
    seen = await wait_for_state(client, TASK_PATH, "RUNNING")
    assert seen[0] == "STARTING"
    assert seen[-1] == "RUNNING"


async def test_start_of_running_task_keeps_state(client: httpx.AsyncClient, emulator_url: str) -> None:
    await client.post(f"{TASK_PATH}/start")
    await wait_for_state(client, TASK_PATH, "RUNNING")

    again = await client.post(f"{TASK_PATH}/start")

    assert again.status_code == 202
    assert await admin_task_state(emulator_url) == "RUNNING"
    counts = (await admin_calls(emulator_url))["counts"]
    assert counts["start"][TASK] == 2


async def test_stop_goes_stopping_then_stopped(client: httpx.AsyncClient) -> None:
    await client.post(f"{TASK_PATH}/start")
    await wait_for_state(client, TASK_PATH, "RUNNING")

    response = await client.post(f"{TASK_PATH}/stop")

    assert response.status_code == 202
    seen = await wait_for_state(client, TASK_PATH, "STOPPED")
    assert seen == ["STOPPING", "STOPPED"]


async def test_create_list_show_delete(client: httpx.AsyncClient) -> None:
    created = await client.post(TASKS_PATH, json={"name": "camera-2"})
    assert created.status_code == 201
    new_id = created.json()["tasks"][0]["id"]
    assert HEX32.fullmatch(new_id)

    listed = await client.get(TASKS_PATH, params={"name_like": "CAMERA"})
    assert listed.status_code == 200
    assert listed.json()["count"] == 1
    assert [task["id"] for task in listed.json()["tasks"]] == [new_id]

    details = await client.get(f"{TASKS_PATH}/{new_id}")
    assert details.status_code == 200
    assert details.json()["name"] == "camera-2"
    assert details.json()["state"] == "STOPPED"

    deleted = await client.delete(f"{TASKS_PATH}/{new_id}")
    assert deleted.status_code == 202
    assert deleted.content == b""
    assert (await client.get(f"{TASKS_PATH}/{new_id}")).json()["state"] == "DELETING"


async def test_delete_removes_task_after_delay(client: httpx.AsyncClient) -> None:
    await client.delete(TASK_PATH)

    assert (await client.get(TASK_PATH)).json()["state"] == "DELETING"
    await wait_for_not_found(client)


async def wait_for_not_found(client: httpx.AsyncClient) -> None:
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline:
        response = await client.get(TASK_PATH)
        if response.status_code == 404:
            assert response.json()["error_code"] == "ModelArts.3599"
            return
        await asyncio.sleep(0.02)
    raise AssertionError("deleted task still returned 200 after 5 s")


async def test_create_without_body(client: httpx.AsyncClient) -> None:
    response = await client.post(TASKS_PATH)

    assert response.status_code == 201
    assert HEX32.fullmatch(response.json()["tasks"][0]["id"])


async def test_create_rejects_invalid_json(client: httpx.AsyncClient) -> None:
    response = await client.post(TASKS_PATH, content=b"{not json", headers={"Content-Type": "application/json"})

    assert response.status_code == 400
    assert response.json()["error_code"] == "ModelArts.0101"


async def test_list_filters_by_state_and_pages(client: httpx.AsyncClient) -> None:
    for name in ("a", "b", "c"):
        await client.post(TASKS_PATH, json={"name": name})
    await client.post(f"{TASK_PATH}/start")

    starting = await client.get(TASKS_PATH, params={"state": "STARTING"})
    page = await client.get(TASKS_PATH, params={"state": "STOPPED", "offset": "1", "limit": "1"})

    assert [task["id"] for task in starting.json()["tasks"]] == [TASK]
    assert page.json()["count"] == 3
    assert [task["name"] for task in page.json()["tasks"]] == ["b"]


async def test_list_rejects_bad_limit(client: httpx.AsyncClient) -> None:
    response = await client.get(TASKS_PATH, params={"limit": "0"})

    assert response.status_code == 400
    assert "parameter [limit]" in response.json()["error_msg"]


async def test_show_service_status(client: httpx.AsyncClient) -> None:
    response = await client.get(SERVICE_PATH)

    assert response.status_code == 200
    assert response.json()["status"] == "running"
    assert response.json()["service_id"] == SERVICE


async def test_bad_task_id_documented_400(client: httpx.AsyncClient) -> None:
    response = await client.post(f"{TASKS_PATH}/not-a-task-id/start")

    assert response.status_code == 400
    assert response.json() == {
        "error_code": "ModelArts.0101",
        "error_msg": "Invalid argument. parameter [task_id] does not match ^[0-9a-f]{32}$.",
    }


async def test_bad_project_and_service_ids(emulator_url: str) -> None:
    async with signed_client(emulator_url, project_id=None) as client:
        bad_project = await client.get(f"/v1/{PROJECT.upper()}/services/{SERVICE}/tasks/{TASK}")
        bad_service = await client.get(f"/v1/{PROJECT}/services/{SERVICE.replace('-', '')}/tasks/{TASK}")

    assert bad_project.status_code == 400
    assert bad_project.json()["error_msg"] == (
        "Invalid argument. parameter [project_id] does not match ^[0-9a-f]{32}$."
    )
    assert bad_service.status_code == 400
    assert bad_service.json()["error_msg"] == (
        "Invalid argument. parameter [service_id] does not match "
        "^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$."
    )


async def test_unknown_service_documented_404(client: httpx.AsyncClient) -> None:
    unknown = "00000000-0000-4000-8000-000000000000"

    response = await client.post(f"/v1/{PROJECT}/services/{unknown}/tasks/{TASK}/start")

    assert response.status_code == 404
    assert response.json() == {"error_code": "ModelArts.3502", "error_msg": f"Service {unknown} does not exist."}


async def test_unknown_task_404(client: httpx.AsyncClient) -> None:
    response = await client.post(f"{TASKS_PATH}/{'0' * 32}/start")

    assert response.status_code == 404
    assert response.json()["error_code"] == "ModelArts.3599"


async def test_project_header_mismatch_403(emulator_url: str) -> None:
    async with signed_client(emulator_url, project_id=OTHER_PROJECT) as client:
        response = await client.get(TASK_PATH)

    assert response.status_code == 403
    assert response.json()["error_code"] == "ModelArts.0210"


async def test_unknown_path_gateway_404(client: httpx.AsyncClient) -> None:
    response = await client.get(f"/v1/{PROJECT}/nothing-here")

    assert response.status_code == 404
    assert response.json()["error_code"] == "APIGW.0101"
    assert response.json()["request_id"] == response.headers["X-Request-Id"]


async def test_request_id_on_every_response(client: httpx.AsyncClient, emulator_url: str) -> None:
    async with plain_client(emulator_url) as unsigned:
        responses = [
            await client.post(f"{TASK_PATH}/start"),
            await client.get(TASK_PATH),
            await client.get(f"{TASKS_PATH}/bad"),
            await unsigned.get(TASK_PATH),
            await unsigned.get("/_emulator/health"),
            await unsigned.get("/_emulator/missing"),
        ]

    ids = [response.headers.get("X-Request-Id") for response in responses]
    for request_id in ids:
        assert request_id is not None
        assert HEX32.fullmatch(request_id)
    assert len(set(ids)) == len(ids)


async def test_call_log_records_rejected_calls(client: httpx.AsyncClient, emulator_url: str) -> None:
    await client.post(f"{TASK_PATH}/start")
    await client.post(f"{TASK_PATH}/start")
    async with plain_client(emulator_url) as unsigned:
        await unsigned.post(f"{TASK_PATH}/start")
    await client.get(SERVICE_PATH)

    log = await admin_calls(emulator_url)

    assert log["counts"]["start"] == {TASK: 3}
    assert log["counts"]["show_service"] == {"": 1}
    statuses = [(call["operation"], call["status"], call["error_code"]) for call in log["calls"]]
    assert statuses == [
        ("start", 202, None),
        ("start", 202, None),
        ("start", 401, "APIGW.0301"),
        ("show_service", 200, None),
    ]
    first = log["calls"][0]
    assert first["method"] == "POST"
    assert first["path"] == f"{TASK_PATH}/start"
    assert (first["project_id"], first["service_id"], first["task_id"]) == (PROJECT, SERVICE, TASK)
    assert first["time"].endswith("+00:00")
