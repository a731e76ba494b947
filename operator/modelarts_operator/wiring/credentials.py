"""Read the AK/SK credentials that ``spec.credentialsRef`` names.

A missing Secret or key is not an error of the run: it is reported as a
condition that names the Secret and the key, and checked again later, because a
Secret applied after the ServiceTaskStart (common with Argo CD) must just work.
"""

from __future__ import annotations

from dataclasses import dataclass

from modelarts_operator.cloud.signing import AkSkCredentials
from modelarts_operator.model import CredentialsRef
from modelarts_operator.wiring.kube import Forbidden, KubeApi, NotFound


@dataclass(frozen=True)
class CredentialsProblem:
    """Why credentials could not be read: a condition reason and a message naming the fix."""

    reason: str
    message: str


async def load_credentials(kube: KubeApi, namespace: str, ref: CredentialsRef) -> AkSkCredentials | CredentialsProblem:
    """Return the credentials, or the problem that keeps them from being read."""
    where = f"Secret {namespace}/{ref.name}"
    try:
        data = await kube.read_secret(namespace, ref.name)
    except NotFound:
        return CredentialsProblem(
            "CredentialsNotFound",
            f"{where} (spec.credentialsRef.name) was not found. Create it with keys {ref.access_key_key} and "
            f"{ref.secret_key_key}: kubectl -n {namespace} create secret generic {ref.name} "
            f"--from-literal={ref.access_key_key}=AK --from-literal={ref.secret_key_key}=SK.",
        )
    except Forbidden:
        return CredentialsProblem(
            "CredentialsForbidden",
            f"The operator may not read {where}: grant its service account get on secrets in {namespace}.",
        )
    except UnicodeDecodeError:
        return CredentialsProblem("CredentialsInvalid", f"{where} has a value that is not UTF-8 text.")

    for key, field in ((ref.access_key_key, "accessKeyKey"), (ref.secret_key_key, "secretKeyKey")):
        if not data.get(key, "").strip():
            return CredentialsProblem(
                "CredentialsKeyMissing",
                f"{where} has no non-empty key {key} (spec.credentialsRef.{field}). Add it to the Secret, "
                f"or point spec.credentialsRef.{field} at the key that holds the value.",
            )

    token = data.get(ref.security_token_key, "").strip() or None
    return AkSkCredentials(
        access_key=data[ref.access_key_key].strip(),
        secret_key=data[ref.secret_key_key].strip(),
        security_token=token,
    )
