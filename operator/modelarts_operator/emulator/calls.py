"""The log of API calls, which tests and the demo read to count what the operator sent."""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from typing import Any


@dataclass(frozen=True)
class Call:
    """One request that reached an API route, accepted or rejected.

    ``status`` is None when a fault dropped the connection. ``fault`` names the kind
    of injected fault ("status", "reset" or "latency"), if any.
    """

    operation: str
    method: str
    path: str
    project_id: str
    service_id: str
    task_id: str | None
    status: int | None
    error_code: str | None
    request_id: str
    fault: str | None
    time: str


class CallLog:
    """Every API call in arrival order, with counts per operation and task ID."""

    def __init__(self) -> None:
        self._calls: list[Call] = []
        self._counts: defaultdict[str, Counter[str]] = defaultdict(Counter)

    def clear(self) -> None:
        """Forget every call."""
        self._calls.clear()
        self._counts.clear()

    def arrive(self, operation: str, task_id: str | None) -> None:
        """Count a call as soon as it arrives, so a call still delayed by a fault is already counted."""
        # Calls without a task ID (list, show_service, a create until its ID exists) count under "".
        self._counts[operation][task_id or ""] += 1

    def record(self, arrived_task_id: str | None = None, **fields: Any) -> Call:
        """Append a finished call, stamped with the current UTC time, to the log.

        A create learns its task ID only when it finishes, so its count moves from
        ``arrived_task_id`` to the new ID here.
        """
        call = Call(time=datetime.now(UTC).isoformat(), **fields)
        self._calls.append(call)
        if (call.task_id or "") != (arrived_task_id or ""):
            self._counts[call.operation][arrived_task_id or ""] -= 1
            self._counts[call.operation][call.task_id or ""] += 1
        return call

    def to_json(self) -> dict[str, Any]:
        """Render the log and the counts as ``GET /_emulator/calls`` returns them."""
        return {
            "calls": [asdict(call) for call in self._calls],
            "counts": {operation: dict(counter) for operation, counter in self._counts.items()},
        }
