"""Start etcd and kube-apiserver on free loopback ports, and stop them without leftovers.

The API server runs with RBAC authorization, service-account signing keys and a
static admin token (group ``system:masters``) that the written kubeconfig uses.
No controller-manager runs, so namespaces never finish deleting and nothing is
garbage-collected: tests use a fresh namespace each instead of cleaning up.
"""

from __future__ import annotations

import base64
import contextlib
import ctypes
import os
import secrets
import shutil
import signal
import socket
import ssl
import subprocess
import tempfile
import time
from pathlib import Path
from types import TracebackType
from typing import IO

import httpx
import yaml

from modelarts_operator.controlplane.binaries import Binaries, find_binaries

LOOPBACK = "127.0.0.1"
FOLDER_PREFIX = "modelarts-control-plane-"
_PR_SET_PDEATHSIG = 1


class ControlPlaneError(RuntimeError):
    """The control plane failed to start; the message carries the log tail of the failing process."""


def free_port() -> int:
    """Return a TCP port on loopback that was free a moment ago."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind((LOOPBACK, 0))
        port: int = probe.getsockname()[1]
        return port


def _terminate(process: subprocess.Popen[bytes]) -> None:
    """Stop a process with SIGTERM, or SIGKILL when it does not exit within 15 seconds."""
    if process.poll() is not None:
        return
    process.terminate()
    try:
        process.wait(timeout=15)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


def _die_with_parent() -> None:
    # Runs in the child before exec: the kernel kills it when the parent dies, so a killed test
    # run leaves no etcd or kube-apiserver behind. SIGKILL, because on SIGTERM kube-apiserver
    # shuts down gracefully and waits for etcd, which is dying at the same moment.
    libc = ctypes.CDLL("libc.so.6", use_errno=True)
    libc.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL)


def _remove_abandoned_folders() -> None:
    """Remove the folders of control planes whose owning process was killed before it could clean up."""
    for folder in Path(tempfile.gettempdir()).glob(f"{FOLDER_PREFIX}*"):
        try:
            owner = int((folder / "owner.pid").read_text())
        except (OSError, ValueError):
            continue
        if not Path(f"/proc/{owner}").exists():
            shutil.rmtree(folder, ignore_errors=True)


class ControlPlane:
    """A running etcd and kube-apiserver; a context manager.

    Usage::

        with ControlPlane() as plane:
            subprocess.run([plane.binaries.kubectl, "--kubeconfig", plane.kubeconfig, "get", "ns"])
    """

    def __init__(self, binaries: Binaries | None = None, startup_timeout: float = 120.0) -> None:
        self.binaries = binaries or find_binaries()
        self.startup_timeout = startup_timeout
        _remove_abandoned_folders()
        self.folder = Path(tempfile.mkdtemp(prefix=FOLDER_PREFIX))
        (self.folder / "owner.pid").write_text(str(os.getpid()))
        self.kubeconfig = self.folder / "kubeconfig"
        self.token = secrets.token_hex(24)
        self.etcd_port = free_port()
        self.port = free_port()
        self.url = f"https://{LOOPBACK}:{self.port}"
        self._processes: list[tuple[str, subprocess.Popen[bytes], IO[bytes]]] = []

    def __enter__(self) -> ControlPlane:
        try:
            self.start()
        except BaseException:
            self.stop()
            raise
        return self

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, trace: TracebackType | None
    ) -> None:
        self.stop()

    def start(self) -> None:
        """Start etcd, then kube-apiserver, and wait until the API serves the ``default`` namespace."""
        started = time.monotonic()
        self._start_etcd()
        self._write_credentials()
        self._start_apiserver()
        self._wait_ready(started + self.startup_timeout)
        self.write_kubeconfig(self.kubeconfig, self.token)

    def stop(self) -> None:
        """Terminate the processes (API server first), then remove the temporary folder."""
        for _, process, log in reversed(self._processes):
            _terminate(process)
            log.close()
        self._processes.clear()
        shutil.rmtree(self.folder, ignore_errors=True)

    def restart_apiserver(self) -> None:
        """Stop kube-apiserver and start it again on the same port, as an upgrade or a crash would.

        etcd keeps running, so every object survives, and clients see their watches break.
        """
        for index, (name, process, log) in enumerate(self._processes):
            if name == "kube-apiserver":
                _terminate(process)
                log.close()
                del self._processes[index]
                break
        self._start_apiserver()
        self._wait_ready(time.monotonic() + self.startup_timeout)

    def _spawn(self, name: str, argv: list[str]) -> None:
        log = open(self.folder / f"{name}.log", "ab")  # noqa: SIM115 - closed in stop()
        process = subprocess.Popen(
            argv, stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, preexec_fn=_die_with_parent
        )
        self._processes.append((name, process, log))

    def _start_etcd(self) -> None:
        peer = f"http://{LOOPBACK}:{free_port()}"
        client = f"http://{LOOPBACK}:{self.etcd_port}"
        self._spawn(
            "etcd",
            [
                str(self.binaries.etcd),
                "--name=default",
                f"--data-dir={self.folder / 'etcd'}",
                f"--listen-client-urls={client}",
                f"--advertise-client-urls={client}",
                f"--listen-peer-urls={peer}",
                f"--initial-advertise-peer-urls={peer}",
                f"--initial-cluster=default={peer}",
                # A throwaway store: losing it on a crash is fine, and fsync would dominate start-up time.
                "--unsafe-no-fsync=true",
                "--log-level=warn",
            ],
        )

    def _write_credentials(self) -> None:
        key = self.folder / "service-account.key"
        subprocess.run(
            ["openssl", "genrsa", "-out", str(key), "2048"],
            check=True,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        (self.folder / "tokens.csv").write_text(f'{self.token},admin,admin,"system:masters"\n')

    def _start_apiserver(self) -> None:
        key = self.folder / "service-account.key"
        self._spawn(
            "kube-apiserver",
            [
                str(self.binaries.kube_apiserver),
                f"--etcd-servers=http://{LOOPBACK}:{self.etcd_port}",
                f"--bind-address={LOOPBACK}",
                f"--advertise-address={LOOPBACK}",
                f"--secure-port={self.port}",
                f"--cert-dir={self.folder / 'certs'}",
                "--service-cluster-ip-range=10.0.0.0/24",
                "--authorization-mode=RBAC",
                "--service-account-issuer=https://kubernetes.default.svc.cluster.local",
                f"--service-account-key-file={key}",
                f"--service-account-signing-key-file={key}",
                f"--token-auth-file={self.folder / 'tokens.csv'}",
                # No controller-manager creates service-account tokens, so this admission plugin would block pods.
                "--disable-admission-plugins=ServiceAccount",
                "--allow-privileged=true",
            ],
        )

    def _check_alive(self) -> None:
        for name, process, _ in self._processes:
            if process.poll() is not None:
                tail = (self.folder / f"{name}.log").read_text(errors="replace")[-3000:]
                raise ControlPlaneError(f"{name} exited with code {process.returncode} during start-up:\n{tail}")

    @property
    def ca_file(self) -> Path:
        """The bundle kube-apiserver writes at start-up: its self-signed serving certificate and CA."""
        return self.folder / "certs" / "apiserver.crt"

    def _wait_ready(self, deadline: float) -> None:
        while not self.ca_file.exists():
            self._check_alive()
            if time.monotonic() > deadline:
                raise ControlPlaneError(
                    f"kube-apiserver wrote no certificate to {self.ca_file}; logs are in {self.folder}."
                )
            time.sleep(0.1)  # polling interval of a wait-for-condition loop

        headers = {"Authorization": f"Bearer {self.token}"}
        verify = ssl.create_default_context(cafile=str(self.ca_file))
        with httpx.Client(base_url=self.url, verify=verify, headers=headers, timeout=5.0) as client:
            for path in ("/readyz", "/api/v1/namespaces/default"):
                while True:
                    self._check_alive()
                    with contextlib.suppress(httpx.TransportError):
                        if client.get(path).status_code == 200:
                            break
                    if time.monotonic() > deadline:
                        raise ControlPlaneError(
                            f"kube-apiserver at {self.url} did not respond with 200 on {path} within "
                            f"{self.startup_timeout:.0f} s; logs are in {self.folder}."
                        )
                    time.sleep(0.2)  # polling interval of a wait-for-condition loop

    def write_kubeconfig(self, path: Path, token: str, user: str = "admin") -> Path:
        """Write a kubeconfig for this API server that authenticates with ``token``; return ``path``."""
        config = {
            "apiVersion": "v1",
            "kind": "Config",
            "clusters": [
                {
                    "name": "local",
                    "cluster": {
                        "server": self.url,
                        "certificate-authority-data": base64.b64encode(self.ca_file.read_bytes()).decode("ascii"),
                    },
                }
            ],
            "users": [{"name": user, "user": {"token": token}}],
            "contexts": [{"name": "local", "context": {"cluster": "local", "user": user}}],
            "current-context": "local",
        }
        path.write_text(yaml.safe_dump(config))
        os.chmod(path, 0o600)
        return path
