"""The ServiceTaskStart resource as typed values: its spec, its status and their conditions."""

from modelarts_operator.model.spec import (
    API_GROUP,
    API_VERSION,
    KIND,
    PLURAL,
    CredentialsRef,
    RetryPolicy,
    ServiceTaskStartSpec,
    SpecError,
    parse_spec,
)
from modelarts_operator.model.status import (
    Condition,
    ConditionStatus,
    LastAttempt,
    Phase,
    ServiceTaskStartStatus,
)

__all__ = [
    "API_GROUP",
    "API_VERSION",
    "KIND",
    "PLURAL",
    "Condition",
    "ConditionStatus",
    "CredentialsRef",
    "LastAttempt",
    "Phase",
    "RetryPolicy",
    "ServiceTaskStartSpec",
    "ServiceTaskStartStatus",
    "SpecError",
    "parse_spec",
]
