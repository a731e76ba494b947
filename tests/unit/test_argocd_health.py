"""The Argo CD health check in deploy/argocd, run in a real Lua interpreter (lupa)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml
from lupa import LuaRuntime

ARGOCD = Path(__file__).resolve().parents[2] / "deploy" / "argocd"
HEALTH_LUA = (ARGOCD / "health.lua").read_text()


def run_health_check(resource: dict[str, Any]) -> tuple[str, str]:
    """Run the script as Argo CD does: the resource is the global ``obj``, the result a table."""
    lua = LuaRuntime(unpack_returned_tuples=True)

    def to_lua(value: Any) -> Any:
        if isinstance(value, dict):
            return lua.table_from({key: to_lua(item) for key, item in value.items()})
        if isinstance(value, list):
            return lua.table_from([to_lua(item) for item in value])
        return value

    check = lua.execute("return function(obj) " + HEALTH_LUA + " end")
    result = check(to_lua(resource))
    return str(result["status"]), str(result["message"])


def resource(phase: str | None, message: str = "") -> dict[str, Any]:
    if phase is None:
        return {"spec": {}}
    return {"status": {"phase": phase, "conditions": [{"type": "Ready", "status": "True", "message": message}]}}


@pytest.mark.parametrize(
    ("phase", "expected"),
    [
        (None, "Progressing"),
        ("Pending", "Progressing"),
        ("Starting", "Progressing"),
        ("Retrying", "Progressing"),
        ("Accepted", "Healthy"),
        ("Failed", "Degraded"),
    ],
)
def test_health_status_by_phase(phase: str | None, expected: str) -> None:
    status, _ = run_health_check(resource(phase, "from Ready"))
    assert status == expected


def test_health_message_from_ready() -> None:
    _, message = run_health_check(resource("Failed", "ModelArts rejected the start"))
    assert message == "ModelArts rejected the start"


def test_configmap_patch_matches_script() -> None:
    patch = yaml.safe_load((ARGOCD / "argocd-cm-patch.yaml").read_text())
    embedded = patch["data"]["resource.customizations.health.modelarts.operators.dev_ServiceTaskStart"]
    assert embedded.strip() == HEALTH_LUA.strip()
