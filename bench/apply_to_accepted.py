"""Benchmark: time from ``kubectl apply`` of N ServiceTaskStarts to all of them Accepted.

Runs everything on this machine: a local kube-apiserver with etcd, the ModelArts
emulator and the operator as a child process, as ``make demo`` does. It reports
the latency of each start (apply to ``status.acceptedTime``), the wall time for
the batch, the start calls the emulator counted (which must equal N), and the
operator's peak resident memory.

    .venv/bin/python bench/apply_to_accepted.py --count 200
"""

from __future__ import annotations

import argparse
import json
import secrets
import statistics
import tempfile
import time
import uuid
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from modelarts_operator.controlplane import ControlPlane
from modelarts_operator.controlplane.harness import Kubectl, OperatorProcess, wait_for
from modelarts_operator.emulator.process import EmulatorProcess

ROOT = Path(__file__).resolve().parents[1]
NAMESPACE = "bench"


def manifests(count: int, endpoint: str, emulator: EmulatorProcess) -> list[dict[str, Any]]:
    project, service = secrets.token_hex(16), str(uuid.uuid4())
    emulator.admin.add_service(project, service)
    documents = []
    for index in range(count):
        task = emulator.admin.add_task(project, service, state="STOPPED")
        documents.append({
            "apiVersion": "modelarts.operators.dev/v1alpha1",
            "kind": "ServiceTaskStart",
            "metadata": {"name": f"start-{index:05d}"},
            "spec": {"projectID": project, "serviceID": service, "taskID": task, "endpoint": endpoint,
                     "credentialsRef": {"name": "modelarts-credentials"}},
        })  # fmt: skip
    return documents


def peak_rss_mib(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=100, help="ServiceTaskStarts applied at once")
    args = parser.parse_args()

    seed = str(ROOT / "examples" / "emulator" / "seed.yaml")
    with ControlPlane() as plane, EmulatorProcess("--seed", seed) as emulator, \
            tempfile.TemporaryDirectory() as folder:  # fmt: skip
        kubectl = Kubectl(plane)
        kubectl.run("apply", "-f", str(ROOT / "crds"))
        kubectl.run("wait", "--for=condition=Established", "crd/servicetaskstarts.modelarts.operators.dev")
        kubectl.run("create", "namespace", NAMESPACE)
        kubectl.run("-n", NAMESPACE, "apply", "-f", str(ROOT / "examples" / "credentials-secret.yaml"))
        documents = manifests(args.count, emulator.url, emulator)

        with OperatorProcess(plane, Path(folder) / "operator.log", NAMESPACE) as operator:
            wait_for(lambda: "Initial authentication has finished" in operator.log_tail(), 60, "the operator")
            started = datetime.now(UTC)
            clock = time.monotonic()
            kubectl.apply(documents, NAMESPACE)

            def all_accepted() -> list[dict[str, Any]] | None:
                listing = json.loads(kubectl.run("-n", NAMESPACE, "get", "servicetaskstarts", "-o", "json").stdout)
                items = listing["items"]
                done = [item for item in items if (item.get("status") or {}).get("phase") == "Accepted"]
                return items if len(done) == args.count else None

            items = wait_for(all_accepted, 600, f"{args.count} ServiceTaskStarts to be Accepted", interval=0.5)
            wall = time.monotonic() - clock
            rss = peak_rss_mib(operator.process.pid) if operator.process else float("nan")

        latencies = sorted(
            (datetime.fromisoformat(item["status"]["acceptedTime"]) - started).total_seconds() for item in items
        )
        calls = sum(emulator.admin.count("start", item["spec"]["taskID"]) for item in items)

    quantiles = statistics.quantiles(latencies, n=100)
    print(f"count={args.count} wall={wall:.2f}s p50={quantiles[49]:.2f}s p95={quantiles[94]:.2f}s "
          f"max={latencies[-1]:.2f}s start_calls={calls} operator_peak_rss={rss:.0f}MiB")  # fmt: skip


if __name__ == "__main__":
    main()
