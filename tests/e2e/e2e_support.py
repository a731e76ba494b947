"""Helpers for the e2e tier: kubectl against the local control plane, and waiting for conditions."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

import yaml

from modelarts_operator.controlplane import ControlPlane

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = ROOT / "examples"
CRDS = ROOT / "crds"
T = TypeVar("T")


def in_ci() -> bool:
    """Tell whether this is a CI run, where a missing control plane fails instead of skipping."""
    return os.environ.get("CI", "").lower() in ("1", "true", "yes")


def wait_for(check: Callable[[], T | None], timeout: float, what: str, interval: float = 0.2) -> T:
    """Poll ``check`` until it returns a truthy value; fail naming ``what`` and the last value."""
    deadline = time.monotonic() + timeout
    last: T | None = None
    while time.monotonic() < deadline:
        last = check()
        if last:
            return last
        time.sleep(interval)  # polling interval of a wait-for-condition loop
    raise AssertionError(f"timed out after {timeout:.0f} s waiting for {what}; last value: {last!r}")


@dataclass
class Kubectl:
    """Runs kubectl with the control plane's kubeconfig."""

    plane: ControlPlane

    def run(self, *args: str, stdin: str | None = None, check: bool = True) -> subprocess.CompletedProcess[str]:
        argv = [str(self.plane.binaries.kubectl), "--kubeconfig", str(self.plane.kubeconfig), *args]
        result = subprocess.run(argv, input=stdin, capture_output=True, text=True, timeout=60, check=False)
        if check and result.returncode != 0:
            raise AssertionError(f"kubectl {' '.join(args)} failed ({result.returncode}): {result.stderr}")
        return result

    def apply(
        self, manifest: str | dict[str, Any] | list[dict[str, Any]], namespace: str, check: bool = True
    ) -> subprocess.CompletedProcess[str]:
        text = (
            manifest
            if isinstance(manifest, str)
            else yaml.safe_dump_all(manifest if isinstance(manifest, list) else [manifest])
        )
        return self.run("-n", namespace, "apply", "-f", "-", stdin=text, check=check)

    def get(self, kind: str, name: str, namespace: str) -> dict[str, Any] | None:
        result = self.run("-n", namespace, "get", kind, name, "-o", "json", check=False)
        if result.returncode != 0:
            return None
        document: dict[str, Any] = json.loads(result.stdout)
        return document


def load_example(name: str, endpoint: str, **spec_changes: Any) -> dict[str, Any]:
    """Load a manifest from examples/, pointed at the emulator the test started."""
    document: dict[str, Any] = yaml.safe_load((EXAMPLES / name).read_text())
    if document.get("kind") == "ServiceTaskStart":
        document["spec"]["endpoint"] = endpoint
        document["spec"].update(spec_changes)
    return document


class OperatorProcess:
    """``modelarts-operator run`` as a child process, as it runs in a cluster; a context manager."""

    def __init__(self, plane: ControlPlane, log_path: Path, *namespaces: str, credentials_retry: float = 1.0) -> None:
        self.plane = plane
        self.log_path = log_path
        self.argv = [
            sys.executable, "-m", "modelarts_operator", "run", "--log-format", "plain",
            "--credentials-retry-seconds", str(credentials_retry),
            *[f"--namespace={pattern}" for pattern in namespaces],
        ]  # fmt: skip
        self.process: subprocess.Popen[bytes] | None = None

    def __enter__(self) -> OperatorProcess:
        self.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    def start(self) -> None:
        environment = {**os.environ, "KUBECONFIG": str(self.plane.kubeconfig)}
        with open(self.log_path, "ab") as log:
            self.process = subprocess.Popen(self.argv, stdout=log, stderr=subprocess.STDOUT, env=environment)

    def kill(self) -> None:
        """Kill the process at once (SIGKILL), as a node failure or OOM kill would."""
        assert self.process is not None
        self.process.kill()
        self.process.wait(timeout=10)

    def stop(self) -> None:
        if self.process is None or self.process.poll() is not None:
            return
        self.process.send_signal(signal.SIGTERM)
        try:
            self.process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()

    def log_tail(self, lines: int = 40) -> str:
        text = self.log_path.read_text(errors="replace") if self.log_path.exists() else ""
        return "\n".join(text.splitlines()[-lines:])
