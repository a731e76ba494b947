"""The operator end to end: kubectl apply of examples/ on a real kube-apiserver, the emulator as the cloud."""

from __future__ import annotations

from typing import Any

import pytest
from e2e_support import (
    EXAMPLE,
    KIND,
    TIMEOUT,
    Kubectl,
    OperatorProcess,
    condition,
    load_example,
    new_task,
    status_of,
    wait_for,
    wait_for_phase,
)

from conftest import make_namespace
from modelarts_operator.controlplane import ControlPlane
from modelarts_operator.emulator.process import EmulatorProcess

pytestmark = pytest.mark.usefixtures("operator")


def test_start_accepted_with_request_id(kubectl: Kubectl, emulator: EmulatorProcess, namespace: str) -> None:
    ids = new_task(emulator)
    kubectl.apply(load_example(EXAMPLE, emulator.url, **ids), namespace)

    status = wait_for_phase(kubectl, namespace, "start-inference-task", "Accepted")

    assert status["lastAttempt"]["httpStatus"] == 202
    assert len(status["lastAttempt"]["requestID"]) == 32
    assert status["attempts"] == 1
    assert condition(status, "Ready")["status"] == "True"
    assert condition(status, "Accepted")["reason"] == "StartAccepted"
    assert emulator.admin.count("start", ids["taskID"]) == 1
    assert emulator.admin.task_state(ids["projectID"], ids["serviceID"], ids["taskID"]) in ("STARTING", "RUNNING")


def test_unknown_service_fails_verbatim(kubectl: Kubectl, emulator: EmulatorProcess, namespace: str) -> None:
    manifest = load_example("servicetaskstart-unknown-service.yaml", emulator.url)
    kubectl.apply(manifest, namespace)

    status = wait_for_phase(kubectl, namespace, "start-unknown-service", "Failed")

    service_id = manifest["spec"]["serviceID"]
    assert status["lastAttempt"]["httpStatus"] == 404
    assert status["lastAttempt"]["errorCode"] == "ModelArts.3502"
    assert status["lastAttempt"]["errorMsg"] == f"Service {service_id} does not exist."
    assert status["attempts"] == 1
    assert condition(status, "Ready")["reason"] == "StartRejected"


def test_two_500s_then_accepted(kubectl: Kubectl, emulator: EmulatorProcess, namespace: str) -> None:
    ids = new_task(emulator)
    emulator.admin.set_faults(
        [{"operation": "start", "task_id": ids["taskID"], "times": 2, "status": 500,
          "error_code": "ModelArts.0010", "error_msg": "Internal error."}]
    )  # fmt: skip
    policy = {"maxAttempts": 5, "initialBackoffSeconds": 1, "maxBackoffSeconds": 2}
    kubectl.apply(load_example(EXAMPLE, emulator.url, retryPolicy=policy, **ids), namespace)

    status = wait_for_phase(kubectl, namespace, "start-inference-task", "Accepted")

    assert status["attempts"] == 3
    assert emulator.admin.count("start", ids["taskID"]) == 3
    assert status["lastAttempt"]["httpStatus"] == 202


def test_throttled_until_retries_run_out(kubectl: Kubectl, emulator: EmulatorProcess, namespace: str) -> None:
    ids = new_task(emulator)
    emulator.admin.set_faults(
        [{"operation": "start", "task_id": ids["taskID"], "times": None, "status": 429,
          "error_code": "APIGW.0308", "error_msg": "The throttling threshold has been reached."}]
    )  # fmt: skip
    policy = {"maxAttempts": 2, "initialBackoffSeconds": 1, "maxBackoffSeconds": 1}
    kubectl.apply(load_example(EXAMPLE, emulator.url, retryPolicy=policy, **ids), namespace)

    status = wait_for_phase(kubectl, namespace, "start-inference-task", "Failed")

    assert status["attempts"] == 2
    assert status["lastAttempt"]["errorCode"] == "APIGW.0308"
    assert condition(status, "Ready")["reason"] == "RetriesExhausted"
    assert emulator.admin.count("start", ids["taskID"]) == 2


@pytest.mark.parametrize(
    "task_id",
    ["53E4-not-hex", "53e4b0c1-d2e3-f4a5-b6c7-d8e9f0b55b3e", "a" * 33],
    ids=["uppercase-short", "uuid-form", "one-too-long"],
)
def test_malformed_task_id_rejected(kubectl: Kubectl, emulator: EmulatorProcess, namespace: str, task_id: str) -> None:
    manifest = load_example(EXAMPLE, emulator.url, taskID=task_id)

    result = kubectl.apply(manifest, namespace, check=False)

    assert result.returncode != 0
    assert "spec.taskID" in result.stderr
    assert "^[0-9a-f]{32}$" in result.stderr
    assert kubectl.get(KIND, "start-inference-task", namespace) is None


def test_reapply_and_replace_start_once(kubectl: Kubectl, emulator: EmulatorProcess, namespace: str) -> None:
    ids = new_task(emulator)
    manifest = load_example(EXAMPLE, emulator.url, **ids)
    kubectl.apply(manifest, namespace)
    wait_for_phase(kubectl, namespace, "start-inference-task", "Accepted")

    kubectl.apply(manifest, namespace)
    replaced = kubectl.run("-n", namespace, "replace", "-f", "-", stdin=_yaml(manifest))
    assert "replaced" in replaced.stdout

    # kubectl replace drops kopf's annotations, so kopf handles the object as new; wait until it did.
    annotation = "modelarts.operators.dev/last-handled-configuration"

    def handled_again() -> bool:
        document = kubectl.get(KIND, "start-inference-task", namespace) or {}
        return annotation in (document.get("metadata", {}).get("annotations") or {})

    wait_for(handled_again, TIMEOUT, "the operator to handle the replaced object")
    assert emulator.admin.count("start", ids["taskID"]) == 1
    assert status_of(kubectl, namespace, "start-inference-task")["phase"] == "Accepted"


