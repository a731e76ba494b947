"""The reconcile policy: what to do next for one ServiceTaskStart, and the status to record.

The rule that shapes everything here: one start call per requested run, where a
run is one value of ``spec.runToken``. The status is the only memory that counts,
so a claim (phase Starting, attempts + 1, an attempt with outcome Unknown) is
written before each call and the response after it. A claim found without a response,
or a response that may hide a start that took effect (a timeout), leads to reading
the task's state before any further start call.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import datetime, timedelta

from modelarts_operator.model import ConditionStatus, LastAttempt, Phase, ServiceTaskStartSpec
from modelarts_operator.model import ServiceTaskStartStatus as Status
from modelarts_operator.model.status import AttemptOutcome
from modelarts_operator.policy import messages
from modelarts_operator.policy.backoff import backoff_seconds
from modelarts_operator.policy.conditions import ACCEPTED, READY, set_condition

# Task states that show a start took effect (the API reference: STARTING, then RUNNING).
STARTED_STATES = frozenset({"STARTING", "RUNNING"})

_MAYBE_STARTED = frozenset({AttemptOutcome.UNKNOWN, AttemptOutcome.AMBIGUOUS})


class Action(enum.Enum):
    """The step the caller takes after writing ``Decision.status``.

    For SEND_START the caller first writes ``claim(ctx, status)``, once credentials are loaded.
    """

    NONE = "none"
    SEND_START = "send-start"
    PROBE_TASK = "probe-task"
    WAIT = "wait"


@dataclass(frozen=True)
class Decision:
    """The status to write, then the action to take (and for WAIT, how many seconds)."""

    action: Action
    status: Status
    delay: float | None = None


@dataclass(frozen=True)
class Context:
    """The inputs every decision shares."""

    spec: ServiceTaskStartSpec
    generation: int | None
    now: datetime


def decide(ctx: Context, status: Status) -> Decision:
    """Choose the next step for the current status."""
    if status.phase is None or status.observed_run_token != ctx.spec.run_token:
        return _send(ctx, _new_run(ctx, status))

    observed = status.model_copy(update={"observed_generation": ctx.generation})
    if observed.phase in (Phase.ACCEPTED, Phase.FAILED):
        return Decision(Action.NONE, observed)
    if observed.phase == Phase.STARTING:
        return Decision(Action.PROBE_TASK, observed)

    # Pending (no attempt yet, or waiting for credentials) and Retrying.
    if observed.next_attempt_time is not None and ctx.now < observed.next_attempt_time:
        return Decision(Action.WAIT, observed, (observed.next_attempt_time - ctx.now).total_seconds())
    last = observed.last_attempt
    if last is not None and last.outcome in _MAYBE_STARTED:
        return Decision(Action.PROBE_TASK, observed)
    if observed.attempts >= ctx.spec.retry_policy.max_attempts:
        return Decision(Action.NONE, _fail(ctx, observed, "RetriesExhausted", messages.exhausted(ctx, observed)))
    return _send(ctx, observed)


def record_start(ctx: Context, status: Status, attempt: LastAttempt, jitter: float) -> Decision:
    """Record the response to the start call that ``status`` claimed."""
    recorded = status.model_copy(update={"last_attempt": attempt, "next_attempt_time": None})

    if attempt.outcome == AttemptOutcome.ACCEPTED:
        return Decision(Action.NONE, _accept(ctx, recorded, "StartAccepted", messages.accepted(ctx, attempt)))
    if attempt.outcome == AttemptOutcome.REJECTED:
        return Decision(Action.NONE, _fail(ctx, recorded, "StartRejected", messages.rejected(ctx, attempt)))
    if attempt.outcome == AttemptOutcome.AUTHENTICATION_FAILED:
        reason, message = "AuthenticationFailed", messages.authentication_failed(ctx, attempt)
        return Decision(Action.NONE, _fail(ctx, recorded, reason, message))

    # Transient or ambiguous: retry later. An ambiguous response is probed first, even when
    # no attempts are left, because the task may have started after all.
    exhausted = recorded.attempts >= ctx.spec.retry_policy.max_attempts
    if exhausted and attempt.outcome == AttemptOutcome.TRANSIENT:
        return Decision(Action.NONE, _fail(ctx, recorded, "RetriesExhausted", messages.exhausted(ctx, recorded)))
    delay = backoff_seconds(ctx.spec.retry_policy, recorded.attempts, jitter)
    return _retry_later(ctx, recorded, delay)


def record_probe(ctx: Context, status: Status, probe: LastAttempt, task_state: str | None, jitter: float) -> Decision:
    """Act on the task's state, read because an earlier start call may have taken effect."""
    if probe.outcome == AttemptOutcome.ACCEPTED and task_state in STARTED_STATES:
        confirmed = _confirmed_attempt(status, probe)
        reason, message = "TaskAlreadyStarted", messages.already_started(ctx, status, task_state)
        return Decision(
            Action.NONE, _accept(ctx, status.model_copy(update={"last_attempt": confirmed}), reason, message)
        )

    if probe.outcome == AttemptOutcome.ACCEPTED:
        # The earlier call did not start the task: it is safe to send again, if attempts are left.
        cleared = status.model_copy(update={"next_attempt_time": None, "observed_generation": ctx.generation})
        if cleared.attempts >= ctx.spec.retry_policy.max_attempts:
            reason, message = "RetriesExhausted", messages.exhausted(ctx, cleared)
            return Decision(Action.NONE, _fail(ctx, cleared, reason, message))
        return _send(ctx, cleared)

    if probe.outcome == AttemptOutcome.REJECTED:
        return Decision(Action.NONE, _fail(ctx, status, "TaskStateUnavailable", messages.probe_rejected(ctx, probe)))
    if probe.outcome == AttemptOutcome.AUTHENTICATION_FAILED:
        message = messages.authentication_failed(ctx, probe)
        return Decision(Action.NONE, _fail(ctx, status, "AuthenticationFailed", message))

    # The state could not be read now: keep the status (still "maybe started") and read again later.
    delay = backoff_seconds(ctx.spec.retry_policy, 1, jitter)
    return Decision(Action.WAIT, status.model_copy(update={"observed_generation": ctx.generation}), delay)


