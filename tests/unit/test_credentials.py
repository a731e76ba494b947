"""Reading AK/SK credentials from the Secret that spec.credentialsRef names."""

from __future__ import annotations

from typing import cast

import pytest

from modelarts_operator.cloud.signing import AkSkCredentials
from modelarts_operator.model import CredentialsRef
from modelarts_operator.wiring.credentials import CredentialsProblem, load_credentials
from modelarts_operator.wiring.kube import Forbidden, KubeApi, NotFound

NAMESPACE = "edge"


class SecretStore:
    """Plays the Secrets API: a dict of Secret data, or an exception to raise."""

    def __init__(self, data: dict[str, str] | None = None, error: Exception | None = None) -> None:
        self.data = data
        self.error = error

    async def read_secret(self, namespace: str, name: str) -> dict[str, str]:
        if self.error is not None:
            raise self.error
        assert self.data is not None
        return self.data


async def load(store: SecretStore, ref: CredentialsRef | None = None) -> AkSkCredentials | CredentialsProblem:
    return await load_credentials(cast(KubeApi, store), NAMESPACE, ref or CredentialsRef(name="creds"))


async def test_credentials_permanent_keys() -> None:
    result = await load(SecretStore({"accessKey": "AK1", "secretKey": " SK1\n"}))

    assert result == AkSkCredentials("AK1", "SK1", None)


async def test_credentials_with_security_token() -> None:
    result = await load(SecretStore({"accessKey": "AK1", "secretKey": "SK1", "securityToken": "TOKEN1"}))

    assert isinstance(result, AkSkCredentials)
    assert result.security_token == "TOKEN1"


async def test_credentials_custom_key_names() -> None:
    ref = CredentialsRef(name="creds", accessKeyKey="ak", secretKeyKey="sk")

    result = await load(SecretStore({"ak": "AK1", "sk": "SK1"}), ref)

    assert result == AkSkCredentials("AK1", "SK1", None)


@pytest.mark.parametrize(
    ("data", "named_key", "named_field"),
    [
        ({"secretKey": "SK1"}, "accessKey", "accessKeyKey"),
        ({"accessKey": "AK1"}, "secretKey", "secretKeyKey"),
        ({"accessKey": "AK1", "secretKey": "   "}, "secretKey", "secretKeyKey"),
    ],
    ids=["no-access-key", "no-secret-key", "blank-secret-key"],
)
async def test_credentials_missing_key_named(data: dict[str, str], named_key: str, named_field: str) -> None:
    result = await load(SecretStore(data))

    assert isinstance(result, CredentialsProblem)
    assert result.reason == "CredentialsKeyMissing"
    assert f"Secret {NAMESPACE}/creds" in result.message
    assert f"key {named_key} " in result.message
    assert f"spec.credentialsRef.{named_field}" in result.message


async def test_credentials_secret_not_found() -> None:
    result = await load(SecretStore(error=NotFound("secrets not found")))

    assert isinstance(result, CredentialsProblem)
    assert result.reason == "CredentialsNotFound"
    assert f"kubectl -n {NAMESPACE} create secret generic creds" in result.message


async def test_credentials_forbidden_names_rbac() -> None:
    result = await load(SecretStore(error=Forbidden("forbidden")))

    assert isinstance(result, CredentialsProblem)
    assert result.reason == "CredentialsForbidden"
    assert "get on secrets" in result.message


async def test_credentials_problem_hides_values() -> None:
    result = await load(SecretStore({"accessKey": "AK1", "secretKey": "", "securityToken": "TOKEN-SECRET"}))

    assert isinstance(result, CredentialsProblem)
    assert "TOKEN-SECRET" not in result.message
