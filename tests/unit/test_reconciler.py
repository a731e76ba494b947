"""Tests for ``Reconciler``, the I/O around the policy, with an in-memory API server and a mock network.

The Kubernetes side is ``FakeKube``, a store for one object with resourceVersion checks.
The cloud side is a real ``ModelArtsClient`` whose ``httpx.AsyncClient`` sends every
request to ``FakeCloud`` through ``httpx.MockTransport``, so the client's signing,
parsing and classification all run and only the network is replaced.
"""

from __future__ import annotations

import copy
import json
import logging
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any, cast

import httpx
import pytest

from modelarts_operator.cloud.client import ModelArtsClient
from modelarts_operator.model import API_GROUP, API_VERSION, KIND
from modelarts_operator.wiring.kube import Conflict, KubeApi, NotFound
from modelarts_operator.wiring.reconciler import Reconciler, ReconcileSettings

NAMESPACE = "edge"
NAME = "start-inference-task"
SECRET_NAME = "modelarts-credentials"
PROJECT_ID = "46af3a410726903fce462a1424a6c7a5"
SERVICE_ID = "e2ad76dd-f54b-417e-b472-236cc4e335d7"
TASK_ID = "a29002929c780b076518539ca3b882c7"
RUN = "2026-12-04"
# MockTransport returns every response itself, so nothing is ever sent to this address.
ENDPOINT = "http://127.0.0.1:8480"
TASK_PATH = f"/v1/{PROJECT_ID}/services/{SERVICE_ID}/tasks/{TASK_ID}"
START_PATH = TASK_PATH + "/start"

ACCESS_KEY = "RECONCILERTESTAK00001"
SECRET_KEY = "reconciler-test-secret-key-7f3a9c"
SECURITY_TOKEN = "reconciler-test-security-token-51be"
SECRETS = {(NAMESPACE, SECRET_NAME): {"accessKey": ACCESS_KEY, "secretKey": SECRET_KEY}}

NOW = datetime(2026, 12, 4, 8, 0, 0, tzinfo=UTC)
SETTINGS = ReconcileSettings(credentials_retry_seconds=30.0, conflict_retry_seconds=1.0)
REQUEST_ID = "0123456789abcdef0123456789abcdef"

SPEC = {
    "projectID": PROJECT_ID,
    "serviceID": SERVICE_ID,
    "taskID": TASK_ID,
    "endpoint": ENDPOINT,
    "credentialsRef": {"name": SECRET_NAME},
    "runToken": RUN,
    "retryPolicy": {"maxAttempts": 5, "initialBackoffSeconds": 5, "maxBackoffSeconds": 300},
}

# The status an operator leaves behind when it stops after writing its claim and before recording the response.
UNANSWERED_CLAIM = {
    "phase": "Starting",
    "observedGeneration": 1,
    "observedRunToken": RUN,
    "attempts": 1,
    "lastAttempt": {"time": "2026-12-04T07:59:00Z", "outcome": "Unknown"},
    "conditions": [
        {"type": "Accepted", "status": "Unknown", "reason": "StartInProgress", "message": "Sending start call 1."},
        {"type": "Ready", "status": "False", "reason": "StartInProgress", "message": "Sending start call 1."},
    ],
}


def make_object(status: dict[str, Any] | None = None) -> dict[str, Any]:
    obj: dict[str, Any] = {
        "apiVersion": f"{API_GROUP}/{API_VERSION}",
        "kind": KIND,
        "metadata": {
            "namespace": NAMESPACE,
            "name": NAME,
            "uid": "9d1c3b0e-2f4a-4c55-8a61-2b7d0c9e8f10",
            "generation": 1,
            "resourceVersion": "100",
        },
        "spec": copy.deepcopy(SPEC),
    }
    if status is not None:
        obj["status"] = copy.deepcopy(status)
    return obj


