"""Carry out the policy's decisions for one ServiceTaskStart: the only place with I/O.

Each call reads the object fresh, gets the next decision from the policy, and carries it out:
write the status, read credentials, read the task's state, send a start call.
The claim before a start call is written on condition that the object is
unchanged since it was read, so two writers can never both send for one claim.
"""

from __future__ import annotations

import logging
import random
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from pydantic import ValidationError

from modelarts_operator.cloud.client import CallResult, ModelArtsClient, TaskRef
from modelarts_operator.cloud.endpoints import resolve_endpoint
from modelarts_operator.cloud.signing import AkSkCredentials
from modelarts_operator.model import LastAttempt, ServiceTaskStartSpec, SpecError, parse_spec
from modelarts_operator.model import ServiceTaskStartStatus as Status
from modelarts_operator.model.status import AttemptOutcome
from modelarts_operator.policy import reconcile as policy
from modelarts_operator.policy.reconcile import Action, Context, Decision
from modelarts_operator.wiring import events
from modelarts_operator.wiring.credentials import CredentialsProblem, load_credentials
from modelarts_operator.wiring.kube import Conflict, KubeApi, NotFound

# A handler never loops forever within one call: after this many steps it yields to kopf.
_MAX_STEPS = 8


@dataclass(frozen=True)
class ReconcileSettings:
    """Operator-wide timing, in seconds."""

    credentials_retry_seconds: float = 30.0
    conflict_retry_seconds: float = 1.0


class Reconciler:
    """Reconciles one object per call; kopf guarantees one call per object at a time."""

    def __init__(
        self,
        kube: KubeApi,
        cloud: ModelArtsClient,
        settings: ReconcileSettings | None = None,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
        jitter: Callable[[], float] = random.random,
        post_event: events.EventPoster = events.post_with_kopf,
    ) -> None:
        self.kube = kube
        self.cloud = cloud
        self.settings = settings or ReconcileSettings()
        self.clock = clock
        self.jitter = jitter
        self.post_event = post_event

    async def reconcile(
        self, namespace: str, name: str, logger: logging.Logger | logging.LoggerAdapter[Any]
    ) -> float | None:
        """Advance the object's run; return seconds until it needs another call, or ``None``."""
        try:
            obj = await self.kube.get(namespace, name)
        except NotFound:
            return None
        return await _Pass(self, obj, logger).run()


