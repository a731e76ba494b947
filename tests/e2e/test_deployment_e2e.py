"""The operator as deployed: with only the chart's RBAC, and across a kube-apiserver restart."""

from __future__ import annotations

import subprocess
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from e2e_support import (
    CRDS,
    EXAMPLE,
    ROOT,
    TIMEOUT,
    Kubectl,
    OperatorProcess,
    load_example,
    new_task,
    wait_for,
    wait_for_phase,
)

from conftest import make_namespace
from modelarts_operator.controlplane import ControlPlane
from modelarts_operator.emulator.process import EmulatorProcess


def chart_service_account(control_plane: ControlPlane, kubectl: Kubectl, release_namespace: str) -> str:
    """Install the chart's ServiceAccount and RBAC (its Deployment has no controller to run it); return the SA."""
    helm = control_plane.binaries.helm
    if helm is None:
        pytest.fail("helm is missing: the control-plane build puts it beside kubectl")
    release = f"rbac-{uuid.uuid4().hex[:6]}"
    chart = ROOT / "deploy" / "helm" / "modelarts-operator"
    rendered = subprocess.run(
        [str(helm), "template", release, str(chart), "--namespace", release_namespace],
        capture_output=True, text=True, check=True, timeout=60,
    ).stdout  # fmt: skip
    kubectl.run("apply", "-f", "-", stdin=rendered)
    return release


@pytest.fixture
def chart_operator(
    control_plane: ControlPlane, kubectl: Kubectl, crd: str, tmp_path: Path
) -> Iterator[OperatorProcess]:
    """The operator logged in as the chart's service account, watching namespaces named rbac-*."""
    release_namespace = make_namespace(kubectl, "operator")
    account = chart_service_account(control_plane, kubectl, release_namespace)
    token = kubectl.run("-n", release_namespace, "create", "token", account, "--duration=1h").stdout.strip()
    kubeconfig = control_plane.write_kubeconfig(tmp_path / "kubeconfig", token, user=account)
    with OperatorProcess(control_plane, tmp_path / "operator.log", "rbac-*", kubeconfig=kubeconfig) as process:
        yield process


def test_chart_rbac_runs_operator(chart_operator: OperatorProcess, kubectl: Kubectl, emulator: EmulatorProcess) -> None:
    namespace = make_namespace(kubectl, "rbac")
    ids = new_task(emulator)
    kubectl.apply(load_example(EXAMPLE, emulator.url, **ids), namespace)

    status = wait_for_phase(kubectl, namespace, "start-inference-task", "Accepted")

    def accepted_event() -> str | None:
        events = kubectl.run("-n", namespace, "get", "events", "-o", "jsonpath={.items[*].reason}").stdout
        return events if "StartAccepted" in events else None

    assert status["attempts"] == 1
    assert wait_for(accepted_event, TIMEOUT, "the StartAccepted event")
    assert "Forbidden" not in chart_operator.log_tail(200)
    assert emulator.admin.count("start", ids["taskID"]) == 1


@pytest.fixture
def own_control_plane(control_plane: ControlPlane) -> Iterator[ControlPlane]:
    """A control plane of this test's own, because the test restarts its kube-apiserver."""
    with ControlPlane(control_plane.binaries) as plane:
        yield plane


def test_operator_survives_apiserver_restart(
    own_control_plane: ControlPlane, emulator: EmulatorProcess, tmp_path: Path
) -> None:
    kubectl = Kubectl(own_control_plane)
    kubectl.run("apply", "-f", str(CRDS))
    kubectl.run("wait", "--for=condition=Established", "crd/servicetaskstarts.modelarts.operators.dev")
    namespace = make_namespace(kubectl, "restart")
    first, second = new_task(emulator), new_task(emulator)

    with OperatorProcess(own_control_plane, tmp_path / "operator.log", "restart-*") as operator:
        kubectl.apply(load_example(EXAMPLE, emulator.url, **first), namespace)
        wait_for_phase(kubectl, namespace, "start-inference-task", "Accepted")

        own_control_plane.restart_apiserver()
        later: dict[str, Any] = load_example(EXAMPLE, emulator.url, **second)
        later["metadata"]["name"] = "after-restart"
        kubectl.apply(later, namespace)
        status = wait_for_phase(kubectl, namespace, "after-restart", "Accepted")

        assert operator.process is not None
        assert operator.process.poll() is None

    assert status["attempts"] == 1
    assert emulator.admin.count("start", first["taskID"]) == 1
    assert emulator.admin.count("start", second["taskID"]) == 1
