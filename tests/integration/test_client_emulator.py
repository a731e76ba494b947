"""``ModelArtsClient`` against the emulator, run as a child process over HTTP on 127.0.0.1.

The emulator checks the AK/SK signature, the IDs and the project like the real API
gateway, and its control API injects faults, so these tests cover the client's
signing, error parsing and classification end to end without any real cloud.
"""

from __future__ import annotations

import asyncio
import socket
import time
from collections.abc import AsyncIterator, Iterator

import httpx
import pytest

from modelarts_operator.cloud.classify import OutcomeKind
from modelarts_operator.cloud.client import CallResult, ModelArtsClient, TaskRef
from modelarts_operator.cloud.signing import AkSkCredentials
from modelarts_operator.emulator.admin import EmulatorAdmin
from modelarts_operator.emulator.process import EmulatorProcess

PROJECT_ID = "46af3a410726903fce462a1424a6c7a5"
SERVICE_ID = "e2ad76dd-f54b-417e-b472-236cc4e335d7"
TASK_ID = "a29002929c780b076518539ca3b882c7"
UNKNOWN_SERVICE_ID = "00000000-0000-4000-8000-000000000000"

CREDENTIALS = AkSkCredentials("INTEGRATIONAK00000001", "integration-secret-key-0001")
TEMPORARY = AkSkCredentials("INTEGRATIONTEMPAK0001", "integration-temp-secret-key", "integration-security-token")
START_DELAY_SECONDS = 0.2
# Seconds. Long enough for loopback calls on a busy CI machine.
CLIENT_TIMEOUT = httpx.Timeout(10.0)


@pytest.fixture(scope="module")
def emulator() -> Iterator[EmulatorProcess]:
    """One emulator process for the module, accepting CREDENTIALS and TEMPORARY."""
    permanent = f"{CREDENTIALS.access_key}:{CREDENTIALS.secret_key}"
    temporary = f"{TEMPORARY.access_key}:{TEMPORARY.secret_key}:{TEMPORARY.security_token}"
    with EmulatorProcess("--credentials", permanent, "--credentials", temporary) as process:
        yield process


@pytest.fixture
def admin(emulator: EmulatorProcess) -> EmulatorAdmin:
    """The control API, with a fresh service and STOPPED task and default settings for each test."""
    control = emulator.admin
    control.reset()
    control.settings(qps_limit=None, start_delay_seconds=START_DELAY_SECONDS)
    control.add_service(PROJECT_ID, SERVICE_ID)
    control.add_task(PROJECT_ID, SERVICE_ID, TASK_ID)
    return control


@pytest.fixture
def ref(emulator: EmulatorProcess, admin: EmulatorAdmin) -> TaskRef:
    return TaskRef(endpoint=emulator.url, project_id=PROJECT_ID, service_id=SERVICE_ID, task_id=TASK_ID)


def loopback_client(timeout: httpx.Timeout = CLIENT_TIMEOUT) -> ModelArtsClient:
    # trust_env=False: a proxy from the environment must not carry loopback traffic elsewhere.
    return ModelArtsClient(httpx.AsyncClient(timeout=timeout, trust_env=False))


@pytest.fixture
async def client() -> AsyncIterator[ModelArtsClient]:
    async with loopback_client() as modelarts:
        yield modelarts


async def wait_for_task_state(
    client: ModelArtsClient, ref: TaskRef, expected: str, deadline_seconds: float = 5.0
) -> list[str]:
    """Poll the task through the API until it is ``expected``, and return the distinct states seen."""
    seen: list[str] = []
    deadline = time.monotonic() + deadline_seconds
    while True:
        result = await client.show_task(ref, CREDENTIALS)
        assert result.kind == OutcomeKind.ACCEPTED, result
        if result.task_state is not None and (not seen or seen[-1] != result.task_state):
            seen.append(result.task_state)
        if result.task_state == expected:
            return seen
        assert time.monotonic() < deadline, f"task stayed out of {expected} for {deadline_seconds} s: saw {seen}"
        await asyncio.sleep(0.02)


def assert_error(result: CallResult, kind: OutcomeKind, http_status: int | None, error_code: str) -> None:
    assert result.kind == kind, result
    assert result.http_status == http_status, result
    assert result.error_code == error_code, result


async def test_start_accepted_202(client: ModelArtsClient, ref: TaskRef, admin: EmulatorAdmin) -> None:
    result = await client.start_task(ref, CREDENTIALS)

    assert result.kind == OutcomeKind.ACCEPTED
    assert result.http_status == 202
    assert result.request_id is not None
    assert len(result.request_id) == 32
    assert admin.count("start", TASK_ID) == 1