def credentials_unavailable(ctx: Context, status: Status, reason: str, problem: str, retry_seconds: float) -> Decision:
    """Wait for a missing Secret or key; the run keeps its attempts and recovers once it appears."""
    if status.phase is None or status.observed_run_token != ctx.spec.run_token:
        status = _new_run(ctx, status)
    due = ctx.now + timedelta(seconds=retry_seconds)
    message = f"{problem} Checking again every {retry_seconds:g} s."
    conditions = set_condition(
        status.conditions, READY, ConditionStatus.FALSE, reason, message, ctx.generation, ctx.now
    )
    conditions = set_condition(
        conditions, ACCEPTED, ConditionStatus.UNKNOWN, "WaitingForCredentials", message, ctx.generation, ctx.now
    )
    phase = Phase.PENDING if status.phase in (None, Phase.PENDING) else status.phase
    waiting = status.model_copy(
        update={
            "phase": phase,
            "observed_generation": ctx.generation,
            "next_attempt_time": due,
            "conditions": conditions,
        }
    )
    return Decision(Action.WAIT, waiting, retry_seconds)


def spec_invalid(status: Status, message: str, generation: int | None, now: datetime) -> Status:
    """Report a spec that cannot be used; nothing is sent until it is fixed."""
    text = f"The spec is invalid: {message}. Fix it with kubectl edit or in Git; nothing is sent until then."
    conditions = set_condition(status.conditions, READY, ConditionStatus.FALSE, "InvalidSpec", text, generation, now)
    return status.model_copy(
        update={"phase": status.phase or Phase.PENDING, "observed_generation": generation, "conditions": conditions}
    )


def _new_run(ctx: Context, status: Status) -> Status:
    """Forget the previous run's outcome, keeping only the conditions' history."""
    return Status(
        phase=Phase.PENDING,
        observed_generation=ctx.generation,
        observed_run_token=ctx.spec.run_token,
        attempts=0,
        conditions=status.conditions,
    )


def _send(ctx: Context, status: Status) -> Decision:
    return Decision(Action.SEND_START, status.model_copy(update={"observed_generation": ctx.generation}))


def claim(ctx: Context, status: Status) -> Status:
    """Record a start call about to be sent: phase Starting, one more attempt, outcome Unknown.

    The caller writes this status before sending, so a call that is sent but whose
    response is never recorded is found later and checked against the task's state.
    """
    attempt = status.attempts + 1
    message = messages.starting(ctx, attempt)
    conditions = set_condition(
        status.conditions, READY, ConditionStatus.FALSE, "StartInProgress", message, ctx.generation, ctx.now
    )
    conditions = set_condition(
        conditions, ACCEPTED, ConditionStatus.UNKNOWN, "StartInProgress", message, ctx.generation, ctx.now
    )
    return status.model_copy(
        update={
            "phase": Phase.STARTING,
            "observed_generation": ctx.generation,
            "attempts": attempt,
            "last_attempt": LastAttempt(time=ctx.now, outcome=AttemptOutcome.UNKNOWN),
            "next_attempt_time": None,
            "conditions": conditions,
        }
    )


def _accept(ctx: Context, status: Status, reason: str, message: str) -> Status:
    conditions = set_condition(status.conditions, READY, ConditionStatus.TRUE, reason, message, ctx.generation, ctx.now)
    conditions = set_condition(conditions, ACCEPTED, ConditionStatus.TRUE, reason, message, ctx.generation, ctx.now)
    return status.model_copy(
        update={
            "phase": Phase.ACCEPTED,
            "observed_generation": ctx.generation,
            "accepted_time": ctx.now,
            "next_attempt_time": None,
            "conditions": conditions,
        }
    )


def _fail(ctx: Context, status: Status, reason: str, message: str) -> Status:
    conditions = set_condition(
        status.conditions, READY, ConditionStatus.FALSE, reason, message, ctx.generation, ctx.now
    )
    conditions = set_condition(conditions, ACCEPTED, ConditionStatus.FALSE, reason, message, ctx.generation, ctx.now)
    return status.model_copy(
        update={
            "phase": Phase.FAILED,
            "observed_generation": ctx.generation,
            "next_attempt_time": None,
            "conditions": conditions,
        }
    )


def _retry_later(ctx: Context, status: Status, delay: float) -> Decision:
    due = ctx.now + timedelta(seconds=delay)
    message = messages.retry_scheduled(ctx, status, due)
    conditions = set_condition(
        status.conditions, READY, ConditionStatus.FALSE, "RetryScheduled", message, ctx.generation, ctx.now
    )
    conditions = set_condition(
        conditions, ACCEPTED, ConditionStatus.UNKNOWN, "RetryScheduled", message, ctx.generation, ctx.now
    )
    retrying = status.model_copy(
        update={
            "phase": Phase.RETRYING,
            "observed_generation": ctx.generation,
            "next_attempt_time": due,
            "conditions": conditions,
        }
    )
    return Decision(Action.WAIT, retrying, delay)


def _confirmed_attempt(status: Status, probe: LastAttempt) -> LastAttempt:
    """Mark the last start call as accepted, keeping what was recorded of it."""
    if status.last_attempt is None:
        return probe
    return status.last_attempt.model_copy(update={"outcome": AttemptOutcome.ACCEPTED})
