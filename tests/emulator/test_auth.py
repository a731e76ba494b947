"""Gateway authentication of the emulator: AK/SK signatures, dates, temporary credentials, tokens, lockout."""

from __future__ import annotations

import asyncio
import time
from datetime import UTC, datetime, timedelta

import httpx
from emulator_support import (
    CREDENTIALS,
    PROJECT,
    SERVICE,
    TASK_PATH,
    TASKS_PATH,
    TEMPORARY,
    TOKEN,
    base_config,
    plain_client,
    signed_client,
)

from modelarts_operator.cloud import signing
from modelarts_operator.cloud.signing import AkSkAuth, AkSkCredentials
from modelarts_operator.emulator.app import running_emulator

WRONG_SECRET = AkSkCredentials(CREDENTIALS.access_key, "not-the-secret-key")


def assert_auth_failure(response: httpx.Response, reason: str) -> None:
    assert response.status_code == 401, response.text
    body = response.json()
    assert body["error_code"] == "APIGW.0301"
    assert body["request_id"] == response.headers["X-Request-Id"]
    assert reason in body["error_msg"]
    for secret in (CREDENTIALS.secret_key, TEMPORARY.secret_key, TEMPORARY.security_token or "", TOKEN):
        assert secret not in response.text


async def send_signed_at(url: str, signed_at: datetime) -> httpx.Response:
    async with plain_client(url) as client:
        request = client.build_request("GET", TASK_PATH)
        AkSkAuth(CREDENTIALS, PROJECT).sign(request, signed_at)
        return await client.send(request)


async def test_signed_request_accepted(client: httpx.AsyncClient) -> None:
    response = await client.get(TASK_PATH)

    assert response.status_code == 200


async def test_signed_query_accepted(client: httpx.AsyncClient) -> None:
    response = await client.get(TASKS_PATH, params={"name_like": "edge task+/é", "limit": "5"})

    assert response.status_code == 200
    assert response.json()["count"] == 0


async def test_wrong_secret_key_401(emulator_url: str) -> None:
    async with signed_client(emulator_url, WRONG_SECRET) as client:
        response = await client.get(TASK_PATH)

    assert_auth_failure(response, "signature does not match")


async def test_unknown_access_key_401(emulator_url: str) -> None:
    async with signed_client(emulator_url, AkSkCredentials("UNKNOWNAK", "whatever")) as client:
        response = await client.get(TASK_PATH)

    assert_auth_failure(response, "access key UNKNOWNAK is unknown")


async def test_missing_authorization_401(emulator_url: str) -> None:
    async with plain_client(emulator_url) as client:
        response = await client.get(TASK_PATH)

    assert_auth_failure(response, "Authorization header is missing")


async def test_malformed_authorization_401(emulator_url: str) -> None:
    async with plain_client(emulator_url) as client:
        response = await client.get(TASK_PATH, headers={"Authorization": "Basic dXNlcjpwYXNz"})

    assert_auth_failure(response, "Authorization header is malformed")


async def test_tampered_body_401(emulator_url: str) -> None:
    async with plain_client(emulator_url) as client:
        signed = client.build_request("POST", TASKS_PATH, json={"name": "a"})
        AkSkAuth(CREDENTIALS, PROJECT).sign(signed, datetime.now(UTC))
        tampered = client.build_request("POST", TASKS_PATH, content=b'{"name":"b"}', headers=signed.headers)
        response = await client.send(tampered)

    assert_auth_failure(response, "signature does not match")


async def test_host_must_be_signed(emulator_url: str) -> None:
    sdk_date = datetime.now(UTC).strftime(signing.DATE_FORMAT)
    headers = {signing.DATE_HEADER: sdk_date}
    names = ["x-sdk-date"]
    canonical = signing.canonical_request("GET", TASK_PATH, [], headers, names, b"")
    signature_hex = signing.signature(CREDENTIALS.secret_key, sdk_date, canonical)
    headers["Authorization"] = signing.authorization_header(CREDENTIALS.access_key, names, signature_hex)

    async with plain_client(emulator_url) as client:
        response = await client.get(TASK_PATH, headers=headers)

    assert_auth_failure(response, "SignedHeaders must include host")