def test_new_run_token_starts_once_more(kubectl: Kubectl, emulator: EmulatorProcess, namespace: str) -> None:
    ids = new_task(emulator)
    kubectl.apply(load_example(EXAMPLE, emulator.url, **ids), namespace)
    wait_for_phase(kubectl, namespace, "start-inference-task", "Accepted")

    kubectl.run("-n", namespace, "patch", KIND, "start-inference-task", "--type=merge",
                "-p", '{"spec": {"runToken": "second-run"}}')  # fmt: skip

    def second_run_accepted() -> dict[str, Any] | None:
        status = status_of(kubectl, namespace, "start-inference-task")
        done = status.get("observedRunToken") == "second-run" and status.get("phase") == "Accepted"
        return status if done else None

    status = wait_for(second_run_accepted, TIMEOUT, "the second run to be accepted")
    assert status["attempts"] == 1
    assert emulator.admin.count("start", ids["taskID"]) == 2


def test_missing_secret_recovers(kubectl: Kubectl, emulator: EmulatorProcess, namespace: str) -> None:
    ids = new_task(emulator)
    manifest = load_example(EXAMPLE, emulator.url, **ids)
    manifest["spec"]["credentialsRef"] = {"name": "late-credentials"}
    kubectl.apply(manifest, namespace)

    def waiting_for_secret() -> dict[str, Any] | None:
        status = status_of(kubectl, namespace, "start-inference-task")
        ready = next((item for item in status.get("conditions", []) if item["type"] == "Ready"), {})
        return ready if ready.get("reason") == "CredentialsNotFound" else None

    ready = wait_for(waiting_for_secret, TIMEOUT, "a CredentialsNotFound condition")
    assert f"Secret {namespace}/late-credentials" in ready["message"]
    assert emulator.admin.count("start", ids["taskID"]) == 0

    secret = kubectl.get("secret", "modelarts-credentials", namespace) or {}
    kubectl.run("-n", namespace, "create", "secret", "generic", "late-credentials",
                *[f"--from-literal={key}={_decode(value)}" for key, value in secret["data"].items()])  # fmt: skip

    status = wait_for_phase(kubectl, namespace, "start-inference-task", "Accepted")
    assert status["attempts"] == 1
    assert emulator.admin.count("start", ids["taskID"]) == 1


def test_wrong_secret_key_not_retried(kubectl: Kubectl, emulator: EmulatorProcess, namespace: str) -> None:
    ids = new_task(emulator)
    access_key = "--from-literal=accessKey=DEMOACCESSKEY00000001"
    wrong_secret_key = "--from-literal=secretKey=not-the-secret-key"
    kubectl.run("-n", namespace, "create", "secret", "generic", "wrong-credentials", access_key, wrong_secret_key)
    manifest = load_example(EXAMPLE, emulator.url, **ids)
    manifest["spec"]["credentialsRef"] = {"name": "wrong-credentials"}
    kubectl.apply(manifest, namespace)

    status = wait_for_phase(kubectl, namespace, "start-inference-task", "Failed")

    assert status["attempts"] == 1
    assert status["lastAttempt"]["errorCode"] == "APIGW.0301"
    assert condition(status, "Ready")["reason"] == "AuthenticationFailed"
    assert "not-the-secret-key" not in str(status)


def test_killed_after_send_no_second_start(
    control_plane: ControlPlane, kubectl: Kubectl, emulator: EmulatorProcess, crd: str, tmp_path: Any
) -> None:
    namespace = make_namespace(kubectl, "crash")
    ids = new_task(emulator)
    # The start takes effect at once, but its response comes only after 60 s: the operator is killed meanwhile.
    emulator.admin.set_faults(
        [{"operation": "start", "task_id": ids["taskID"], "times": 1, "latency_seconds": 60, "apply_first": True}]
    )
    with OperatorProcess(control_plane, tmp_path / "first.log", "crash-*") as first:
        kubectl.apply(load_example(EXAMPLE, emulator.url, **ids), namespace)
        started = ("STARTING", "RUNNING")
        task_state = lambda: emulator.admin.task_state(ids["projectID"], ids["serviceID"], ids["taskID"])  # noqa: E731
        wait_for(lambda: task_state() in started, TIMEOUT, "the first start call to take effect")
        first.kill()

    claimed = status_of(kubectl, namespace, "start-inference-task")
    assert claimed["phase"] == "Starting"
    assert claimed["lastAttempt"]["outcome"] == "Unknown"

    with OperatorProcess(control_plane, tmp_path / "second.log", "crash-*"):
        status = wait_for_phase(kubectl, namespace, "start-inference-task", "Accepted")

    assert condition(status, "Accepted")["reason"] == "TaskAlreadyStarted"
    assert emulator.admin.count("start", ids["taskID"]) == 1
    assert emulator.admin.count("show", ids["taskID"]) >= 1


def _yaml(document: dict[str, Any]) -> str:
    import yaml

    return yaml.safe_dump(document)


def _decode(value: str) -> str:
    import base64

    return base64.b64decode(value).decode()
