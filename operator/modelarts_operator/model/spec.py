"""The ServiceTaskStart spec, validated again in Python.

The CRD's schema and CEL rules reject bad input at admission; this model repeats
those checks so that an object admitted under an older or hand-edited CRD still
yields a clear ``InvalidSpec`` condition instead of a crash or a bad call.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

API_GROUP = "modelarts.operators.dev"
API_VERSION = "v1alpha1"
KIND = "ServiceTaskStart"
PLURAL = "servicetaskstarts"

HEX32 = r"^[0-9a-f]{32}$"
UUID = r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$"
REGION = r"^[a-z]{2}(-[a-z0-9]+)+$"
ENDPOINT = r"^https?://[A-Za-z0-9.-]+(:[0-9]{1,5})?/?$"

# The expected form of each field, for messages that explain how to fix a value.
_EXPECTED = {
    "projectID": "32 lowercase hexadecimal characters",
    "serviceID": "a lowercase UUID",
    "taskID": "a string matching ^[0-9a-f]{32}$",
    "region": "a region ID such as eu-de or cn-north-4",
    "endpoint": "a base URL such as https://modelarts.eu-de.otc.t-systems.com",
}


class SpecError(ValueError):
    """The spec cannot be used; the message names the field and the expected form."""


class _Model(BaseModel):
    model_config = ConfigDict(populate_by_name=True, frozen=True, extra="ignore")


class CredentialsRef(_Model):
    """A Secret in the resource's namespace and the keys that hold the credentials."""

    name: str = Field(min_length=1, max_length=253)
    access_key_key: str = Field(default="accessKey", alias="accessKeyKey", min_length=1)
    secret_key_key: str = Field(default="secretKey", alias="secretKeyKey", min_length=1)
    security_token_key: str = Field(default="securityToken", alias="securityTokenKey", min_length=1)


class RetryPolicy(_Model):
    """How many start calls one run may make, and how long to wait between them (seconds)."""

    max_attempts: int = Field(default=5, ge=1, le=100, alias="maxAttempts")
    initial_backoff_seconds: int = Field(default=5, ge=1, le=3600, alias="initialBackoffSeconds")
    max_backoff_seconds: int = Field(default=300, ge=1, le=86400, alias="maxBackoffSeconds")

    @model_validator(mode="after")
    def _ordered(self) -> RetryPolicy:
        if self.max_backoff_seconds < self.initial_backoff_seconds:
            raise ValueError("maxBackoffSeconds must be at least initialBackoffSeconds")
        return self


class ServiceTaskStartSpec(_Model):
    """What to start, where, with which credentials, and the run it belongs to."""

    project_id: str = Field(alias="projectID", pattern=HEX32)
    service_id: str = Field(alias="serviceID", pattern=UUID)
    task_id: str = Field(alias="taskID", pattern=HEX32)
    region: str | None = Field(default=None, pattern=REGION, max_length=32)
    endpoint: str | None = Field(default=None, pattern=ENDPOINT, max_length=253)
    credentials_ref: CredentialsRef = Field(alias="credentialsRef")
    run_token: str = Field(default="", alias="runToken", max_length=253)
    retry_policy: RetryPolicy = Field(default_factory=RetryPolicy, alias="retryPolicy")

    @model_validator(mode="after")
    def _has_location(self) -> ServiceTaskStartSpec:
        if not self.region and not self.endpoint:
            raise ValueError("set spec.region (for example eu-de) or spec.endpoint")
        return self


def parse_spec(raw: Mapping[str, Any]) -> ServiceTaskStartSpec:
    """Validate a raw spec; raise ``SpecError`` naming every invalid field and its expected form."""
    try:
        return ServiceTaskStartSpec.model_validate(dict(raw))
    except ValidationError as error:
        problems = [_describe(item) for item in error.errors()]
        raise SpecError("; ".join(problems)) from None


def _describe(item: Any) -> str:
    path = ".".join(str(part) for part in item["loc"])
    field = f"spec.{path}" if path else "spec"
    expected = _EXPECTED.get(str(item["loc"][-1])) if item["loc"] else None
    if item["type"] == "missing":
        return f"{field} is missing: set it"
    if item["type"] == "string_pattern_mismatch" and expected:
        return f"{field} is invalid ({item.get('input')!r}): expected {expected}"
    message = str(item["msg"]).removeprefix("Value error, ")
    return f"{field}: {message}"
