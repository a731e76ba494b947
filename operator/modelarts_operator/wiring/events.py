"""Kubernetes Events for status transitions, posted through kopf's event queue."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, cast

import kopf

from modelarts_operator.model import Phase
from modelarts_operator.model import ServiceTaskStartStatus as Status
from modelarts_operator.policy.conditions import READY

_WARNING_PHASES = frozenset({Phase.RETRYING, Phase.FAILED})

EventPoster = Callable[[dict[str, Any], str, str, str], None]
"""Posts an Event: (involved object, type, reason, message)."""


def post_with_kopf(body: dict[str, Any], event_type: str, reason: str, message: str) -> None:
    """Queue the Event on kopf's poster, which retries and only warns when posting fails."""
    # kopf builds the object reference from apiVersion, kind and metadata, which a plain dict has.
    kopf.event(cast(kopf.Body, body), type=event_type, reason=reason, message=message)


def post_transition(body: dict[str, Any], before: Status, after: Status, post: EventPoster) -> None:
    """Post one Event when the phase or the Ready reason changed; its message is the Ready message.

    Messages come from conditions, which never carry secrets.
    """
    ready_before = before.condition(READY)
    ready_after = after.condition(READY)
    if ready_after is None:
        return
    if before.phase == after.phase and ready_before is not None and ready_before.reason == ready_after.reason:
        return

    warning = after.phase in _WARNING_PHASES or ready_after.reason.startswith(("Credentials", "InvalidSpec"))
    post(body, "Warning" if warning else "Normal", ready_after.reason, ready_after.message)