async def test_show_task_returns_state(client: ModelArtsClient, ref: TaskRef) -> None:
    before = await client.show_task(ref, CREDENTIALS)
    await client.start_task(ref, CREDENTIALS)
    seen = await wait_for_task_state(client, ref, "RUNNING")

    assert before.kind == OutcomeKind.ACCEPTED
    assert before.http_status == 200
    assert before.task_state == "STOPPED"
    assert seen[-1] == "RUNNING"
    assert set(seen) <= {"STARTING", "RUNNING"}


async def test_start_unknown_service_404(client: ModelArtsClient, ref: TaskRef) -> None:
    unknown = TaskRef(ref.endpoint, PROJECT_ID, UNKNOWN_SERVICE_ID, TASK_ID)

    result = await client.start_task(unknown, CREDENTIALS)

    assert_error(result, OutcomeKind.REJECTED, 404, "ModelArts.3502")
    assert result.error_msg == f"Service {UNKNOWN_SERVICE_ID} does not exist."
    assert result.request_id is not None


async def test_start_bad_task_id_400(client: ModelArtsClient, ref: TaskRef, admin: EmulatorAdmin) -> None:
    bad = TaskRef(ref.endpoint, PROJECT_ID, SERVICE_ID, "not-a-task-id")

    result = await client.start_task(bad, CREDENTIALS)

    assert_error(result, OutcomeKind.REJECTED, 400, "ModelArts.0101")
    assert result.error_msg is not None
    assert result.error_msg.startswith("Invalid argument.")
    assert "task_id" in result.error_msg
    assert admin.task_state(PROJECT_ID, SERVICE_ID, TASK_ID) == "STOPPED"


async def test_start_wrong_secret_key_401(client: ModelArtsClient, ref: TaskRef, admin: EmulatorAdmin) -> None:
    wrong = AkSkCredentials(CREDENTIALS.access_key, "not-the-secret-key")

    result = await client.start_task(ref, wrong)

    assert_error(result, OutcomeKind.AUTHENTICATION_FAILED, 401, "APIGW.0301")
    assert result.request_id is not None
    assert admin.task_state(PROJECT_ID, SERVICE_ID, TASK_ID) == "STOPPED"


async def test_start_temporary_credentials(client: ModelArtsClient, ref: TaskRef) -> None:
    result = await client.start_task(ref, TEMPORARY)

    assert result.kind == OutcomeKind.ACCEPTED
    assert result.http_status == 202


async def test_start_temporary_without_token_401(client: ModelArtsClient, ref: TaskRef) -> None:
    without_token = AkSkCredentials(TEMPORARY.access_key, TEMPORARY.secret_key)

    result = await client.start_task(ref, without_token)

    assert_error(result, OutcomeKind.AUTHENTICATION_FAILED, 401, "APIGW.0301")


async def test_start_500_fault_transient(client: ModelArtsClient, ref: TaskRef, admin: EmulatorAdmin) -> None:
    admin.set_faults([{"operation": "start", "status": 500}])

    result = await client.start_task(ref, CREDENTIALS)

    assert_error(result, OutcomeKind.TRANSIENT, 500, "ModelArts.0010")
    assert admin.task_state(PROJECT_ID, SERVICE_ID, TASK_ID) == "STOPPED"


async def test_qps_limit_429_transient(client: ModelArtsClient, ref: TaskRef, admin: EmulatorAdmin) -> None:
    admin.settings(qps_limit=1)

    first = await client.show_task(ref, CREDENTIALS)
    second = await client.show_task(ref, CREDENTIALS)

    assert first.kind == OutcomeKind.ACCEPTED
    assert_error(second, OutcomeKind.TRANSIENT, 429, "APIGW.0308")
    assert second.request_id is not None


async def test_connection_reset_ambiguous(client: ModelArtsClient, ref: TaskRef, admin: EmulatorAdmin) -> None:
    admin.set_faults([{"operation": "start", "reset": True}])

    result = await client.start_task(ref, CREDENTIALS)

    assert result.kind == OutcomeKind.AMBIGUOUS
    assert result.http_status is None
    assert result.error_code in {"RemoteProtocolError", "ReadError"}
    assert admin.calls()[-1]["fault"] == "reset"


async def test_latency_over_read_timeout_ambiguous(ref: TaskRef, admin: EmulatorAdmin) -> None:
    admin.set_faults([{"operation": "start", "latency_seconds": 1.0}])
    short_read = httpx.Timeout(5.0, read=0.2)

    async with loopback_client(short_read) as impatient:
        result = await impatient.start_task(ref, CREDENTIALS)

    assert result.kind == OutcomeKind.AMBIGUOUS
    assert result.http_status is None
    assert result.error_code == "ReadTimeout"


async def test_closed_port_transient(client: ModelArtsClient) -> None:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    closed = TaskRef(f"http://127.0.0.1:{port}", PROJECT_ID, SERVICE_ID, TASK_ID)

    result = await client.start_task(closed, CREDENTIALS)

    assert result.kind == OutcomeKind.TRANSIENT
    assert result.http_status is None
    assert result.error_code == "ConnectError"