class FakeKube:
    """An in-memory API server that contains one ServiceTaskStart and the Secrets of its namespace."""

    def __init__(self, obj: dict[str, Any], secrets: dict[tuple[str, str], dict[str, str]]) -> None:
        self.obj = copy.deepcopy(obj)
        self.secrets = copy.deepcopy(secrets)
        self.status_writes: list[dict[str, Any]] = []
        self.secret_reads = 0
        # When set, another writer changes the object right after the next read.
        self.change_after_next_get = False

    @property
    def status(self) -> dict[str, Any]:
        stored: dict[str, Any] = self.obj.get("status") or {}
        return stored

    def condition(self, condition_type: str) -> dict[str, Any]:
        found = [item for item in self.status.get("conditions", []) if item["type"] == condition_type]
        assert len(found) == 1, f"expected one {condition_type} condition in {self.status}"
        return found[0]

    async def get(self, namespace: str, name: str) -> dict[str, Any]:
        self._require(namespace, name)
        snapshot = copy.deepcopy(self.obj)
        if self.change_after_next_get:
            self.change_after_next_get = False
            self._bump()
        return snapshot

    async def replace_status(
        self, namespace: str, name: str, status: dict[str, Any], resource_version: str | None
    ) -> dict[str, Any]:
        self._require(namespace, name)
        current = self.obj["metadata"]["resourceVersion"]
        if resource_version is not None and resource_version != current:
            raise Conflict(f"resourceVersion {resource_version} is stale; the object is at {current}")
        self.obj["status"] = copy.deepcopy(status)
        self.status_writes.append(copy.deepcopy(status))
        self._bump()
        return copy.deepcopy(self.obj)

    async def read_secret(self, namespace: str, name: str) -> dict[str, str]:
        self.secret_reads += 1
        data = self.secrets.get((namespace, name))
        if data is None:
            raise NotFound(f"secrets {name!r} not found")
        return dict(data)

    def _require(self, namespace: str, name: str) -> None:
        metadata = self.obj["metadata"]
        if (namespace, name) != (metadata["namespace"], metadata["name"]):
            raise NotFound(f"{namespace}/{name} not found")

    def _bump(self) -> None:
        metadata = self.obj["metadata"]
        metadata["resourceVersion"] = str(int(metadata["resourceVersion"]) + 1)


