"""Tests for the reconcile policy: (spec, status, outcome) -> (next status, action), and its backoff.

The policy is pure, so every case builds a status by hand, calls one decision function
with a fixed clock and jitter, and compares the status and action it returns.
"""

from __future__ import annotations

import math
from datetime import UTC, datetime, timedelta

import pytest

from modelarts_operator.model import (
    Condition,
    ConditionStatus,
    LastAttempt,
    Phase,
    RetryPolicy,
    ServiceTaskStartSpec,
    parse_spec,
)
from modelarts_operator.model import ServiceTaskStartStatus as Status
from modelarts_operator.model.status import AttemptOutcome
from modelarts_operator.policy import reconcile
from modelarts_operator.policy.backoff import backoff_seconds
from modelarts_operator.policy.conditions import ACCEPTED, READY, set_condition
from modelarts_operator.policy.reconcile import Action, Context

NOW = datetime(2026, 12, 4, 8, 0, 0, tzinfo=UTC)
EARLIER = NOW - timedelta(minutes=10)
GENERATION = 4
RUN = "2026-12-04"
OLD_RUN = "2026-12-03"
SERVICE_ID = "e2ad76dd-f54b-417e-b472-236cc4e335d7"
TASK_ID = "a29002929c780b076518539ca3b882c7"
SECRET_NAME = "modelarts-credentials"
JITTER = 0.25
NOT_FOUND_MESSAGE = f"Service {SERVICE_ID} does not exist."


def make_spec(run_token: str = RUN, max_attempts: int = 5) -> ServiceTaskStartSpec:
    return parse_spec(
        {
            "projectID": "46af3a410726903fce462a1424a6c7a5",
            "serviceID": SERVICE_ID,
            "taskID": TASK_ID,
            "endpoint": "http://127.0.0.1:8480",
            "credentialsRef": {"name": SECRET_NAME},
            "runToken": run_token,
            "retryPolicy": {"maxAttempts": max_attempts, "initialBackoffSeconds": 5, "maxBackoffSeconds": 300},
        }
    )


SPEC = make_spec()
POLICY = SPEC.retry_policy


def context(spec: ServiceTaskStartSpec = SPEC, now: datetime = NOW) -> Context:
    return Context(spec=spec, generation=GENERATION, now=now)


def current_attempt(
    outcome: AttemptOutcome,
    http_status: int | None = None,
    error_code: str | None = None,
    error_msg: str | None = None,
) -> LastAttempt:
    return LastAttempt(
        time=NOW,
        outcome=outcome,
        http_status=http_status,
        error_code=error_code,
        error_msg=error_msg,
        request_id="0123456789abcdef0123456789abcdef",
    )


def condition(condition_type: str, status: ConditionStatus, reason: str) -> Condition:
    return Condition(
        type=condition_type,
        status=status,
        reason=reason,
        message=f"{reason} message",
        observed_generation=GENERATION - 1,
        last_transition_time=EARLIER,
    )


def stored_status(
    phase: Phase,
    attempts: int,
    last: LastAttempt | None,
    run_token: str = RUN,
    next_attempt_time: datetime | None = None,
    ready: ConditionStatus = ConditionStatus.FALSE,
    reason: str = "RetryScheduled",
) -> Status:
    """Build a status as an earlier pass stored it, one generation ago."""
    return Status(
        phase=phase,
        observed_generation=GENERATION - 1,
        observed_run_token=run_token,
        attempts=attempts,
        last_attempt=last,
        accepted_time=EARLIER if phase == Phase.ACCEPTED else None,
        next_attempt_time=next_attempt_time,
        conditions=(condition(ACCEPTED, ready, reason), condition(READY, ready, reason)),
    )


def previous_attempt(
    outcome: AttemptOutcome, http_status: int | None = None, error_code: str | None = None
) -> LastAttempt:
    return LastAttempt(time=EARLIER, outcome=outcome, http_status=http_status, error_code=error_code)


