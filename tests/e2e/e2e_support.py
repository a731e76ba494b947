"""Helpers for the e2e tier: the package's control-plane harness, plus examples pointed at the emulator."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import yaml

from modelarts_operator.controlplane.harness import Kubectl, OperatorProcess, wait_for

__all__ = ["CRDS", "EXAMPLES", "ROOT", "Kubectl", "OperatorProcess", "in_ci", "load_example", "wait_for"]

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = ROOT / "examples"
CRDS = ROOT / "crds"


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
