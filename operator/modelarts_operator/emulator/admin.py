"""Synchronous client of the emulator's control API (``/_emulator/``), for tests, the demo and benchmarks.

It refuses any base URL whose host is not a loopback address, so it cannot be aimed
at a real ModelArts endpoint by mistake.
"""

from __future__ import annotations

import ipaddress
from types import TracebackType
from typing import Any

import httpx

PREFIX = "/_emulator"


class EmulatorAdminError(RuntimeError):
    """A control API call that returned an error status."""


def require_loopback(base_url: str) -> httpx.URL:
    """Parse ``base_url`` and raise ValueError unless its host is ``localhost`` or a loopback IP."""
    url = httpx.URL(base_url)
    host = url.host
    if host == "localhost":
        return url
    try:
        loopback = ipaddress.ip_address(host).is_loopback
    except ValueError:
        loopback = False
    if not loopback:
        raise ValueError(
            f"emulator URL {base_url!r} has host {host!r}, which is not a loopback address. "
            "the admin client only talks to an emulator on 127.0.0.1, ::1 or localhost"
        )
    return url


class EmulatorAdmin:
    """Seed services and tasks, inject faults, change settings and read the call log of one emulator."""

    def __init__(self, base_url: str, timeout: float = 10.0) -> None:
        url = require_loopback(base_url)
        # trust_env=False: a proxy from the environment must not carry loopback traffic elsewhere.
        self._client = httpx.Client(base_url=url, timeout=timeout, trust_env=False)

    def __repr__(self) -> str:
        return f"EmulatorAdmin({str(self._client.base_url)!r})"

    def __enter__(self) -> EmulatorAdmin:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()

    def close(self) -> None:
        """Close the HTTP connection pool."""
        self._client.close()

    def _call(self, method: str, path: str, **kwargs: Any) -> Any:
        response = self._client.request(method, PREFIX + path, **kwargs)
        if response.is_error:
            raise EmulatorAdminError(
                f"{method} {PREFIX}{path} failed with HTTP {response.status_code}: {response.text}"
            )
        return response.json()

    def health(self) -> None:
        """Raise unless the emulator's health check returns success."""
        self._call("GET", "/health")

    def add_service(self, project_id: str, service_id: str, status: str = "running") -> dict[str, Any]:
        """Add a service, or set the status of an existing one."""
        body = {"project_id": project_id, "service_id": service_id, "status": status}
        result: dict[str, Any] = self._call("POST", "/services", json=body)
        return result

    def add_task(
        self,
        project_id: str,
        service_id: str,
        task_id: str | None = None,
        state: str = "STOPPED",
        name: str | None = None,
    ) -> str:
        """Add a task (or replace one with the same ID) under an existing service. Return its ID."""
        body = {"project_id": project_id, "service_id": service_id, "task_id": task_id, "state": state, "name": name}
        return str(self._call("POST", "/tasks", json=body)["id"])

    def task_state(self, project_id: str, service_id: str, task_id: str) -> str:
        """Return the current state of a task, pending transitions applied."""
        params = {"project_id": project_id, "service_id": service_id}
        return str(self._call("GET", f"/tasks/{task_id}", params=params)["state"])

    def set_faults(self, rules: list[dict[str, Any]]) -> None:
        """Replace the fault rules."""
        self._call("PUT", "/faults", json=rules)

    def clear_faults(self) -> None:
        """Remove every fault rule."""
        self._call("DELETE", "/faults")

    def faults(self) -> list[dict[str, Any]]:
        """Return the fault rules with the ``times`` each has left."""
        rules: list[dict[str, Any]] = self._call("GET", "/faults")["faults"]
        return rules

    def calls(self) -> list[dict[str, Any]]:
        """Return every API call so far, oldest first."""
        calls: list[dict[str, Any]] = self._call("GET", "/calls")["calls"]
        return calls

    def count(self, operation: str, task_id: str | None = None) -> int:
        """Return how many calls of ``operation`` reached the emulator, for one task or for all."""
        counts: dict[str, int] = self._call("GET", "/calls")["counts"].get(operation, {})
        if task_id is None:
            return sum(counts.values())
        return counts.get(task_id, 0)

    def settings(self, **changes: Any) -> dict[str, Any]:
        """Change the named settings and return all of them. With no arguments, only read them.

        The settings are ``qps_limit``, ``start_delay_seconds`` and ``lockout_seconds``.
        """
        if not changes:
            current: dict[str, Any] = self._call("GET", "/settings")
            return current
        updated: dict[str, Any] = self._call("PUT", "/settings", json=changes)
        return updated

    def reset(self) -> None:
        """Clear tasks, services, calls, faults and lockouts, but keep credentials and settings."""
        self._call("POST", "/reset")
