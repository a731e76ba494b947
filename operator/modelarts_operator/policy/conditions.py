"""Condition helpers: set a condition, keeping its transition time while its status holds."""

from __future__ import annotations

from datetime import datetime

from modelarts_operator.model import Condition, ConditionStatus

READY = "Ready"
ACCEPTED = "Accepted"


def set_condition(
    conditions: tuple[Condition, ...],
    condition_type: str,
    status: ConditionStatus,
    reason: str,
    message: str,
    generation: int | None,
    now: datetime,
) -> tuple[Condition, ...]:
    """Return ``conditions`` with one condition replaced or added.

    ``lastTransitionTime`` changes only when the status changes, as the Kubernetes
    API conventions ask; reason and message may change at any time.
    """
    previous = next((item for item in conditions if item.type == condition_type), None)
    moved = previous is None or previous.status != status
    transition = now if moved or previous is None else previous.last_transition_time
    updated = Condition(
        type=condition_type,
        status=status,
        reason=reason,
        message=message,
        observed_generation=generation,
        last_transition_time=transition,
    )
    others = tuple(item for item in conditions if item.type != condition_type)
    return tuple(sorted((*others, updated), key=lambda item: item.type))
