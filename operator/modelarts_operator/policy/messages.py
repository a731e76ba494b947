"""Condition messages: what happened, on which task, and what the reader can do next."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from modelarts_operator.model import LastAttempt
from modelarts_operator.model import ServiceTaskStartStatus as Status

if TYPE_CHECKING:
    from modelarts_operator.policy.reconcile import Context

_NEW_RUN_HINT = "change spec.runToken to request a new start"


def describe(attempt: LastAttempt) -> str:
    """Summarize a response: ``HTTP 404 ModelArts.3502: Service ... does not exist. (request ID ...)``."""
    parts = []
    if attempt.http_status is not None:
        parts.append(f"HTTP {attempt.http_status}")
    if attempt.error_code:
        parts.append(attempt.error_code)
    text = " ".join(parts) or "no response"
    if attempt.error_msg:
        text += f": {attempt.error_msg}"
    if attempt.request_id:
        text += f" (request ID {attempt.request_id})"
    return text


def starting(ctx: Context, attempt: int) -> str:
    return f"Sending start call {attempt} of {ctx.spec.retry_policy.max_attempts} for task {ctx.spec.task_id}."


def accepted(ctx: Context, attempt: LastAttempt) -> str:
    return f"ModelArts accepted the start of task {ctx.spec.task_id}: {describe(attempt)}."


def already_started(ctx: Context, status: Status, task_state: str) -> str:
    return (
        f"Task {ctx.spec.task_id} is {task_state}: start call {status.attempts} took effect, "
        "although its response was not received; no further call was sent."
    )


def rejected(ctx: Context, attempt: LastAttempt) -> str:
    return (
        f"ModelArts rejected the start of task {ctx.spec.task_id}: {describe(attempt)}. "
        f"Fix the cause, then {_NEW_RUN_HINT}."
    )


def authentication_failed(ctx: Context, attempt: LastAttempt) -> str:
    secret = ctx.spec.credentials_ref.name
    return (
        f"ModelArts refused the credentials from Secret {secret}: {describe(attempt)}. Not retried, because "
        f"the API gateway locks an access key for 5 minutes after more than five failed authentications in a row. "
        f"Fix the Secret, then {_NEW_RUN_HINT}."
    )


def probe_rejected(ctx: Context, probe: LastAttempt) -> str:
    return (
        f"Reading the state of task {ctx.spec.task_id}, needed to know whether an earlier start call took effect, "
        f"failed: {describe(probe)}. Fix the cause, then {_NEW_RUN_HINT}."
    )


def exhausted(ctx: Context, status: Status) -> str:
    last = describe(status.last_attempt) if status.last_attempt else "no response"
    return (
        f"Gave up after {status.attempts} of {ctx.spec.retry_policy.max_attempts} start calls; "
        f"the last one failed with {last}. Raise spec.retryPolicy.maxAttempts or {_NEW_RUN_HINT}."
    )


def retry_scheduled(ctx: Context, status: Status, due: datetime) -> str:
    last = describe(status.last_attempt) if status.last_attempt else "no response"
    return (
        f"Start call {status.attempts} of {ctx.spec.retry_policy.max_attempts} failed with {last}; "
        f"the next call is due at {due.isoformat(timespec='seconds')}."
    )
