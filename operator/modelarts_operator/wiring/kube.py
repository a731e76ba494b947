"""The few Kubernetes API calls the reconciler makes, with the blocking client in a thread.

kopf does its own watching and bookkeeping. These calls are the operator's own:
a fresh read of the object, Secret reads, and status writes that must land before
a start call is sent, because kopf writes a handler's patch only after it returns.
"""

from __future__ import annotations

import asyncio
import base64
import functools
from typing import Any

import kubernetes
from kubernetes.client.exceptions import ApiException

from modelarts_operator.model import API_GROUP, API_VERSION, PLURAL


class Conflict(Exception):
    """The object changed since it was read: read it again and decide again."""


class NotFound(Exception):
    """The object or Secret does not exist."""


class Forbidden(Exception):
    """The operator's service account may not make this call; its RBAC lacks a rule."""


def load_client_config() -> kubernetes.client.ApiClient:
    """Use the in-cluster service account when there is one, else the kubeconfig."""
    try:
        kubernetes.config.load_incluster_config()  # type: ignore[no-untyped-call]
    except kubernetes.config.ConfigException:
        kubernetes.config.load_kube_config()  # type: ignore[no-untyped-call]
    return kubernetes.client.ApiClient()


class KubeApi:
    """Async wrappers around the blocking ``kubernetes`` client."""

    def __init__(self, api_client: kubernetes.client.ApiClient) -> None:
        self._objects = kubernetes.client.CustomObjectsApi(api_client)
        self._core = kubernetes.client.CoreV1Api(api_client)

    async def get(self, namespace: str, name: str) -> dict[str, Any]:
        """Read the ServiceTaskStart as stored now, status included."""
        get = self._objects.get_namespaced_custom_object
        stored: dict[str, Any] = await _call(get, API_GROUP, API_VERSION, namespace, PLURAL, name)
        return stored

    async def replace_status(
        self, namespace: str, name: str, status: dict[str, Any], resource_version: str | None
    ) -> dict[str, Any]:
        """Replace the whole status; with ``resource_version``, only if the object is unchanged since.

        A JSON patch replaces nested objects whole, so fields of an earlier attempt
        (an old ``httpStatus``, say) never linger the way a merge patch would keep them.
        """
        patch: list[dict[str, Any]] = []
        if resource_version is not None:
            patch.append({"op": "replace", "path": "/metadata/resourceVersion", "value": resource_version})
        patch.append({"op": "add", "path": "/status", "value": status})
        stored: dict[str, Any] = await _call(
            functools.partial(
                self._objects.patch_namespaced_custom_object_status, _content_type="application/json-patch+json"
            ),
            API_GROUP,
            API_VERSION,
            namespace,
            PLURAL,
            name,
            patch,
        )
        return stored

    async def read_secret(self, namespace: str, name: str) -> dict[str, str]:
        """Return the Secret's data, decoded; values are secrets and must not be logged."""
        secret = await _call(self._core.read_namespaced_secret, name, namespace)
        data: dict[str, str] = secret.data or {}
        return {key: base64.b64decode(value).decode("utf-8") for key, value in data.items()}


async def _call(function: Any, *args: Any) -> Any:
    try:
        return await asyncio.to_thread(function, *args)
    except ApiException as error:
        if error.status == 404:
            raise NotFound(str(error.reason)) from None
        if error.status == 409:
            raise Conflict(str(error.reason)) from None
        if error.status == 403:
            raise Forbidden(str(error.reason)) from None
        raise
