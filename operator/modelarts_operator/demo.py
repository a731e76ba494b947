"""``modelarts-operator demo``: the whole path on this machine, with nothing from a cloud.

It starts a local kube-apiserver with etcd and the ModelArts emulator, installs
the CRD, runs the operator as a child process, applies ``examples/`` pointed at
the emulator, prints the resulting ``kubectl get`` table, and cleans up.
"""

from __future__ import annotations

import signal
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

import yaml

from modelarts_operator.controlplane import BinariesNotFound, ControlPlane, ControlPlaneError
from modelarts_operator.controlplane.harness import Kubectl, OperatorProcess, wait_for
from modelarts_operator.emulator.process import EmulatorProcess

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = ROOT / "examples"
CRD_FILE = ROOT / "crds" / "servicetaskstarts.modelarts.operators.dev.yaml"
EMULATOR_SEED = EXAMPLES / "emulator" / "seed.yaml"
NAMESPACE = "modelarts-demo"
FINAL_PHASES = ("Accepted", "Failed")
TIMEOUT_SECONDS = 120.0


def run_demo(keep: bool = False) -> int:
    """Run the demo; return the process exit code."""
    if not EMULATOR_SEED.exists() or not CRD_FILE.exists():
        print(f"demo: run it from a source checkout: {EMULATOR_SEED} or {CRD_FILE} is missing.", file=sys.stderr)
        return 1
    try:
        return _run(keep)
    except (BinariesNotFound, ControlPlaneError, TimeoutError, RuntimeError) as error:
        print(f"demo failed: {error}", file=sys.stderr)
        return 1


def _step(message: str) -> None:
    print(f"==> {message}", flush=True)


def _run(keep: bool) -> int:
    manifests = [yaml.safe_load(path.read_text()) for path in sorted(EXAMPLES.glob("*.yaml"))]
    starts = [item for item in manifests if item["kind"] == "ServiceTaskStart"]

    _step("starting etcd and kube-apiserver on loopback (a first run without KUBEBUILDER_ASSETS builds them)")
    with ControlPlane() as plane, EmulatorProcess("--seed", str(EMULATOR_SEED)) as emulator:
        kubectl = Kubectl(plane)
        _step(f"kube-apiserver is ready at {plane.url}; the ModelArts emulator listens on {emulator.url}")

        _step("installing the ServiceTaskStart CRD")
        kubectl.run("apply", "-f", str(CRD_FILE))
        kubectl.run("wait", "--for=condition=Established", "crd/servicetaskstarts.modelarts.operators.dev")

        with tempfile.TemporaryDirectory(prefix="modelarts-demo-") as folder:
            log = Path(folder) / "operator.log"
            with OperatorProcess(plane, log, NAMESPACE, credentials_retry=5.0) as operator:
                _step(f"the operator runs as a child process (pid {operator.process.pid if operator.process else '?'})")
                _apply_examples(kubectl, manifests, emulator.url)
                _wait_until_settled(kubectl, starts)

                _step("kubectl get servicetaskstarts")
                print(kubectl.run("-n", NAMESPACE, "get", "servicetaskstarts", "-o", "wide").stdout, flush=True)
                _step("conditions")
                print(_conditions_table(kubectl, starts), flush=True)
                _step("operator log (last lines)")
                print(operator.log_tail(12), flush=True)
                if keep:
                    _wait_for_interrupt(plane)
    _step("stopped the operator, the emulator and the control plane, and removed their files")
    return 0


def _apply_examples(kubectl: Kubectl, manifests: list[dict[str, Any]], endpoint: str) -> None:
    _step(f"kubectl apply -f examples/ in namespace {NAMESPACE} (endpoint set to the emulator)")
    kubectl.run("create", "namespace", NAMESPACE)
    for item in manifests:
        if item["kind"] == "ServiceTaskStart":
            item["spec"]["endpoint"] = endpoint
    print(kubectl.apply(manifests, NAMESPACE).stdout, end="", flush=True)


def _wait_until_settled(kubectl: Kubectl, starts: list[dict[str, Any]]) -> None:
    for item in starts:
        name = item["metadata"]["name"]

        def settled(name: str = name) -> str | None:
            document = kubectl.get("servicetaskstart", name, NAMESPACE) or {}
            phase = (document.get("status") or {}).get("phase")
            return phase if phase in FINAL_PHASES else None

        wait_for(settled, TIMEOUT_SECONDS, f"ServiceTaskStart {name} to be Accepted or Failed")


def _conditions_table(kubectl: Kubectl, starts: list[dict[str, Any]]) -> str:
    lines = []
    for item in starts:
        name = item["metadata"]["name"]
        status = (kubectl.get("servicetaskstart", name, NAMESPACE) or {}).get("status") or {}
        for condition in status.get("conditions", []):
            if condition["type"] == "Ready":
                lines.append(f"{name}: Ready={condition['status']} {condition['reason']}: {condition['message']}")
    return "\n".join(lines)


def _wait_for_interrupt(plane: ControlPlane) -> None:
    stopping = threading.Event()
    for signum in (signal.SIGINT, signal.SIGTERM):
        signal.signal(signum, lambda *_: stopping.set())
    _step(f"running until Ctrl-C; try: kubectl --kubeconfig {plane.kubeconfig} -n {NAMESPACE} get modelarts")
    while not stopping.wait(timeout=1.0):
        time.sleep(0)  # wake up regularly so Ctrl-C is handled promptly
