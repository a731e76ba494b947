"""Drive a local control plane: kubectl with its kubeconfig, the operator as a child process, waiting.

Shared by the demo and the e2e tests, so both exercise the operator the way a
cluster runs it: a separate process that logs in with a kubeconfig.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

import yaml

from modelarts_operator.controlplane.server import ControlPlane

T = TypeVar("T")


def wait_for(check: Callable[[], T | None], timeout: float, condition: str, interval: float = 0.2) -> T:
    """Poll ``check`` until it returns a truthy value, or raise ``TimeoutError`` naming ``condition``."""
    deadline = time.monotonic() + timeout
    last: T | None = None
    while time.monotonic() < deadline:
        last = check()
        if last:
            return last
        time.sleep(interval)  # polling interval of a wait-for-condition loop
    raise TimeoutError(f"timed out after {timeout:.0f} s waiting for {condition}; last value: {last!r}")


@dataclass
class Kubectl:
    """Runs kubectl with the control plane's kubeconfig."""

    plane: ControlPlane

    def run(self, *args: str, stdin: str | None = None, check: bool = True) -> subprocess.CompletedProcess[str]:
        argv = [str(self.plane.binaries.kubectl), "--kubeconfig", str(self.plane.kubeconfig), *args]
        result = subprocess.run(argv, input=stdin, capture_output=True, text=True, timeout=60, check=False)
        if check and result.returncode != 0:
            raise RuntimeError(f"kubectl {' '.join(args)} failed with exit code {result.returncode}: {result.stderr}")
        return result

    def apply(
        self, manifest: str | dict[str, Any] | list[dict[str, Any]], namespace: str, check: bool = True
    ) -> subprocess.CompletedProcess[str]:
        """Apply a manifest given as YAML text, one document, or a list of documents."""
        if isinstance(manifest, str):
            text = manifest
        else:
            text = yaml.safe_dump_all(manifest if isinstance(manifest, list) else [manifest])
        return self.run("-n", namespace, "apply", "-f", "-", stdin=text, check=check)

    def get(self, kind: str, name: str, namespace: str) -> dict[str, Any] | None:
        """Return the object as JSON, or ``None`` when it does not exist."""
        result = self.run("-n", namespace, "get", kind, name, "-o", "json", check=False)
        if result.returncode != 0:
            return None
        document: dict[str, Any] = json.loads(result.stdout)
        return document


class OperatorProcess:
    """``modelarts-operator run`` as a child process, as it runs in a cluster; a context manager."""

    def __init__(
        self,
        plane: ControlPlane,
        log_path: Path,
        *namespaces: str,
        credentials_retry: float = 1.0,
        kubeconfig: Path | None = None,
    ) -> None:
        self.plane = plane
        self.log_path = log_path
        self.kubeconfig = kubeconfig or plane.kubeconfig
        self.argv = [
            sys.executable, "-m", "modelarts_operator", "run", "--log-format", "plain",
            "--credentials-retry-seconds", str(credentials_retry),
            *[f"--namespace={pattern}" for pattern in namespaces],
        ]  # fmt: skip
        self.process: subprocess.Popen[bytes] | None = None
        # The kubernetes client writes the kubeconfig's CA to a temporary file and deletes it at exit,
        # which a SIGKILL skips: a private TMPDIR, removed here, leaves nothing behind either way.
        self.temporary_folder = Path(tempfile.mkdtemp(prefix="modelarts-operator-"))

    def __enter__(self) -> OperatorProcess:
        self.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    def start(self) -> None:
        environment = {**os.environ, "KUBECONFIG": str(self.kubeconfig), "TMPDIR": str(self.temporary_folder)}
        with open(self.log_path, "ab") as log:
            self.process = subprocess.Popen(self.argv, stdout=log, stderr=subprocess.STDOUT, env=environment)

    def kill(self) -> None:
        """Kill the process at once (SIGKILL), as a node failure or an OOM kill would."""
        if self.process is not None:
            self.process.kill()
            self.process.wait(timeout=10)

    def stop(self) -> None:
        """Stop the process with SIGTERM, as Kubernetes does, kill it if it lingers, and remove its files."""
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        shutil.rmtree(self.temporary_folder, ignore_errors=True)

    def log_tail(self, lines: int = 40) -> str:
        text = self.log_path.read_text(errors="replace") if self.log_path.exists() else ""
        return "\n".join(text.splitlines()[-lines:])