ACCEPTED_STATUS = stored_status(
    Phase.ACCEPTED,
    1,
    previous_attempt(AttemptOutcome.ACCEPTED, 202),
    ready=ConditionStatus.TRUE,
    reason="StartAccepted",
)
FAILED_STATUS = stored_status(
    Phase.FAILED, 1, previous_attempt(AttemptOutcome.REJECTED, 404, "ModelArts.3502"), reason="StartRejected"
)
STARTING_UNKNOWN = stored_status(Phase.STARTING, 1, previous_attempt(AttemptOutcome.UNKNOWN), reason="StartInProgress")
RETRYING_NOT_DUE = stored_status(
    Phase.RETRYING, 2, previous_attempt(AttemptOutcome.TRANSIENT, 500), next_attempt_time=NOW + timedelta(seconds=7)
)
RETRYING_DUE = stored_status(
    Phase.RETRYING, 2, previous_attempt(AttemptOutcome.TRANSIENT, 500), next_attempt_time=NOW - timedelta(seconds=1)
)
RETRYING_DUE_NOW = stored_status(
    Phase.RETRYING, 2, previous_attempt(AttemptOutcome.TRANSIENT, 500), next_attempt_time=NOW
)
AMBIGUOUS_DUE = stored_status(
    Phase.RETRYING, 2, previous_attempt(AttemptOutcome.AMBIGUOUS, None, "ReadTimeout"), next_attempt_time=NOW
)
AMBIGUOUS_NOT_DUE = stored_status(
    Phase.RETRYING,
    2,
    previous_attempt(AttemptOutcome.AMBIGUOUS, None, "ReadTimeout"),
    next_attempt_time=NOW + timedelta(seconds=7),
)


def observed(status: Status) -> Status:
    """Return the same status with only observedGeneration moved to the current generation."""
    return status.model_copy(update={"observed_generation": GENERATION})


def new_run(status: Status, run_token: str = RUN) -> Status:
    """Return the status of a fresh run, which keeps only the conditions of ``status``."""
    return Status(
        phase=Phase.PENDING,
        observed_generation=GENERATION,
        observed_run_token=run_token,
        attempts=0,
        conditions=status.conditions,
    )


def ready_condition(status: Status) -> Condition:
    found = status.condition(READY)
    assert found is not None, f"no Ready condition in {status}"
    return found


def accepted_condition(status: Status) -> Condition:
    found = status.condition(ACCEPTED)
    assert found is not None, f"no Accepted condition in {status}"
    return found


# --- decide ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("spec", "before", "action", "delay", "after"),
    [
        pytest.param(SPEC, Status(), Action.SEND_START, None, new_run(Status()), id="new-object-empty-status"),
        pytest.param(
            make_spec(run_token=""), Status(), Action.SEND_START, None, new_run(Status(), ""), id="new-object-no-token"
        ),
        pytest.param(SPEC, ACCEPTED_STATUS, Action.NONE, None, observed(ACCEPTED_STATUS), id="accepted-same-token"),
        pytest.param(SPEC, FAILED_STATUS, Action.NONE, None, observed(FAILED_STATUS), id="failed-same-token"),
        pytest.param(
            SPEC,
            ACCEPTED_STATUS.model_copy(update={"observed_run_token": OLD_RUN}),
            Action.SEND_START,
            None,
            new_run(ACCEPTED_STATUS),
            id="accepted-new-token",
        ),
        pytest.param(
            SPEC,
            FAILED_STATUS.model_copy(update={"observed_run_token": OLD_RUN}),
            Action.SEND_START,
            None,
            new_run(FAILED_STATUS),
            id="failed-new-token",
        ),
        pytest.param(
            SPEC,
            RETRYING_NOT_DUE.model_copy(update={"observed_run_token": OLD_RUN}),
            Action.SEND_START,
            None,
            new_run(RETRYING_NOT_DUE),
            id="retrying-new-token",
        ),
        pytest.param(
            SPEC, STARTING_UNKNOWN, Action.PROBE_TASK, None, observed(STARTING_UNKNOWN), id="starting-unknown-outcome"
        ),
        pytest.param(SPEC, RETRYING_NOT_DUE, Action.WAIT, 7.0, observed(RETRYING_NOT_DUE), id="retrying-before-due"),
        pytest.param(SPEC, RETRYING_DUE, Action.SEND_START, None, observed(RETRYING_DUE), id="retrying-past-due"),
        pytest.param(
            SPEC, RETRYING_DUE_NOW, Action.SEND_START, None, observed(RETRYING_DUE_NOW), id="retrying-due-now"
        ),
        pytest.param(
            SPEC, AMBIGUOUS_DUE, Action.PROBE_TASK, None, observed(AMBIGUOUS_DUE), id="retrying-due-after-ambiguous"
        ),
        pytest.param(
            SPEC,
            AMBIGUOUS_NOT_DUE,
            Action.WAIT,
            7.0,
            observed(AMBIGUOUS_NOT_DUE),
            id="retrying-not-due-after-ambiguous",
        ),
    ],
)
def test_decide_table(
    spec: ServiceTaskStartSpec, before: Status, action: Action, delay: float | None, after: Status
) -> None:
    decision = reconcile.decide(context(spec), before)

    assert decision.action == action
    assert decision.delay == delay
    assert decision.status == after