class _Pass:
    """One reconcile pass over one object: its fresh state and what was written so far."""

    def __init__(self, owner: Reconciler, obj: dict[str, Any], logger: logging.Logger | logging.LoggerAdapter[Any]):
        self.owner = owner
        self.obj = obj
        self.logger = logger
        self.namespace: str = obj["metadata"]["namespace"]
        self.name: str = obj["metadata"]["name"]
        self.generation: int | None = obj["metadata"].get("generation")
        self.resource_version: str = obj["metadata"]["resourceVersion"]
        self.written: dict[str, Any] = obj.get("status") or {}

    @property
    def key(self) -> str:
        return f"{self.namespace}/{self.name}"

    async def run(self) -> float | None:
        try:
            return await self.step()
        except Conflict:
            self.logger.info("%s changed while being reconciled; reading it again", self.key)
            return self.owner.settings.conflict_retry_seconds
        except NotFound:
            self.logger.info("%s was deleted while being reconciled; nothing left to do", self.key)
            return None

    async def step(self) -> float | None:
        try:
            status = Status.from_dict(self.obj.get("status"))
        except ValidationError as error:
            self.logger.error("%s: status is unreadable, waiting for it to be fixed: %s", self.key, error)
            return self.owner.settings.credentials_retry_seconds

        try:
            spec = parse_spec(self.obj.get("spec") or {})
        except SpecError as error:
            self.logger.warning("%s: invalid spec, nothing is sent until it is fixed: %s", self.key, error)
            await self.write(policy.spec_invalid(status, str(error), self.generation, self.owner.clock()))
            return None

        return await self.advance(spec, policy.decide(self.context(spec), status))

    def context(self, spec: ServiceTaskStartSpec) -> Context:
        return Context(spec=spec, generation=self.generation, now=self.owner.clock())

    async def advance(self, spec: ServiceTaskStartSpec, decision: Decision) -> float | None:
        """Follow decisions until one is to stop or to wait."""
        # Read once per pass: a probe followed by a start call needs the Secret only once.
        credentials: AkSkCredentials | CredentialsProblem | None = None
        for _ in range(_MAX_STEPS):
            if decision.action == Action.NONE:
                await self.write(decision.status)
                return None
            if decision.action == Action.WAIT:
                await self.write(decision.status)
                return decision.delay

            if credentials is None:
                credentials = await load_credentials(self.owner.kube, self.namespace, spec.credentials_ref)
            if isinstance(credentials, CredentialsProblem):
                decision = self.credentials_unavailable(spec, decision.status, credentials)
            elif decision.action == Action.PROBE_TASK:
                decision = await self.probe(spec, decision.status, credentials)
            else:
                decision = await self.send_start(spec, decision.status, credentials)
        return self.owner.settings.conflict_retry_seconds

    def credentials_unavailable(
        self, spec: ServiceTaskStartSpec, status: Status, problem: CredentialsProblem
    ) -> Decision:
        self.logger.warning("%s: %s", self.key, problem.message)
        retry = self.owner.settings.credentials_retry_seconds
        return policy.credentials_unavailable(self.context(spec), status, problem.reason, problem.message, retry)

    async def probe(self, spec: ServiceTaskStartSpec, status: Status, credentials: AkSkCredentials) -> Decision:
        """Read the task's state, because an earlier start call may have taken effect."""
        await self.write(status)
        result = await self.owner.cloud.show_task(task_ref(spec), credentials)
        self.logger.info(
            "%s: read task %s after an unconfirmed start call: %s, state=%s, request_id=%s",
            self.key, spec.task_id, response_summary(result), result.task_state or "-", result.request_id or "-",
        )  # fmt: skip
        ctx = self.context(spec)
        probe = to_attempt(result, ctx.now)
        return policy.record_probe(ctx, status, probe, result.task_state, self.owner.jitter())

    async def send_start(self, spec: ServiceTaskStartSpec, status: Status, credentials: AkSkCredentials) -> Decision:
        """Write the claim on condition that nothing changed, then send exactly one start call."""
        claim = policy.claim(self.context(spec), status)
        await self.write(claim, conditional=True)
        result = await self.owner.cloud.start_task(task_ref(spec), credentials)
        ctx = self.context(spec)
        decision = policy.record_start(ctx, claim, to_attempt(result, ctx.now), self.owner.jitter())
        wait = f" in {decision.delay:.1f} s" if decision.delay is not None else ""
        self.logger.info(
            "%s: start call %d of %d for task %s: %s, request_id=%s -> %s%s",
            self.key, claim.attempts, spec.retry_policy.max_attempts, spec.task_id, response_summary(result),
            result.request_id or "-", decision.status.phase, wait,
        )  # fmt: skip
        return decision

    async def write(self, status: Status, conditional: bool = False) -> None:
        """Replace the status when it changed, and post an event when its phase or reason did."""
        desired = status.to_dict()
        if desired == self.written and not conditional:
            return
        expected = self.resource_version if conditional else None
        stored = await self.owner.kube.replace_status(self.namespace, self.name, desired, expected)
        self.resource_version = stored["metadata"]["resourceVersion"]
        events.post_transition(self.obj, Status.from_dict(self.written), status, self.owner.post_event)
        self.written = desired


def task_ref(spec: ServiceTaskStartSpec) -> TaskRef:
    return TaskRef(
        endpoint=resolve_endpoint(spec.region, spec.endpoint),
        project_id=spec.project_id,
        service_id=spec.service_id,
        task_id=spec.task_id,
    )


def response_summary(result: CallResult) -> str:
    """Summarize a call for a log line: ``HTTP 500 ModelArts.0010`` or ``no response (ReadTimeout)``."""
    if result.http_status is None:
        return f"no response ({result.error_code})"
    return f"HTTP {result.http_status} {result.error_code or ''}".rstrip()


def to_attempt(result: CallResult, now: datetime) -> LastAttempt:
    """Turn a call's result into the status record of it."""
    return LastAttempt(
        time=now,
        outcome=AttemptOutcome(result.kind.value),
        http_status=result.http_status,
        error_code=result.error_code,
        error_msg=result.error_msg,
        request_id=result.request_id,
    )
