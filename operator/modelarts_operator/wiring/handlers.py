"""kopf handlers: every trigger runs the same level-based reconcile.

Create, update and resume all call ``Reconciler.reconcile``, which decides from
the stored status alone; kopf's own annotations only schedule the calls. So
``kubectl replace`` or an Argo CD ``Replace=true`` sync, which drop those
annotations, make kopf call the handler again, and the stored status shows that nothing is left to do.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

import kopf

from modelarts_operator.cloud.client import ModelArtsClient
from modelarts_operator.model import API_GROUP, API_VERSION, PLURAL
from modelarts_operator.wiring.kube import KubeApi, load_client_config
from modelarts_operator.wiring.reconciler import Reconciler, ReconcileSettings

Logger = logging.Logger | logging.LoggerAdapter[Any]

registry = kopf.OperatorRegistry()

# Seconds before kopf retries a handler that raised an unexpected error (an API outage, say).
UNEXPECTED_ERROR_BACKOFF = 10.0


@dataclass(frozen=True)
class OperatorOptions:
    """Options that ``modelarts-operator run`` passes to the handlers through kopf's memo."""

    reconcile: ReconcileSettings


@kopf.on.login(registry=registry)
def login(**kwargs: Any) -> kopf.ConnectionInfo | None:
    """Log in as the ``kubernetes`` client does: service account in a pod, else the kubeconfig."""
    info: kopf.ConnectionInfo | None = kopf.login_via_client(**kwargs)
    return info


@kopf.on.startup(registry=registry)
async def configure(settings: kopf.OperatorSettings, memo: Any, logger: Logger, **_: Any) -> None:
    """Store kopf's progress under the operator's own prefix and build the shared clients."""
    settings.persistence.progress_storage = kopf.AnnotationsProgressStorage(prefix=API_GROUP)
    settings.persistence.diffbase_storage = kopf.AnnotationsDiffBaseStorage(
        prefix=API_GROUP, key="last-handled-configuration"
    )
    # The reconciler posts one Event per status transition; kopf's per-handler Events would repeat them.
    settings.posting.level = logging.CRITICAL

    options: OperatorOptions = memo.get("options") or OperatorOptions(ReconcileSettings())
    memo["reconciler"] = Reconciler(KubeApi(load_client_config()), ModelArtsClient(), options.reconcile)
    logger.info("modelarts-operator is watching %s.%s/%s", PLURAL, API_GROUP, API_VERSION)


@kopf.on.cleanup(registry=registry)
async def close(memo: Any, **_: Any) -> None:
    reconciler: Reconciler | None = memo.get("reconciler")
    if reconciler is not None:
        await reconciler.cloud.aclose()


@kopf.on.create(API_GROUP, API_VERSION, PLURAL, id="start", registry=registry, backoff=UNEXPECTED_ERROR_BACKOFF)
@kopf.on.update(
    API_GROUP, API_VERSION, PLURAL, id="start-on-update", registry=registry, backoff=UNEXPECTED_ERROR_BACKOFF
)
@kopf.on.resume(
    API_GROUP, API_VERSION, PLURAL, id="start-on-resume", registry=registry, backoff=UNEXPECTED_ERROR_BACKOFF
)
async def reconcile(name: str, namespace: str | None, memo: Any, logger: Logger, **_: Any) -> None:
    """Advance the run, and ask kopf to call again when the policy decides to wait."""
    reconciler: Reconciler = memo["reconciler"]
    if namespace is None:  # the CRD is namespaced, so kopf always passes one
        raise kopf.PermanentError(f"ServiceTaskStart {name} has no namespace")
    delay = await reconciler.reconcile(namespace, name, logger)
    if delay is not None:
        # kopf's only way to schedule a later call is a temporary error; it is a wait, not a failure.
        raise kopf.TemporaryError(f"waiting {delay:.1f} s before the next step", delay=max(delay, 0.1))