@pytest.mark.parametrize(
    "last",
    [
        pytest.param(previous_attempt(AttemptOutcome.TRANSIENT, 500), id="after-transient"),
        pytest.param(previous_attempt(AttemptOutcome.REJECTED, 400), id="after-rejected"),
    ],
)
def test_decide_exhausted_attempts_fail(last: LastAttempt) -> None:
    before = stored_status(Phase.RETRYING, 5, last, next_attempt_time=NOW)

    decision = reconcile.decide(context(), before)

    assert decision.action == Action.NONE
    assert decision.status.phase == Phase.FAILED
    assert decision.status.attempts == 5
    assert ready_condition(decision.status).status == ConditionStatus.FALSE
    assert ready_condition(decision.status).reason == "RetriesExhausted"
    assert accepted_condition(decision.status).status == ConditionStatus.FALSE
    assert "5 of 5" in ready_condition(decision.status).message


# --- claim ----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("before", "attempts"),
    [
        pytest.param(new_run(Status()), 1, id="first-attempt"),
        pytest.param(observed(RETRYING_DUE), 3, id="third-attempt"),
    ],
)
def test_claim_records_unknown_attempt(before: Status, attempts: int) -> None:
    claimed = reconcile.claim(context(), before)

    assert claimed.phase == Phase.STARTING
    assert claimed.attempts == attempts
    assert claimed.last_attempt == LastAttempt(time=NOW, outcome=AttemptOutcome.UNKNOWN)
    assert claimed.next_attempt_time is None
    assert claimed.observed_generation == GENERATION
    assert claimed.observed_run_token == RUN
    assert ready_condition(claimed).status == ConditionStatus.FALSE
    assert ready_condition(claimed).reason == "StartInProgress"
    assert accepted_condition(claimed).status == ConditionStatus.UNKNOWN
    assert f"{attempts} of 5" in ready_condition(claimed).message


# --- record_start ---------------------------------------------------------------------------------

ACCEPTED_202 = current_attempt(AttemptOutcome.ACCEPTED, 202)
SERVICE_NOT_FOUND_404 = current_attempt(AttemptOutcome.REJECTED, 404, "ModelArts.3502", NOT_FOUND_MESSAGE)
INVALID_ARGUMENT_400 = current_attempt(AttemptOutcome.REJECTED, 400, "ModelArts.0101", "Invalid argument.")
AUTH_FAILED_401 = current_attempt(
    AttemptOutcome.AUTHENTICATION_FAILED, 401, "APIGW.0301", "Incorrect IAM authentication"
)
FORBIDDEN_403 = current_attempt(AttemptOutcome.AUTHENTICATION_FAILED, 403, "ModelArts.0210", "Project mismatch.")
SERVER_ERROR_500 = current_attempt(AttemptOutcome.TRANSIENT, 500, "ModelArts.0010", "Internal error.")
READ_TIMEOUT = current_attempt(AttemptOutcome.AMBIGUOUS, None, "ReadTimeout", "timed out")


def claimed_at(attempts_before: int) -> Status:
    """The claim of start call ``attempts_before + 1`` of a run with 5 allowed."""
    before = new_run(Status()).model_copy(update={"attempts": attempts_before})
    return reconcile.claim(context(), before)


