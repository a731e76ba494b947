"""The emulator as a subprocess through its command line, driven by the synchronous admin client."""

from __future__ import annotations

import os
import socket
import time
from pathlib import Path

import httpx
import pytest
from emulator_support import CREDENTIALS, PROJECT, SERVICE, TASK

from modelarts_operator.cloud.signing import AkSkAuth
from modelarts_operator.emulator.admin import EmulatorAdmin
from modelarts_operator.emulator.cli import run_emulator
from modelarts_operator.emulator.process import EmulatorProcess, EmulatorStartError

CREDENTIAL_ARG = f"{CREDENTIALS.access_key}:{CREDENTIALS.secret_key}"


def wait_for_task_state(admin: EmulatorAdmin, expected: str, deadline_seconds: float = 5.0) -> None:
    deadline = time.monotonic() + deadline_seconds
    while (state := admin.task_state(PROJECT, SERVICE, TASK)) != expected:
        assert time.monotonic() < deadline, f"task stayed {state}, expected {expected}"
        time.sleep(0.02)


def assert_process_gone(pid: int) -> None:
    with pytest.raises(ProcessLookupError):
        os.kill(pid, 0)


def test_process_serves_and_stops() -> None:
    with EmulatorProcess("--credentials", CREDENTIAL_ARG, "--start-delay", "0.1") as emulator:
        pid = emulator.pid
        assert emulator.url.startswith("http://127.0.0.1:")
        emulator.admin.health()
        emulator.admin.add_service(PROJECT, SERVICE)
        assert emulator.admin.add_task(PROJECT, SERVICE, TASK) == TASK

        auth = AkSkAuth(CREDENTIALS, PROJECT)
        with httpx.Client(base_url=emulator.url, auth=auth, trust_env=False) as client:
            response = client.post(f"/v1/{PROJECT}/services/{SERVICE}/tasks/{TASK}/start")

        assert response.status_code == 202
        wait_for_task_state(emulator.admin, "RUNNING")
        assert emulator.admin.count("start", TASK) == 1
        assert emulator.admin.calls()[0]["operation"] == "start"

    assert pid is not None
    assert_process_gone(pid)


def test_process_admin_controls() -> None:
    with EmulatorProcess() as emulator:
        admin = emulator.admin
        admin.add_service(PROJECT, SERVICE, status="stopped")
        generated = admin.add_task(PROJECT, SERVICE, state="RUNNING", name="camera")
        admin.set_faults([{"operation": "start", "status": 500}])
        settings = admin.settings(qps_limit=3, start_delay_seconds=0.5)

        assert len(generated) == 32
        assert admin.task_state(PROJECT, SERVICE, generated) == "RUNNING"
        assert admin.faults()[0]["times_left"] == 1
        assert settings["qps_limit"] == 3
        assert settings["start_delay_seconds"] == 0.5

        admin.clear_faults()
        admin.reset()
        assert admin.faults() == []
        with pytest.raises(RuntimeError, match="404"):
            admin.task_state(PROJECT, SERVICE, generated)


def test_process_seed_file(tmp_path: Path) -> None:
    seed = tmp_path / "seed.yaml"
    seed.write_text(
        f"""
credentials: ["{CREDENTIAL_ARG}"]
services: [{{project_id: {PROJECT}, service_id: {SERVICE}, status: running}}]
tasks: [{{project_id: {PROJECT}, service_id: {SERVICE}, task_id: {TASK}, state: ABNORMAL}}]
settings: {{start_delay_seconds: 0.1}}
""",
        encoding="utf-8",
    )

    with EmulatorProcess("--seed", str(seed)) as emulator:
        auth = AkSkAuth(CREDENTIALS, PROJECT)
        with httpx.Client(base_url=emulator.url, auth=auth, trust_env=False) as client:
            response = client.get(f"/v1/{PROJECT}/services/{SERVICE}/tasks/{TASK}")

    assert response.status_code == 200
    assert response.json()["state"] == "ABNORMAL"


def test_process_start_error_shows_output() -> None:
    with pytest.raises(EmulatorStartError) as caught:
        EmulatorProcess("--credentials", "BADAK:").__enter__()

    message = str(caught.value)
    assert "exited with status 2" in message
    assert "invalid credentials for access key BADAK" in message


def test_cli_hides_secret_in_errors(capsys: pytest.CaptureFixture[str]) -> None:
    status = run_emulator(["--credentials", "AK1:SECRET1:", "--credentials", "AK2"])

    assert status == 2
    captured = capsys.readouterr()
    assert "AK1" in captured.err
    assert "SECRET1" not in captured.err + captured.out


def test_cli_port_in_use(capsys: pytest.CaptureFixture[str]) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]

        status = run_emulator(["--port", str(port)])

    assert status == 1
    assert f"cannot listen on 127.0.0.1:{port}" in capsys.readouterr().err


def test_cli_rejects_bad_fault(capsys: pytest.CaptureFixture[str]) -> None:
    status = run_emulator(["--fault", '{"operation": "reboot"}'])

    assert status == 2
    assert "--fault" in capsys.readouterr().err


@pytest.mark.parametrize(
    "url", ["http://192.0.2.10:8480", "http://example.invalid:8480", "https://10.0.0.1", "http://0.0.0.0:8480"]
)
def test_admin_rejects_non_loopback(url: str) -> None:
    with pytest.raises(ValueError, match="not a loopback address"):
        EmulatorAdmin(url)


@pytest.mark.parametrize("url", ["http://127.0.0.1:8480", "http://localhost:8480", "http://[::1]:8480"])
def test_admin_accepts_loopback(url: str) -> None:
    with EmulatorAdmin(url) as admin:
        assert "8480" in repr(admin)
