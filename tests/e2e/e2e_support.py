"""Helpers for the e2e tier: the package's control-plane harness, plus examples pointed at the emulator."""

from __future__ import annotations

import os
import secrets
import uuid
from pathlib import Path
from typing import Any

import yaml

from modelarts_operator.controlplane.harness import Kubectl, OperatorProcess, wait_for
from modelarts_operator.emulator.process import EmulatorProcess

__all__ = [
    "CRDS", "EXAMPLE", "EXAMPLES", "KIND", "ROOT", "TIMEOUT", "Kubectl", "OperatorProcess", "condition", "in_ci",
    "load_example", "new_task", "status_of", "wait_for", "wait_for_phase",
]  # fmt: skip

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = ROOT / "examples"
CRDS = ROOT / "crds"
KIND = "servicetaskstart"
EXAMPLE = "servicetaskstart.yaml"
# Seconds a test waits for the operator to reach a phase.
TIMEOUT = 60.0


def in_ci() -> bool:
    """Tell whether this is a CI run, where a missing control plane fails instead of skipping."""
    return os.environ.get("CI", "").lower() in ("1", "true", "yes")


def load_example(name: str, endpoint: str, **spec_changes: Any) -> dict[str, Any]:
    """Load a manifest from examples/, pointed at the emulator the test started."""
    document: dict[str, Any] = yaml.safe_load((EXAMPLES / name).read_text())
    if document.get("kind") == "ServiceTaskStart":
        document["spec"]["endpoint"] = endpoint
        document["spec"].update(spec_changes)
    return document


def new_task(emulator: EmulatorProcess) -> dict[str, str]:
    """Register a fresh service and task in the emulator, and return the spec's identity fields."""
    project, service = secrets.token_hex(16), str(uuid.uuid4())
    emulator.admin.add_service(project, service)
    task = emulator.admin.add_task(project, service, state="STOPPED")
    return {"projectID": project, "serviceID": service, "taskID": task}


def status_of(kubectl: Kubectl, namespace: str, name: str) -> dict[str, Any]:
    document = kubectl.get(KIND, name, namespace) or {}
    status: dict[str, Any] = document.get("status") or {}
    return status


def wait_for_phase(kubectl: Kubectl, namespace: str, name: str, phase: str) -> dict[str, Any]:
    """Wait until the ServiceTaskStart reaches ``phase``, and return its status."""

    def reached() -> dict[str, Any] | None:
        status = status_of(kubectl, namespace, name)
        return status if status.get("phase") == phase else None

    return wait_for(reached, TIMEOUT, f"{namespace}/{name} to reach phase {phase}")


def condition(status: dict[str, Any], condition_type: str) -> dict[str, Any]:
    return next(item for item in status["conditions"] if item["type"] == condition_type)