@pytest.mark.parametrize(
    ("claimed", "attempt", "action", "phase", "reason", "ready_status", "accepted_status"),
    [
        pytest.param(
            claimed_at(0),
            ACCEPTED_202,
            Action.NONE,
            Phase.ACCEPTED,
            "StartAccepted",
            ConditionStatus.TRUE,
            ConditionStatus.TRUE,
            id="202-accepted",
        ),
        pytest.param(
            claimed_at(0),
            SERVICE_NOT_FOUND_404,
            Action.NONE,
            Phase.FAILED,
            "StartRejected",
            ConditionStatus.FALSE,
            ConditionStatus.FALSE,
            id="404-service-not-found",
        ),
        pytest.param(
            claimed_at(0),
            INVALID_ARGUMENT_400,
            Action.NONE,
            Phase.FAILED,
            "StartRejected",
            ConditionStatus.FALSE,
            ConditionStatus.FALSE,
            id="400-invalid-argument",
        ),
        pytest.param(
            claimed_at(0),
            AUTH_FAILED_401,
            Action.NONE,
            Phase.FAILED,
            "AuthenticationFailed",
            ConditionStatus.FALSE,
            ConditionStatus.FALSE,
            id="401-with-attempts-left",
        ),
        pytest.param(
            claimed_at(0),
            FORBIDDEN_403,
            Action.NONE,
            Phase.FAILED,
            "AuthenticationFailed",
            ConditionStatus.FALSE,
            ConditionStatus.FALSE,
            id="403-with-attempts-left",
        ),
        pytest.param(
            claimed_at(1),
            SERVER_ERROR_500,
            Action.WAIT,
            Phase.RETRYING,
            "RetryScheduled",
            ConditionStatus.FALSE,
            ConditionStatus.UNKNOWN,
            id="transient-with-attempts-left",
        ),
        pytest.param(
            claimed_at(4),
            SERVER_ERROR_500,
            Action.NONE,
            Phase.FAILED,
            "RetriesExhausted",
            ConditionStatus.FALSE,
            ConditionStatus.FALSE,
            id="transient-on-last-attempt",
        ),
        pytest.param(
            claimed_at(1),
            READ_TIMEOUT,
            Action.WAIT,
            Phase.RETRYING,
            "RetryScheduled",
            ConditionStatus.FALSE,
            ConditionStatus.UNKNOWN,
            id="ambiguous-with-attempts-left",
        ),
        pytest.param(
            claimed_at(4),
            READ_TIMEOUT,
            Action.WAIT,
            Phase.RETRYING,
            "RetryScheduled",
            ConditionStatus.FALSE,
            ConditionStatus.UNKNOWN,
            id="ambiguous-on-last-attempt",
        ),
    ],
)
def test_record_start_table(
    claimed: Status,
    attempt: LastAttempt,
    action: Action,
    phase: Phase,
    reason: str,
    ready_status: ConditionStatus,
    accepted_status: ConditionStatus,
) -> None:
    decision = reconcile.record_start(context(), claimed, attempt, JITTER)

    assert decision.action == action
    assert decision.status.phase == phase
    assert decision.status.last_attempt == attempt
    assert decision.status.attempts == claimed.attempts
    assert ready_condition(decision.status).reason == reason
    assert ready_condition(decision.status).status == ready_status
    assert accepted_condition(decision.status).reason == reason
    assert accepted_condition(decision.status).status == accepted_status


def test_record_start_202_sets_accepted_time() -> None:
    decision = reconcile.record_start(context(), claimed_at(0), ACCEPTED_202, JITTER)

    assert decision.status.accepted_time == NOW
    assert decision.status.next_attempt_time is None
    assert decision.delay is None


def test_record_start_rejected_keeps_message_verbatim() -> None:
    decision = reconcile.record_start(context(), claimed_at(0), SERVICE_NOT_FOUND_404, JITTER)

    last = decision.status.last_attempt
    assert last is not None
    assert last.error_code == "ModelArts.3502"
    assert last.error_msg == NOT_FOUND_MESSAGE
    assert NOT_FOUND_MESSAGE in ready_condition(decision.status).message
    assert "runToken" in ready_condition(decision.status).message


