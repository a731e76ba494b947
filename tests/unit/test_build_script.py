"""hack/control-plane/build.sh fails with a message that names what is missing and how to supply binaries."""

from __future__ import annotations

import http.server
import os
import shutil
import socket
import subprocess
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

BUILD_SCRIPT = Path(__file__).resolve().parents[2] / "hack" / "control-plane" / "build.sh"


def run_build(environment: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["bash", str(BUILD_SCRIPT)], env=environment, capture_output=True, text=True, timeout=120, check=False
    )


def closed_loopback_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
    return port


def test_missing_go_named(tmp_path: Path) -> None:
    bin_folder = tmp_path / "bin"
    bin_folder.mkdir()
    for tool in ("bash", "cat", "sha256sum", "cut", "dirname", "mkdir"):
        found = shutil.which(tool)
        assert found is not None
        (bin_folder / tool).symlink_to(found)

    result = run_build({"PATH": str(bin_folder), "HOME": str(tmp_path)})

    assert result.returncode == 1
    assert "Go toolchain is missing" in result.stderr
    assert "KUBEBUILDER_ASSETS" in result.stderr


def isolated_go_environment(tmp_path: Path, proxy: str) -> dict[str, str]:
    """Point Go at ``proxy`` with empty caches, so every module must come from it."""
    return {
        **os.environ,
        "GOPROXY": proxy,
        "GOSUMDB": "off",
        "GOTOOLCHAIN": "local",
        "GOMODCACHE": str(tmp_path / "mod"),
        "GOCACHE": str(tmp_path / "build"),
        "MODELARTS_OPERATOR_CACHE": str(tmp_path / "cache"),
    }


class _NothingServed(http.server.BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        self.send_error(404, "not found")

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def empty_proxy() -> Iterator[str]:
    """A Go module proxy on loopback that serves no version of anything."""
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _NothingServed)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


needs_go = pytest.mark.skipif(shutil.which("go") is None, reason="needs the Go toolchain")


@needs_go
def test_unreachable_proxy_named(tmp_path: Path) -> None:
    # A proxy on a closed loopback port: the download fails at once, and nothing leaves the machine.
    proxy = f"http://127.0.0.1:{closed_loopback_port()}"

    result = run_build(isolated_go_environment(tmp_path, proxy))

    assert result.returncode == 1
    assert f"proxy ({proxy}) is unreachable" in result.stderr
    assert "KUBEBUILDER_ASSETS" in result.stderr


@needs_go
def test_unserved_version_named(tmp_path: Path, empty_proxy: str) -> None:
    result = run_build(isolated_go_environment(tmp_path, empty_proxy))

    assert result.returncode == 1
    assert f"not served by {empty_proxy}" in result.stderr
    assert "KUBEBUILDER_ASSETS" in result.stderr