async def test_stale_date_401(emulator_url: str) -> None:
    response = await send_signed_at(emulator_url, datetime.now(UTC) - timedelta(minutes=16))

    assert_auth_failure(response, "signature expired")


async def test_future_date_401(emulator_url: str) -> None:
    response = await send_signed_at(emulator_url, datetime.now(UTC) + timedelta(minutes=16))

    assert_auth_failure(response, "signature expired")


async def test_date_within_skew_accepted(emulator_url: str) -> None:
    response = await send_signed_at(emulator_url, datetime.now(UTC) - timedelta(minutes=14))

    assert response.status_code == 200


async def test_temporary_credentials_with_token(emulator_url: str) -> None:
    async with signed_client(emulator_url, TEMPORARY) as client:
        response = await client.get(TASK_PATH)

    assert response.status_code == 200


async def test_temporary_credentials_without_token(emulator_url: str) -> None:
    without_token = AkSkCredentials(TEMPORARY.access_key, TEMPORARY.secret_key)

    async with signed_client(emulator_url, without_token) as client:
        response = await client.get(TASK_PATH)

    assert_auth_failure(response, "X-Security-Token")


async def test_temporary_credentials_wrong_token(emulator_url: str) -> None:
    wrong_token = AkSkCredentials(TEMPORARY.access_key, TEMPORARY.secret_key, "another-token")

    async with signed_client(emulator_url, wrong_token) as client:
        response = await client.get(TASK_PATH)

    assert_auth_failure(response, "X-Security-Token")


async def test_iam_token_accepted(emulator_url: str) -> None:
    async with plain_client(emulator_url) as client:
        response = await client.get(TASK_PATH, headers={"X-Auth-Token": TOKEN})

    assert response.status_code == 200


async def test_unknown_iam_token_401(emulator_url: str) -> None:
    async with plain_client(emulator_url) as client:
        response = await client.get(TASK_PATH, headers={"X-Auth-Token": "unknown-token"})

    assert_auth_failure(response, "X-Auth-Token is invalid")
    assert "unknown-token" not in response.text


async def test_lockout_after_sixth_failure(emulator_url: str) -> None:
    async with signed_client(emulator_url, WRONG_SECRET) as wrong, signed_client(emulator_url) as right:
        for _ in range(6):
            assert (await wrong.get(TASK_PATH)).status_code == 401
        response = await right.get(TASK_PATH)

    assert_auth_failure(response, f"access key {CREDENTIALS.access_key} is locked")


async def test_lockout_counter_reset_by_success(emulator_url: str) -> None:
    async with signed_client(emulator_url, WRONG_SECRET) as wrong, signed_client(emulator_url) as right:
        for _ in range(5):
            assert (await wrong.get(TASK_PATH)).status_code == 401
        first = await right.get(TASK_PATH)
        for _ in range(5):
            assert (await wrong.get(TASK_PATH)).status_code == 401
        second = await right.get(TASK_PATH)

    assert first.status_code == 200
    assert second.status_code == 200


async def test_lockout_expires() -> None:
    async with running_emulator(base_config(lockout_seconds=0.3)) as url:
        await lock_then_wait_for_unlock(url)


async def lock_then_wait_for_unlock(url: str) -> None:
    async with signed_client(url, WRONG_SECRET) as wrong, signed_client(url) as right:
        for _ in range(6):
            await wrong.get(TASK_PATH)
        assert (await right.get(TASK_PATH)).status_code == 401

        deadline = time.monotonic() + 5
        while (await right.get(TASK_PATH)).status_code != 200:
            assert time.monotonic() < deadline, "access key stayed locked for more than 5 s"
            await asyncio.sleep(0.05)


async def test_reset_clears_lockout(emulator_url: str) -> None:
    async with signed_client(emulator_url, WRONG_SECRET) as wrong, plain_client(emulator_url) as admin:
        for _ in range(6):
            await wrong.get(TASK_PATH)
        await admin.post("/_emulator/reset")
        await admin.post("/_emulator/services", json={"project_id": PROJECT, "service_id": SERVICE})

    async with signed_client(emulator_url) as right:
        response = await right.get(TASK_PATH)

    assert response.status_code == 404
    assert response.json()["error_code"] == "ModelArts.3599"