def test_record_start_auth_failure_names_secret() -> None:
    decision = reconcile.record_start(context(), claimed_at(0), AUTH_FAILED_401, JITTER)

    assert SECRET_NAME in ready_condition(decision.status).message
    assert decision.status.next_attempt_time is None


@pytest.mark.parametrize(
    ("attempts_before", "expected_delay"),
    [
        pytest.param(0, 2.5 + JITTER * 2.5, id="after-call-1"),
        pytest.param(1, 5.0 + JITTER * 5.0, id="after-call-2"),
        pytest.param(3, 20.0 + JITTER * 20.0, id="after-call-4"),
    ],
)
def test_record_start_transient_schedules_backoff(attempts_before: int, expected_delay: float) -> None:
    claimed = claimed_at(attempts_before)

    decision = reconcile.record_start(context(), claimed, SERVER_ERROR_500, JITTER)

    assert decision.delay == pytest.approx(expected_delay)
    assert decision.delay == backoff_seconds(POLICY, claimed.attempts, JITTER)
    assert decision.status.next_attempt_time == NOW + timedelta(seconds=expected_delay)


# --- record_probe ---------------------------------------------------------------------------------

TASK_READ = current_attempt(AttemptOutcome.ACCEPTED, 200)
PROBE_TIMEOUT = current_attempt(AttemptOutcome.AMBIGUOUS, None, "ReadTimeout", "timed out")
PROBE_503 = current_attempt(AttemptOutcome.TRANSIENT, 503, None, "Service Unavailable")
TASK_NOT_FOUND_404 = current_attempt(AttemptOutcome.REJECTED, 404, "ModelArts.3599", "Task does not exist.")


@pytest.mark.parametrize(
    ("before", "probe", "task_state", "action", "phase", "reason"),
    [
        pytest.param(
            STARTING_UNKNOWN, TASK_READ, "STARTING", Action.NONE, Phase.ACCEPTED, "TaskAlreadyStarted", id="starting"
        ),
        pytest.param(
            STARTING_UNKNOWN, TASK_READ, "RUNNING", Action.NONE, Phase.ACCEPTED, "TaskAlreadyStarted", id="running"
        ),
        pytest.param(
            AMBIGUOUS_DUE,
            TASK_READ,
            "RUNNING",
            Action.NONE,
            Phase.ACCEPTED,
            "TaskAlreadyStarted",
            id="ambiguous-running",
        ),
        pytest.param(
            STARTING_UNKNOWN, TASK_READ, "STOPPED", Action.SEND_START, Phase.STARTING, "StartInProgress", id="stopped"
        ),
        pytest.param(
            AMBIGUOUS_DUE,
            TASK_READ,
            "STOPPED",
            Action.SEND_START,
            Phase.RETRYING,
            "RetryScheduled",
            id="ambiguous-stopped",
        ),
        pytest.param(
            STARTING_UNKNOWN,
            TASK_NOT_FOUND_404,
            None,
            Action.NONE,
            Phase.FAILED,
            "TaskStateUnavailable",
            id="probe-404",
        ),
        pytest.param(
            STARTING_UNKNOWN,
            AUTH_FAILED_401,
            None,
            Action.NONE,
            Phase.FAILED,
            "AuthenticationFailed",
            id="probe-401",
        ),
    ],
)
def test_record_probe_table(
    before: Status, probe: LastAttempt, task_state: str | None, action: Action, phase: Phase, reason: str
) -> None:
    decision = reconcile.record_probe(context(), observed(before), probe, task_state, JITTER)

    assert decision.action == action
    assert decision.status.phase == phase
    assert decision.status.attempts == before.attempts
    assert ready_condition(decision.status).reason == reason


@pytest.mark.parametrize("task_state", ["STARTING", "RUNNING"])
def test_record_probe_started_confirms_attempt(task_state: str) -> None:
    decision = reconcile.record_probe(context(), observed(STARTING_UNKNOWN), TASK_READ, task_state, JITTER)

    last = decision.status.last_attempt
    assert last is not None
    assert last.outcome == AttemptOutcome.ACCEPTED
    assert last.time == EARLIER
    assert decision.status.accepted_time == NOW
    assert ready_condition(decision.status).status == ConditionStatus.TRUE
    assert task_state in ready_condition(decision.status).message


