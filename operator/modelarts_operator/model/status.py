"""The ServiceTaskStart status: an observation of the current run, in API conventions.

``observedRunToken`` names the run this status describes. A status whose
``lastAttempt.outcome`` is ``Unknown`` records a start call that was sent but
whose response was never recorded (the operator stopped in between); the policy
treats it as "maybe started" and reads the task's state before sending again.
"""

from __future__ import annotations

import enum
from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field


class Phase(enum.StrEnum):
    """The stage of the current run, shown in the CRD's printer column."""

    PENDING = "Pending"
    STARTING = "Starting"
    RETRYING = "Retrying"
    ACCEPTED = "Accepted"
    FAILED = "Failed"


class ConditionStatus(enum.StrEnum):
    TRUE = "True"
    FALSE = "False"
    UNKNOWN = "Unknown"


class AttemptOutcome(enum.StrEnum):
    """The recorded outcome of the last start call."""

    UNKNOWN = "Unknown"
    ACCEPTED = "Accepted"
    REJECTED = "Rejected"
    AUTHENTICATION_FAILED = "AuthenticationFailed"
    TRANSIENT = "Transient"
    AMBIGUOUS = "Ambiguous"


class _Model(BaseModel):
    model_config = ConfigDict(populate_by_name=True, frozen=True, extra="ignore")

    def to_dict(self) -> dict[str, Any]:
        """Serialize with the CRD's camelCase names, leaving out unset fields."""
        return self.model_dump(by_alias=True, exclude_none=True, mode="json")


class Condition(_Model):
    """A condition in the Kubernetes convention."""

    type: str
    status: ConditionStatus
    reason: str
    message: str
    observed_generation: int | None = Field(default=None, alias="observedGeneration")
    last_transition_time: datetime | None = Field(default=None, alias="lastTransitionTime")


class LastAttempt(_Model):
    """The most recent start call and what came back."""

    time: datetime
    outcome: AttemptOutcome = AttemptOutcome.UNKNOWN
    http_status: int | None = Field(default=None, alias="httpStatus")
    error_code: str | None = Field(default=None, alias="errorCode")
    error_msg: str | None = Field(default=None, alias="errorMsg")
    request_id: str | None = Field(default=None, alias="requestID")


class ServiceTaskStartStatus(_Model):
    """The whole status subresource."""

    phase: Phase | None = None
    observed_generation: int | None = Field(default=None, alias="observedGeneration")
    observed_run_token: str | None = Field(default=None, alias="observedRunToken")
    attempts: int = 0
    last_attempt: LastAttempt | None = Field(default=None, alias="lastAttempt")
    accepted_time: datetime | None = Field(default=None, alias="acceptedTime")
    next_attempt_time: datetime | None = Field(default=None, alias="nextAttemptTime")
    conditions: tuple[Condition, ...] = ()

    @classmethod
    def from_dict(cls, raw: dict[str, Any] | None) -> ServiceTaskStartStatus:
        """Read a status as stored; fields written by others (kopf's own) are ignored."""
        return cls.model_validate(raw or {})

    def condition(self, condition_type: str) -> Condition | None:
        return next((item for item in self.conditions if item.type == condition_type), None)
