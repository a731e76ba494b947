"""Fault injection: rules that make API calls fail, slow down or lose their connection.

Rules are checked in order on every authenticated call. Each matching rule fires and
uses up one of its ``times``. A rule that ends the call (an error status or a reset)
stops the chain, so later rules keep their ``times``. Latencies of the rules that fire
add up, and the real operation runs before the fault if any of them has ``apply_first``.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, TypeAdapter

Operation = Literal["create", "list", "show", "start", "stop", "delete", "show_service"]
OPERATIONS: tuple[str, ...] = ("create", "list", "show", "start", "stop", "delete", "show_service")

DEFAULT_FAULT_CODE = "ModelArts.0010"
DEFAULT_FAULT_MESSAGE = "Internal error injected by the emulator."


class FaultRule(BaseModel):
    """One fault rule. A ``times`` of ``None`` means it fires forever."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    operation: Operation | Literal["*"] = "*"
    task_id: str | None = None
    times: int | None = Field(default=1, ge=1)
    status: int | None = Field(default=None, ge=100, le=599)
    error_code: str | None = None
    error_msg: str | None = None
    latency_seconds: float = Field(default=0.0, ge=0.0)
    reset: bool = False
    apply_first: bool = False

    def matches(self, operation: str, task_id: str | None) -> bool:
        """Tell whether the rule applies to a call of ``operation`` on ``task_id``."""
        if self.operation not in ("*", operation):
            return False
        return self.task_id is None or self.task_id == task_id

    def ends_call(self) -> bool:
        """Tell whether the rule replaces the response, rather than only delaying it."""
        return self.reset or self.status is not None


_RULE_LIST = TypeAdapter(list[FaultRule])


def parse_rules(data: Any) -> list[FaultRule]:
    """Validate a JSON list of rules (or one rule object), or raise pydantic's ValidationError."""
    if isinstance(data, dict):
        data = [data]
    return _RULE_LIST.validate_python(data)


@dataclass(frozen=True)
class FaultPlan:
    """The combined effect of the rules that fired on one call."""

    latency_seconds: float = 0.0
    reset: bool = False
    status: int | None = None
    error_code: str = DEFAULT_FAULT_CODE
    error_msg: str = DEFAULT_FAULT_MESSAGE
    apply_first: bool = False

    @property
    def empty(self) -> bool:
        """Whether no rule fired."""
        return self == FaultPlan()


class FaultBook:
    """The active rules with the ``times`` each has left."""

    def __init__(self) -> None:
        self._rules: list[FaultRule] = []
        self._left: list[int | None] = []

    def replace(self, rules: Iterable[FaultRule]) -> None:
        """Install ``rules`` in place of the current ones."""
        self._rules = list(rules)
        self._left = [rule.times for rule in self._rules]

    def clear(self) -> None:
        """Remove every rule."""
        self.replace([])

    def snapshot(self) -> list[dict[str, Any]]:
        """Return the rules with their remaining ``times`` (``times_left``), as JSON."""
        return [{**rule.model_dump(), "times_left": left} for rule, left in zip(self._rules, self._left, strict=True)]

    def fire(self, operation: str, task_id: str | None) -> FaultPlan:
        """Fire the rules matching this call, use up one of their ``times`` each, and combine them."""
        latency = 0.0
        apply_first = False
        for index, rule in enumerate(self._rules):
            left = self._left[index]
            if left == 0 or not rule.matches(operation, task_id):
                continue
            if left is not None:
                self._left[index] = left - 1

            latency += rule.latency_seconds
            apply_first = apply_first or rule.apply_first
            if rule.ends_call():
                return FaultPlan(
                    latency_seconds=latency,
                    reset=rule.reset,
                    status=rule.status,
                    error_code=rule.error_code or DEFAULT_FAULT_CODE,
                    error_msg=rule.error_msg or DEFAULT_FAULT_MESSAGE,
                    apply_first=apply_first,
                )
        return FaultPlan(latency_seconds=latency, apply_first=apply_first)