@dataclass
class FakeCloud:
    """The ModelArts task API: each start returns the next queued response, and each GET returns the task state."""

    kube: FakeKube
    start_responses: list[httpx.Response] = field(default_factory=list)
    task_state: str = "STOPPED"
    requests: list[httpx.Request] = field(default_factory=list)
    # The stored status at the moment each start request reached the network.
    status_at_start: list[dict[str, Any]] = field(default_factory=list)
    # When set, the object is deleted while the start request is in flight.
    delete_during_start: bool = False

    def handle(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        if request.method == "POST" and request.url.path == START_PATH:
            self.status_at_start.append(copy.deepcopy(self.kube.status))
            if self.delete_during_start:
                self.kube.obj["metadata"]["name"] = "deleted-by-someone-else"
            return self.start_responses.pop(0)
        if request.method == "GET" and request.url.path == TASK_PATH:
            body = {"id": TASK_ID, "state": self.task_state}
            return httpx.Response(200, json=body, headers={"X-Request-Id": REQUEST_ID})
        return httpx.Response(404, json={"error_code": "APIGW.0101", "error_msg": "The API does not exist."})

    @property
    def calls(self) -> list[tuple[str, str]]:
        return [(request.method, request.url.path) for request in self.requests]


def accepted_202() -> httpx.Response:
    return httpx.Response(202, headers={"X-Request-Id": REQUEST_ID})


def server_error_500() -> httpx.Response:
    body = {"error_code": "ModelArts.0010", "error_msg": "Internal error."}
    return httpx.Response(500, json=body, headers={"X-Request-Id": REQUEST_ID})


@dataclass
class EventRecorder:
    """A stand-in for kopf's event poster that stores (type, reason, message) of each Event."""

    posted: list[tuple[str, str, str]] = field(default_factory=list)

    def __call__(self, body: dict[str, Any], event_type: str, reason: str, message: str) -> None:
        assert body["metadata"]["name"] == NAME
        self.posted.append((event_type, reason, message))

    @property
    def reasons(self) -> list[tuple[str, str]]:
        return [(event_type, reason) for event_type, reason, _ in self.posted]


@dataclass
class Clock:
    now: datetime = NOW

    def __call__(self) -> datetime:
        return self.now


@dataclass
class Harness:
    kube: FakeKube
    cloud: FakeCloud
    events: EventRecorder
    clock: Clock
    reconciler: Reconciler

    async def reconcile(self) -> float | None:
        return await self.reconciler.reconcile(NAMESPACE, NAME, logging.getLogger("modelarts_operator.test"))


HarnessFactory = Callable[..., Harness]


@pytest.fixture
async def make_harness() -> AsyncIterator[HarnessFactory]:
    clients: list[ModelArtsClient] = []

    def build(
        status: dict[str, Any] | None = None,
        secrets: dict[tuple[str, str], dict[str, str]] = SECRETS,
        start_responses: list[httpx.Response] | None = None,
        task_state: str = "STOPPED",
    ) -> Harness:
        kube = FakeKube(make_object(status), secrets)
        cloud = FakeCloud(kube, list(start_responses or []), task_state)
        http = httpx.AsyncClient(transport=httpx.MockTransport(cloud.handle))
        client = ModelArtsClient(http)
        clients.append(client)
        events = EventRecorder()
        clock = Clock()
        reconciler = Reconciler(
            cast(KubeApi, kube), client, SETTINGS, clock=clock, jitter=lambda: 0.0, post_event=events
        )
        return Harness(kube, cloud, events, clock, reconciler)

    yield build
    for client in clients:
        await client.aclose()


async def test_reconcile_claims_before_sending(make_harness: HarnessFactory) -> None:
    harness = make_harness(start_responses=[accepted_202()])

    await harness.reconcile()

    assert len(harness.cloud.status_at_start) == 1
    seen = harness.cloud.status_at_start[0]
    assert seen["phase"] == "Starting"
    assert seen["attempts"] == 1
    assert seen["lastAttempt"]["outcome"] == "Unknown"
    assert seen["observedRunToken"] == RUN


async def test_reconcile_202_ends_accepted(make_harness: HarnessFactory) -> None:
    harness = make_harness(start_responses=[accepted_202()])

    delay = await harness.reconcile()

    assert delay is None
    assert harness.cloud.calls == [("POST", START_PATH)]
    assert harness.kube.status["phase"] == "Accepted"
    assert harness.kube.status["attempts"] == 1
    assert harness.kube.status["lastAttempt"]["httpStatus"] == 202
    assert harness.kube.status["lastAttempt"]["requestID"] == REQUEST_ID
    assert harness.kube.condition("Ready")["status"] == "True"
    assert harness.kube.condition("Ready")["reason"] == "StartAccepted"


async def test_reconcile_accepted_sends_nothing_more(make_harness: HarnessFactory) -> None:
    harness = make_harness(start_responses=[accepted_202()])
    await harness.reconcile()
    writes = len(harness.kube.status_writes)

    delay = await harness.reconcile()

    assert delay is None
    assert len(harness.cloud.requests) == 1
    assert len(harness.kube.status_writes) == writes


async def test_reconcile_500_schedules_retry(make_harness: HarnessFactory) -> None:
    harness = make_harness(start_responses=[server_error_500()])

    delay = await harness.reconcile()

    # Jitter 0 after one failure with initialBackoffSeconds 5: half of 5 seconds.
    assert delay == 2.5
    assert harness.cloud.calls == [("POST", START_PATH)]
    assert harness.kube.status["phase"] == "Retrying"
    assert harness.kube.status["lastAttempt"]["outcome"] == "Transient"
    assert harness.kube.status["lastAttempt"]["errorCode"] == "ModelArts.0010"
    assert harness.kube.status["nextAttemptTime"] == "2026-12-04T08:00:02.500000Z"


async def test_reconcile_retry_waits_then_sends(make_harness: HarnessFactory) -> None:
    harness = make_harness(start_responses=[server_error_500(), accepted_202()])
    await harness.reconcile()

    harness.clock.now = NOW + timedelta(seconds=1)
    early = await harness.reconcile()
    requests_before_due = len(harness.cloud.requests)
    harness.clock.now = NOW + timedelta(seconds=3)
    due = await harness.reconcile()

    assert early == 1.5
    assert requests_before_due == 1
    assert due is None
    assert harness.cloud.calls == [("POST", START_PATH), ("POST", START_PATH)]
    assert harness.cloud.status_at_start[1]["attempts"] == 2
    assert harness.kube.status["phase"] == "Accepted"
    assert harness.kube.status["attempts"] == 2


async def test_reconcile_claim_conflict_sends_nothing(make_harness: HarnessFactory) -> None:
    harness = make_harness(start_responses=[accepted_202()])
    harness.kube.change_after_next_get = True

    delay = await harness.reconcile()

    assert delay == SETTINGS.conflict_retry_seconds
    assert harness.cloud.requests == []
    assert harness.kube.status_writes == []
    assert harness.events.posted == []


async def test_reconcile_missing_secret_waits(make_harness: HarnessFactory) -> None:
    harness = make_harness(secrets={}, start_responses=[accepted_202()])

    delay = await harness.reconcile()

    assert delay == SETTINGS.credentials_retry_seconds
    assert harness.cloud.requests == []
    assert harness.kube.status["phase"] == "Pending"
    assert harness.kube.status["attempts"] == 0
    assert harness.kube.condition("Ready")["status"] == "False"
    assert harness.kube.condition("Ready")["reason"] == "CredentialsNotFound"
    assert f"Secret {NAMESPACE}/{SECRET_NAME}" in harness.kube.condition("Ready")["message"]
    assert harness.events.reasons == [("Warning", "CredentialsNotFound")]


async def test_reconcile_secret_created_later(make_harness: HarnessFactory) -> None:
    harness = make_harness(secrets={}, start_responses=[accepted_202()])
    await harness.reconcile()

    harness.kube.secrets = copy.deepcopy(SECRETS)
    harness.clock.now = NOW + timedelta(seconds=SETTINGS.credentials_retry_seconds)
    delay = await harness.reconcile()

    assert delay is None
    assert harness.cloud.calls == [("POST", START_PATH)]
    assert harness.kube.status["phase"] == "Accepted"


@pytest.mark.parametrize(
    ("task_state", "calls", "phase", "attempts", "reason"),
    [
        pytest.param("RUNNING", [("GET", TASK_PATH)], "Accepted", 1, "TaskAlreadyStarted", id="running"),
        pytest.param("STARTING", [("GET", TASK_PATH)], "Accepted", 1, "TaskAlreadyStarted", id="starting"),
        pytest.param(
            "STOPPED", [("GET", TASK_PATH), ("POST", START_PATH)], "Accepted", 2, "StartAccepted", id="stopped"
        ),
    ],
)
async def test_reconcile_unanswered_claim_probes(
    make_harness: HarnessFactory, task_state: str, calls: list[tuple[str, str]], phase: str, attempts: int, reason: str
) -> None:
    harness = make_harness(status=UNANSWERED_CLAIM, start_responses=[accepted_202()], task_state=task_state)

    delay = await harness.reconcile()

    assert delay is None
    assert harness.cloud.calls == calls
    assert harness.kube.status["phase"] == phase
    assert harness.kube.status["attempts"] == attempts
    assert harness.kube.condition("Ready")["reason"] == reason
    assert harness.kube.secret_reads == 1


@pytest.mark.parametrize(
    ("start_responses", "reasons"),
    [
        pytest.param([accepted_202()], [("Normal", "StartInProgress"), ("Normal", "StartAccepted")], id="accepted"),
        pytest.param(
            [server_error_500()], [("Normal", "StartInProgress"), ("Warning", "RetryScheduled")], id="retrying"
        ),
    ],
)
async def test_reconcile_event_per_transition(
    make_harness: HarnessFactory, start_responses: list[httpx.Response], reasons: list[tuple[str, str]]
) -> None:
    harness = make_harness(start_responses=start_responses)

    await harness.reconcile()
    await harness.reconcile()

    assert harness.events.reasons == reasons


async def test_reconcile_keeps_secret_out(make_harness: HarnessFactory, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    secrets = {(NAMESPACE, SECRET_NAME): {**SECRETS[(NAMESPACE, SECRET_NAME)], "securityToken": SECURITY_TOKEN}}
    harness = make_harness(secrets=secrets, start_responses=[server_error_500(), accepted_202()])

    await harness.reconcile()
    harness.clock.now = NOW + timedelta(minutes=5)
    await harness.reconcile()

    stored = json.dumps(harness.kube.status_writes)
    posted = json.dumps(harness.events.posted)
    assert len(harness.cloud.requests) == 2
    assert harness.cloud.requests[0].headers["X-Security-Token"] == SECURITY_TOKEN
    assert caplog.records
    for secret in (SECRET_KEY, SECURITY_TOKEN):
        assert secret not in stored
        assert secret not in posted
        assert secret not in caplog.text
    for request in harness.cloud.requests:
        assert SECRET_KEY not in str(request.headers)


async def test_reconcile_object_deleted_mid_call(make_harness: HarnessFactory) -> None:
    harness = make_harness(start_responses=[accepted_202()])
    harness.cloud.delete_during_start = True

    delay = await harness.reconcile()

    assert delay is None
    assert harness.cloud.calls == [("POST", START_PATH)]
