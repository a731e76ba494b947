"""The local control plane is a real Kubernetes API: schemas, CEL, watches, RBAC and server-side dry runs."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import uuid
from pathlib import Path
from typing import Any

import kubernetes
import pytest
import yaml
from e2e_support import ROOT, Kubectl, wait_for

from modelarts_operator.controlplane import ControlPlane

WIDGET_CRD = {
    "apiVersion": "apiextensions.k8s.io/v1",
    "kind": "CustomResourceDefinition",
    "metadata": {"name": "widgets.probe.example.com"},
    "spec": {
        "group": "probe.example.com",
        "scope": "Namespaced",
        "names": {"kind": "Widget", "plural": "widgets", "singular": "widget"},
        "versions": [
            {
                "name": "v1",
                "served": True,
                "storage": True,
                "schema": {
                    "openAPIV3Schema": {
                        "type": "object",
                        "properties": {
                            "spec": {
                                "type": "object",
                                "properties": {
                                    "code": {"type": "string", "pattern": "^[a-z]{3}$"},
                                    "size": {
                                        "type": "integer",
                                        "x-kubernetes-validations": [
                                            {"rule": "self >= oldSelf", "message": "size may only grow"}
                                        ],
                                    },
                                },
                            }
                        },
                    }
                },
            }
        ],
    },
}


def widget(name: str, code: str, size: int) -> dict[str, Any]:
    return {"apiVersion": "probe.example.com/v1", "kind": "Widget", "metadata": {"name": name},
            "spec": {"code": code, "size": size}}  # fmt: skip


@pytest.fixture(scope="module")
def widget_crd(kubectl: Kubectl) -> None:
    kubectl.run("apply", "-f", "-", stdin=yaml.safe_dump(WIDGET_CRD))
    kubectl.run("wait", "--for=condition=Established", "crd/widgets.probe.example.com", "--timeout=60s")
    wait_for(lambda: kubectl.run("get", "widgets", "-A", check=False).returncode == 0, 30, "widget discovery")


@pytest.fixture
def scratch_namespace(kubectl: Kubectl) -> str:
    name = f"plane-{uuid.uuid4().hex[:8]}"
    kubectl.run("create", "namespace", name)
    return name


def test_server_reports_pinned_release(kubectl: Kubectl) -> None:
    version = yaml.safe_load(kubectl.run("version", "-o", "yaml").stdout)
    assert version["serverVersion"]["gitVersion"].startswith("v1.")
    assert "master" not in version["serverVersion"]["gitVersion"]
    assert version["clientVersion"]["gitVersion"] == version["serverVersion"]["gitVersion"]


@pytest.mark.usefixtures("widget_crd")
def test_crd_pattern_rejects_resource(kubectl: Kubectl, scratch_namespace: str) -> None:
    result = kubectl.apply(widget("bad", "TOOLONG", 1), scratch_namespace, check=False)
    assert result.returncode != 0
    assert "spec.code" in result.stderr


@pytest.mark.usefixtures("widget_crd")
def test_cel_transition_rule_rejects_update(kubectl: Kubectl, scratch_namespace: str) -> None:
    kubectl.apply(widget("w", "abc", 5), scratch_namespace)

    grown = kubectl.apply(widget("w", "abc", 6), scratch_namespace, check=False)
    shrunk = kubectl.apply(widget("w", "abc", 2), scratch_namespace, check=False)

    assert grown.returncode == 0
    assert shrunk.returncode != 0
    assert "size may only grow" in shrunk.stderr


def test_watch_sees_events_in_order(control_plane: ControlPlane, kubectl: Kubectl, scratch_namespace: str) -> None:
    client = kubernetes.config.new_client_from_config(config_file=str(control_plane.kubeconfig))
    core = kubernetes.client.CoreV1Api(client)
    seen: list[tuple[str, str]] = []
    # Watching from the list's resourceVersion delivers every later change, however late the watch connects.
    start = core.list_namespaced_config_map(scratch_namespace).metadata.resource_version

    def watch() -> None:
        stream = kubernetes.watch.Watch()
        for event in stream.stream(
            core.list_namespaced_config_map, scratch_namespace, resource_version=start, timeout_seconds=30
        ):
            data = event["object"].data or {}
            seen.append((event["type"], data.get("step", "")))
            if event["type"] == "DELETED":
                stream.stop()

    thread = threading.Thread(target=watch, daemon=True)
    thread.start()
    kubectl.run("-n", scratch_namespace, "create", "configmap", "probe", "--from-literal=step=created")
    kubectl.run("-n", scratch_namespace, "patch", "configmap", "probe", "-p", '{"data": {"step": "updated"}}')
    kubectl.run("-n", scratch_namespace, "delete", "configmap", "probe")
    thread.join(timeout=30)

    assert [kind for kind, _ in seen] == ["ADDED", "MODIFIED", "DELETED"]
    assert [step for _, step in seen] == ["created", "updated", "updated"]


def test_auth_can_i_follows_role_binding(kubectl: Kubectl, scratch_namespace: str) -> None:
    subject = f"system:serviceaccount:{scratch_namespace}:reader"
    before = kubectl.run("-n", scratch_namespace, "auth", "can-i", "list", "configmaps", f"--as={subject}", check=False)

    kubectl.run("-n", scratch_namespace, "create", "serviceaccount", "reader")
    kubectl.run(
        "-n", scratch_namespace, "create", "role", "read-configmaps", "--verb=get,list", "--resource=configmaps"
    )
    kubectl.run("-n", scratch_namespace, "create", "rolebinding", "reader", "--role=read-configmaps",
                f"--serviceaccount={scratch_namespace}:reader")  # fmt: skip
    listing = kubectl.run(
        "-n", scratch_namespace, "auth", "can-i", "list", "configmaps", f"--as={subject}", check=False
    )
    deleting = kubectl.run(
        "-n", scratch_namespace, "auth", "can-i", "delete", "configmaps", f"--as={subject}", check=False
    )

    assert before.stdout.strip() == "no"
    assert listing.stdout.strip() == "yes"
    assert deleting.stdout.strip() == "no"


def helm_template(control_plane: ControlPlane, namespace: str) -> str:
    helm = control_plane.binaries.helm
    if helm is None:
        pytest.fail("helm is missing: the control-plane build puts it beside kubectl")
    chart = ROOT / "deploy" / "helm" / "modelarts-operator"
    result = subprocess.run([str(helm), "template", "modelarts", str(chart), "--namespace", namespace],
                            capture_output=True, text=True, check=True, timeout=60)  # fmt: skip
    return result.stdout


@pytest.mark.usefixtures("crd")
def test_helm_chart_server_dry_run(control_plane: ControlPlane, kubectl: Kubectl, scratch_namespace: str) -> None:
    rendered = helm_template(control_plane, scratch_namespace)
    kinds = {document["kind"] for document in yaml.safe_load_all(rendered) if document}

    result = kubectl.run("apply", "--dry-run=server", "-f", "-", stdin=rendered)

    assert {"Deployment", "ServiceAccount", "ClusterRole", "ClusterRoleBinding"} <= kinds
    assert "(server dry run)" in result.stdout


@pytest.mark.usefixtures("crd")
def test_chart_rbac_covers_operator(kubectl: Kubectl, scratch_namespace: str, control_plane: ControlPlane) -> None:
    rendered = helm_template(control_plane, scratch_namespace)
    kubectl.run("apply", "-f", "-", stdin=rendered.replace("name: modelarts\n", f"name: {scratch_namespace}\n"))
    subject = f"--as=system:serviceaccount:{scratch_namespace}:{scratch_namespace}"
    needed = [
        ("watch", "servicetaskstarts.modelarts.operators.dev"),
        ("patch", "servicetaskstarts.modelarts.operators.dev"),
        ("patch", "servicetaskstarts.modelarts.operators.dev/status"),
        ("get", "secrets"),
        ("create", "events"),
        ("list", "customresourcedefinitions.apiextensions.k8s.io"),
    ]
    for verb, resource in needed:
        answer = kubectl.run("-n", "default", "auth", "can-i", verb, resource, subject, check=False)
        assert answer.stdout.strip() == "yes", f"the chart's RBAC does not allow {verb} {resource}"
    assert (
        kubectl.run("-n", "default", "auth", "can-i", "delete", "secrets", subject, check=False).stdout.strip() == "no"
    )


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    # A zombie that its parent has not reaped yet is gone for every practical purpose.
    stat = Path(f"/proc/{pid}/stat")
    return stat.exists() and stat.read_text().split()[2] != "Z"


def test_exit_leaves_nothing_behind(control_plane: ControlPlane) -> None:
    with ControlPlane(control_plane.binaries) as plane:
        pids = [process.pid for _, process, _ in plane._processes]
        folder = plane.folder
        assert all(_alive(pid) for pid in pids)

    assert not any(_alive(pid) for pid in pids)
    assert not folder.exists()


def test_cli_ctrl_c_cleans_up(control_plane: ControlPlane) -> None:
    environment = {**os.environ, "KUBEBUILDER_ASSETS": str(control_plane.binaries.kube_apiserver.parent)}
    command = [sys.executable, "-m", "modelarts_operator.controlplane", "start"]
    process = subprocess.Popen(command, stdout=subprocess.PIPE, text=True, env=environment)
    assert process.stdout is not None
    lines = []
    for line in process.stdout:
        lines.append(line)
        if line.startswith("kubeconfig: "):
            break
    kubeconfig = Path(lines[-1].removeprefix("kubeconfig: ").strip())
    assert kubeconfig.exists()

    process.send_signal(signal.SIGINT)
    remaining, _ = process.communicate(timeout=60)

    assert process.returncode == 0
    assert "stopped" in remaining
    assert not kubeconfig.parent.exists()


def test_killed_owner_leaves_nothing(control_plane: ControlPlane) -> None:
    environment = {**os.environ, "KUBEBUILDER_ASSETS": str(control_plane.binaries.kube_apiserver.parent)}
    command = [sys.executable, "-m", "modelarts_operator.controlplane", "start"]
    owner = subprocess.Popen(command, stdout=subprocess.PIPE, text=True, env=environment)
    assert owner.stdout is not None
    folder = None
    for line in owner.stdout:
        if line.startswith("kubeconfig: "):
            folder = Path(line.removeprefix("kubeconfig: ").strip()).parent
            break
    assert folder is not None
    children = [int(pid) for pid in Path(f"/proc/{owner.pid}/task/{owner.pid}/children").read_text().split()]
    assert len(children) == 2

    owner.kill()
    owner.wait(timeout=10)
    wait_for(lambda: not any(_alive(pid) for pid in children), 30, "etcd and kube-apiserver to die with their owner")
    with ControlPlane(control_plane.binaries):
        assert not folder.exists()