def test_record_probe_stopped_exhausted_fails() -> None:
    before = stored_status(
        Phase.RETRYING, 5, previous_attempt(AttemptOutcome.AMBIGUOUS, None, "ReadTimeout"), next_attempt_time=NOW
    )

    decision = reconcile.record_probe(context(), observed(before), TASK_READ, "STOPPED", JITTER)

    assert decision.action == Action.NONE
    assert decision.status.phase == Phase.FAILED
    assert ready_condition(decision.status).reason == "RetriesExhausted"


@pytest.mark.parametrize(
    "probe",
    [pytest.param(PROBE_TIMEOUT, id="ambiguous"), pytest.param(PROBE_503, id="transient")],
)
def test_record_probe_unreadable_waits(probe: LastAttempt) -> None:
    before = observed(STARTING_UNKNOWN)

    decision = reconcile.record_probe(context(), before, probe, None, JITTER)

    assert decision.action == Action.WAIT
    assert decision.status == before
    assert decision.delay == backoff_seconds(POLICY, 1, JITTER)


# --- credentials_unavailable and spec_invalid -----------------------------------------------------

CREDENTIALS_PROBLEM = f"Secret default/{SECRET_NAME} (spec.credentialsRef.name) was not found."


def test_credentials_unavailable_waits_with_reason() -> None:
    decision = reconcile.credentials_unavailable(context(), Status(), "CredentialsNotFound", CREDENTIALS_PROBLEM, 30.0)

    assert decision.action == Action.WAIT
    assert decision.delay == 30.0
    assert decision.status.phase == Phase.PENDING
    assert decision.status.attempts == 0
    assert decision.status.observed_run_token == RUN
    assert decision.status.next_attempt_time == NOW + timedelta(seconds=30)
    assert ready_condition(decision.status).status == ConditionStatus.FALSE
    assert ready_condition(decision.status).reason == "CredentialsNotFound"
    assert ready_condition(decision.status).message.startswith(CREDENTIALS_PROBLEM)
    assert "every 30 s" in ready_condition(decision.status).message
    assert accepted_condition(decision.status).reason == "WaitingForCredentials"


def test_credentials_unavailable_keeps_attempts() -> None:
    decision = reconcile.credentials_unavailable(
        context(), observed(RETRYING_DUE), "CredentialsKeyMissing", "Key secretKey is missing.", 30.0
    )

    assert decision.status.phase == Phase.RETRYING
    assert decision.status.attempts == RETRYING_DUE.attempts
    assert decision.status.last_attempt == RETRYING_DUE.last_attempt


@pytest.mark.parametrize(
    ("seconds_later", "action", "delay"),
    [
        pytest.param(29.0, Action.WAIT, 1.0, id="before-due"),
        pytest.param(30.0, Action.SEND_START, None, id="when-due"),
        pytest.param(95.0, Action.SEND_START, None, id="after-due"),
    ],
)
def test_decide_after_credentials_wait(seconds_later: float, action: Action, delay: float | None) -> None:
    waiting = reconcile.credentials_unavailable(
        context(), Status(), "CredentialsNotFound", CREDENTIALS_PROBLEM, 30.0
    ).status

    decision = reconcile.decide(context(now=NOW + timedelta(seconds=seconds_later)), waiting)

    assert decision.action == action
    assert decision.delay == delay


@pytest.mark.parametrize(
    ("before", "phase"),
    [
        pytest.param(Status(), Phase.PENDING, id="new-object"),
        pytest.param(ACCEPTED_STATUS, Phase.ACCEPTED, id="accepted"),
    ],
)
def test_spec_invalid_sets_ready_false(before: Status, phase: Phase) -> None:
    problem = "spec.taskID is missing: set it"

    after = reconcile.spec_invalid(before, problem, GENERATION, NOW)

    assert after.phase == phase
    assert after.observed_generation == GENERATION
    assert ready_condition(after).status == ConditionStatus.FALSE
    assert ready_condition(after).reason == "InvalidSpec"
    assert problem in ready_condition(after).message
    assert ready_condition(after).last_transition_time == NOW


