"""The ``modelarts-operator`` command: run the operator, the emulator, the demo or a control plane."""

from __future__ import annotations

import argparse
import asyncio
import logging
import sys

from modelarts_operator import __version__


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="modelarts-operator",
        description="Start ModelArts edge service tasks from ServiceTaskStart resources.",
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    commands = parser.add_subparsers(dest="command", required=True)

    run = commands.add_parser(
        "run",
        help="run the operator against the cluster of the kubeconfig or service account",
        description="Run the operator until SIGINT or SIGTERM. It logs in with the in-cluster service account, "
        "or else with the kubeconfig ($KUBECONFIG or ~/.kube/config).",
    )
    scope = run.add_mutually_exclusive_group()
    scope.add_argument(
        "-n", "--namespace", action="append", default=[], metavar="NS",
        help="watch this namespace (repeatable; glob patterns allowed); the default is all namespaces",
    )  # fmt: skip
    scope.add_argument("-A", "--all-namespaces", action="store_true", help="watch all namespaces (the default)")
    run.add_argument(
        "--liveness-endpoint", metavar="URL",
        help="serve a liveness probe, for example http://0.0.0.0:8080/healthz",
    )  # fmt: skip
    run.add_argument(
        "--log-format", choices=["plain", "full", "json"], default="full", help="log line format (default: full)"
    )
    run.add_argument(
        "--log-level",
        choices=["debug", "info", "warning", "error"],
        default="info",
        help="lowest level logged (default: info)",
    )
    run.add_argument(
        "--credentials-retry-seconds", type=float, default=30.0, metavar="S",
        help="how often to check again for a missing credentials Secret or key, in seconds (default: 30)",
    )  # fmt: skip
    run.add_argument(
        "--peering", metavar="NAME",
        help="coordinate replicas through this KopfPeering (needs kopf's peering CRDs); default: standalone",
    )  # fmt: skip
    run.add_argument(
        "--priority", type=int, default=0, help="peering priority; give every replica a distinct one (default: 0)"
    )

    commands.add_parser("emulator", help="serve the ModelArts service-task API emulator on loopback", add_help=False)
    commands.add_parser("control-plane", help="build or start a local kube-apiserver and etcd", add_help=False)

    demo = commands.add_parser(
        "demo",
        help="run the operator end to end on a local control plane and emulator",
        description="Start a local kube-apiserver with etcd and the ModelArts emulator on 127.0.0.1, install the "
        "CRD, run the operator, apply examples/ and print the result, then remove everything.",
    )
    demo.add_argument("--keep", action="store_true", help="keep everything running until Ctrl-C")
    return parser


def main(argv: list[str] | None = None) -> int:
    arguments = sys.argv[1:] if argv is None else argv

    # The emulator and control plane have parsers of their own; pass their arguments through.
    if arguments[:1] == ["emulator"]:
        from modelarts_operator.emulator.cli import run_emulator

        return run_emulator(arguments[1:], prog="modelarts-operator emulator")
    if arguments[:1] == ["control-plane"]:
        from modelarts_operator.controlplane.cli import main as control_plane_main

        return control_plane_main(arguments[1:], prog="modelarts-operator control-plane")

    args = build_parser().parse_args(arguments)
    if args.command == "run":
        return run_operator(args)
    from modelarts_operator.demo import run_demo

    return run_demo(keep=args.keep)


class _WaitIsNotAnError(logging.Filter):
    """Log kopf's report of a scheduled wait at INFO: the handler raised TemporaryError only to be called later."""

    def filter(self, record: logging.LogRecord) -> bool:
        if record.levelno == logging.ERROR and "failed temporarily: waiting" in record.getMessage():
            record.levelno, record.levelname = logging.INFO, "INFO"
        return True


def run_operator(args: argparse.Namespace) -> int:
    """Run kopf with the operator's handlers until SIGINT or SIGTERM."""
    import kopf

    from modelarts_operator.wiring.handlers import OperatorOptions, registry
    from modelarts_operator.wiring.reconciler import ReconcileSettings

    level = getattr(logging, args.log_level.upper())
    log_format = {"plain": kopf.LogFormat.PLAIN, "full": kopf.LogFormat.FULL, "json": kopf.LogFormat.JSON}
    kopf.configure(log_format=log_format[args.log_format], verbose=level <= logging.INFO, debug=level <= logging.DEBUG)
    logging.getLogger().setLevel(level)
    # httpx logs every request at INFO, and the reconciler's own line per start call tells more.
    logging.getLogger("httpx").setLevel(max(level, logging.WARNING))
    logging.getLogger("kopf.objects").addFilter(_WaitIsNotAnError())

    options = OperatorOptions(ReconcileSettings(credentials_retry_seconds=args.credentials_retry_seconds))
    asyncio.run(
        kopf.operator(
            registry=registry,
            clusterwide=not args.namespace,
            namespaces=args.namespace,
            liveness_endpoint=args.liveness_endpoint,
            standalone=args.peering is None,
            peering_name=args.peering,
            priority=args.priority,
            memo=kopf.Memo(options=options),
        )
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
