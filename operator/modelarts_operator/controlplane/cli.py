"""Command line: build the binaries, or run a control plane until Ctrl-C."""

from __future__ import annotations

import argparse
import signal
import sys
import threading
import time

from modelarts_operator.controlplane.binaries import BinariesNotFound, find_binaries
from modelarts_operator.controlplane.server import ControlPlane, ControlPlaneError


def build_parser(prog: str | None = None) -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog=prog, description="A local kube-apiserver and etcd on loopback.")
    commands = parser.add_subparsers(dest="command", required=True)
    commands.add_parser(
        "build",
        help="find or build kube-apiserver, etcd, kubectl and helm; print their folder",
        description="Print the folder of the binaries: KUBEBUILDER_ASSETS, or the build cache, building it first.",
    )
    commands.add_parser(
        "start",
        help="start etcd and kube-apiserver, print the kubeconfig path, run until Ctrl-C",
        description="Start etcd and kube-apiserver on free loopback ports and print the kubeconfig and kubectl "
        "paths. Ctrl-C stops both and removes their temporary folder.",
    )
    return parser


def main(argv: list[str] | None = None, prog: str | None = None) -> int:
    args = build_parser(prog).parse_args(argv)
    try:
        binaries = find_binaries()
        if args.command == "build":
            print(binaries.kube_apiserver.parent)
            return 0
        return _serve(ControlPlane(binaries))
    except (BinariesNotFound, ControlPlaneError) as error:
        print(f"control plane: {error}", file=sys.stderr)
        return 1


def _serve(plane: ControlPlane) -> int:
    stopping = threading.Event()
    for signum in (signal.SIGINT, signal.SIGTERM):
        signal.signal(signum, lambda *_: stopping.set())

    started = time.monotonic()
    with plane:
        print(f"kube-apiserver ready at {plane.url} after {time.monotonic() - started:.1f} s", flush=True)
        print(f"kubeconfig: {plane.kubeconfig}", flush=True)
        print(f"kubectl: {plane.binaries.kubectl}", flush=True)
        print(f"export KUBECONFIG={plane.kubeconfig}", flush=True)
        stopping.wait()
    print("control plane stopped and its folder removed", flush=True)
    return 0