# --- condition transition times -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("new_status", "transition_time"),
    [
        pytest.param(ConditionStatus.FALSE, EARLIER, id="same-status-keeps-time"),
        pytest.param(ConditionStatus.TRUE, NOW, id="new-status-moves-time"),
        pytest.param(ConditionStatus.UNKNOWN, NOW, id="unknown-moves-time"),
    ],
)
def test_set_condition_transition_time(new_status: ConditionStatus, transition_time: datetime) -> None:
    before = (condition(READY, ConditionStatus.FALSE, "RetryScheduled"),)

    after = set_condition(before, READY, new_status, "NewReason", "new message", GENERATION, NOW)

    assert len(after) == 1
    assert after[0].last_transition_time == transition_time
    assert after[0].reason == "NewReason"
    assert after[0].message == "new message"
    assert after[0].observed_generation == GENERATION


def test_set_condition_adds_missing_type() -> None:
    before = (condition(READY, ConditionStatus.FALSE, "RetryScheduled"),)

    after = set_condition(before, ACCEPTED, ConditionStatus.FALSE, "RetryScheduled", "text", GENERATION, NOW)

    assert [item.type for item in after] == [ACCEPTED, READY]
    assert after[0].last_transition_time == NOW
    assert after[1].last_transition_time == EARLIER


def test_transition_time_across_run() -> None:
    claim_time = NOW
    error_time = NOW + timedelta(seconds=10)
    retry_time = NOW + timedelta(seconds=30)
    accept_time = NOW + timedelta(seconds=31)

    claimed = reconcile.claim(context(now=claim_time), new_run(Status()))
    retrying = reconcile.record_start(context(now=error_time), claimed, SERVER_ERROR_500, JITTER).status
    claimed_again = reconcile.claim(context(now=retry_time), retrying)
    done = reconcile.record_start(context(now=accept_time), claimed_again, ACCEPTED_202, JITTER).status

    assert ready_condition(retrying).last_transition_time == claim_time
    assert accepted_condition(retrying).last_transition_time == claim_time
    assert ready_condition(claimed_again).last_transition_time == claim_time
    assert ready_condition(claimed_again).reason == "StartInProgress"
    assert ready_condition(done).last_transition_time == accept_time
    assert accepted_condition(done).last_transition_time == accept_time


# --- backoff --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("failed_attempts", "full_delay"),
    [
        pytest.param(0, 5.0, id="0-failures"),
        pytest.param(1, 5.0, id="1-failure"),
        pytest.param(2, 10.0, id="2-failures"),
        pytest.param(3, 20.0, id="3-failures"),
        pytest.param(6, 160.0, id="6-failures"),
        pytest.param(7, 300.0, id="7-failures-capped"),
        pytest.param(8, 300.0, id="8-failures-capped"),
        pytest.param(10_000, 300.0, id="huge-count-capped"),
    ],
)
def test_backoff_doubles_then_caps(failed_attempts: int, full_delay: float) -> None:
    assert backoff_seconds(POLICY, failed_attempts, 0.0) == full_delay / 2


@pytest.mark.parametrize("jitter", [0.0, 0.25, 0.5, 0.999999])
@pytest.mark.parametrize("failed_attempts", [1, 3, 9])
def test_backoff_jitter_range(failed_attempts: int, jitter: float) -> None:
    full_delay = min(300.0, 5.0 * 2 ** (failed_attempts - 1))

    delay = backoff_seconds(POLICY, failed_attempts, jitter)

    assert delay >= full_delay / 2
    assert delay < full_delay
    assert delay == pytest.approx(full_delay / 2 * (1 + jitter))


def test_backoff_small_cap() -> None:
    policy = RetryPolicy(maxAttempts=3, initialBackoffSeconds=2, maxBackoffSeconds=3)

    assert backoff_seconds(policy, 1, 0.0) == 1.0
    assert backoff_seconds(policy, 2, 0.0) == 1.5


@pytest.mark.parametrize("jitter", [-0.01, 1.0, 1.5, math.nan])
def test_backoff_rejects_bad_jitter(jitter: float) -> None:
    with pytest.raises(ValueError, match="jitter must be in"):
        backoff_seconds(POLICY, 1, jitter)
