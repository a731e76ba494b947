"""Seed files, credentials parsing and the secrecy of configuration reprs and errors."""

from __future__ import annotations

import json
from pathlib import Path

import httpx
import pytest
from emulator_support import CREDENTIALS, PROJECT, SERVICE, TASK, TEMPORARY, TOKEN, base_config

from modelarts_operator.emulator.app import create_app, running_emulator
from modelarts_operator.emulator.config import EmulatorConfig, TaskSeed, load_seed, parse_credential


def test_parse_credential_forms() -> None:
    permanent = parse_credential("AK:SK")
    temporary = parse_credential("AK:SK:TOKEN:WITH:COLONS")

    assert (permanent.access_key, permanent.secret_key, permanent.security_token) == ("AK", "SK", None)
    assert temporary.security_token == "TOKEN:WITH:COLONS"


@pytest.mark.parametrize("value", ["AK", "AK:", ":SK", "AK:SK:"])
def test_parse_credential_invalid(value: str) -> None:
    with pytest.raises(ValueError, match="expected AK:SK or AK:SK:TOKEN"):
        parse_credential(value)


def test_config_repr_hides_secrets() -> None:
    text = repr(base_config())

    assert CREDENTIALS.access_key in text
    for secret in (CREDENTIALS.secret_key, TEMPORARY.secret_key, TEMPORARY.security_token or "", TOKEN):
        assert secret not in text


def test_load_seed_json(tmp_path: Path) -> None:
    seed = tmp_path / "seed.json"
    seed.write_text(
        json.dumps(
            {
                "credentials": [{"access_key": "AK", "secret_key": "SK", "security_token": "TOK"}, "AK2:SK2"],
                "tokens": ["T1"],
                "services": [{"project_id": PROJECT, "service_id": SERVICE}],
                "tasks": [{"project_id": PROJECT, "service_id": SERVICE, "task_id": TASK}],
                "faults": [{"operation": "start", "status": 500}],
                "settings": {"qps_limit": 4, "lockout_seconds": 10},
            }
        ),
        encoding="utf-8",
    )

    config = load_seed(seed)

    assert [credential.access_key for credential in config.credentials] == ["AK", "AK2"]
    assert config.credentials[0].security_token == "TOK"
    assert config.tokens == ("T1",)
    assert config.tasks[0].task_id == TASK
    assert config.faults[0].operation == "start"
    assert (config.qps_limit, config.lockout_seconds, config.start_delay_seconds) == (4, 10, 2.0)


def test_load_seed_error_hides_secret(tmp_path: Path) -> None:
    seed = tmp_path / "seed.yaml"
    seed.write_text("credentials:\n  - {access_key: AK, secret_key: SUPERSECRET, extra: 1}\n", encoding="utf-8")

    with pytest.raises(ValueError, match="invalid seed file") as caught:
        load_seed(seed)

    assert "SUPERSECRET" not in str(caught.value)


def test_seed_bad_task_id_rejected() -> None:
    config = EmulatorConfig(
        services=base_config().services,
        tasks=(TaskSeed(project_id=PROJECT, service_id=SERVICE, task_id="XYZ"),),
    )

    with pytest.raises(ValueError, match=r"parameter \[task_id\]"):
        create_app(config)


async def test_admin_add_task_names_field() -> None:
    async with running_emulator(base_config()) as url, httpx.AsyncClient(base_url=url, trust_env=False) as admin:
        bad_service = await admin.post("/_emulator/services", json={"project_id": PROJECT, "service_id": "x"})
        bad_task = await admin.post(
            "/_emulator/tasks", json={"project_id": PROJECT, "service_id": SERVICE, "task_id": "x"}
        )
        bad_state = await admin.post(
            "/_emulator/tasks", json={"project_id": PROJECT, "service_id": SERVICE, "state": "ASLEEP"}
        )

    assert bad_service.status_code == 400
    assert "parameter [service_id]" in bad_service.json()["error_msg"]
    assert bad_task.status_code == 400
    assert "parameter [task_id]" in bad_task.json()["error_msg"]
    assert bad_state.status_code == 400
    assert "parameter [state]" in bad_state.json()["error_msg"]
