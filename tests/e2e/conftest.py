"""Fixtures of the e2e tier: one real control plane, emulator and operator per session, a namespace per test."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from e2e_support import CRDS, EXAMPLES, Kubectl, OperatorProcess, in_ci, wait_for

from modelarts_operator.controlplane import BinariesNotFound, ControlPlane, find_binaries
from modelarts_operator.emulator.process import EmulatorProcess

CRD_NAME = "servicetaskstarts.modelarts.operators.dev"


@pytest.fixture(scope="session")
def control_plane() -> Iterator[ControlPlane]:
    try:
        binaries = find_binaries()
    except BinariesNotFound as error:
        if in_ci():
            pytest.fail(f"CI needs the control plane, and it is missing: {error}")
        pytest.skip(f"no control plane: {error}")
    with ControlPlane(binaries) as plane:
        yield plane


@pytest.fixture(scope="session")
def kubectl(control_plane: ControlPlane) -> Kubectl:
    return Kubectl(control_plane)


@pytest.fixture(scope="session")
def crd(kubectl: Kubectl) -> str:
    kubectl.run("apply", "-f", str(CRDS))
    kubectl.run("wait", "--for=condition=Established", f"crd/{CRD_NAME}", "--timeout=60s")
    wait_for(lambda: kubectl.run("get", "servicetaskstarts", "-A", check=False).returncode == 0, 30, "discovery")
    return CRD_NAME


@pytest.fixture(scope="session")
def emulator() -> Iterator[EmulatorProcess]:
    # The seed that the demo and the README use: it accepts the credentials of examples/credentials-secret.yaml.
    with EmulatorProcess("--seed", str(EXAMPLES / "emulator" / "seed.yaml"), "--start-delay", "1") as process:
        yield process


@pytest.fixture(scope="session")
def operator_logs(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("operator")


@pytest.fixture(scope="session")
def operator(control_plane: ControlPlane, crd: str, operator_logs: Path) -> Iterator[OperatorProcess]:
    """The shared operator watches namespaces named e2e-*; tests that kill an operator use their own."""
    with OperatorProcess(control_plane, operator_logs / "operator.log", "e2e-*") as process:
        yield process


def make_namespace(kubectl: Kubectl, prefix: str) -> str:
    name = f"{prefix}-{uuid.uuid4().hex[:8]}"
    kubectl.run("create", "namespace", name)
    kubectl.run("-n", name, "apply", "-f", str(EXAMPLES / "credentials-secret.yaml"))
    return name


@pytest.fixture
def namespace(kubectl: Kubectl, crd: str) -> str:
    """A fresh namespace with the demo credentials Secret; no controller-manager deletes it afterwards."""
    return make_namespace(kubectl, "e2e")
