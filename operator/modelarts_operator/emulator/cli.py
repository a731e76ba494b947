"""Command line of the emulator: ``python -m modelarts_operator.emulator`` and ``modelarts-operator emulator``.

Once the socket is bound it prints one line, ``modelarts emulator listening on
http://HOST:PORT``, so a parent process (``EmulatorProcess``) can read the port
that ``--port 0`` picked. Logs go to stderr.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import signal
import sys
from dataclasses import replace
from pathlib import Path

from aiohttp import web
from pydantic import ValidationError

from modelarts_operator.emulator.app import create_app, listening_url
from modelarts_operator.emulator.config import EmulatorConfig, describe_validation_error, load_seed, parse_credential
from modelarts_operator.emulator.faults import parse_rules

log = logging.getLogger(__name__)

DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 8480
READY_PREFIX = "modelarts emulator listening on "


def build_parser(prog: str | None = None) -> argparse.ArgumentParser:
    """Build the argument parser. ``prog`` names the command in help and errors."""
    parser = argparse.ArgumentParser(prog=prog, description="Serve the ModelArts service-task API emulator.")

    parser.add_argument("--host", default=DEFAULT_HOST, help=f"address to listen on (default {DEFAULT_HOST})")
    parser.add_argument(
        "--port", type=int, default=DEFAULT_PORT, help=f"TCP port, or 0 for a free one (default {DEFAULT_PORT})"
    )

    parser.add_argument(
        "--credentials",
        action="append",
        default=[],
        metavar="AK:SK[:TOKEN]",
        help="accepted AK/SK pair, temporary credentials with that security token if TOKEN is given (repeatable)",
    )
    parser.add_argument(
        "--token", action="append", default=[], metavar="TOKEN", help="accepted X-Auth-Token (repeatable)"
    )
    parser.add_argument(
        "--seed",
        type=Path,
        metavar="FILE",
        help="JSON or YAML file with credentials, tokens, services, tasks, faults and settings",
    )

    parser.add_argument(
        "--start-delay",
        type=float,
        metavar="SECONDS",
        help="seconds a task stays STARTING, STOPPING or DELETING (default 2)",
    )
    parser.add_argument(
        "--qps-limit", type=int, metavar="N", help="maximum calls per second of each operation (default: no limit)"
    )
    parser.add_argument(
        "--lockout-seconds",
        type=float,
        metavar="S",
        help="how long an access key stays locked after more than five failed authentications (default 300)",
    )

    parser.add_argument(
        "--fault", action="append", default=[], metavar="JSON", help="fault rule as a JSON object or list (repeatable)"
    )
    return parser


def build_config(args: argparse.Namespace) -> EmulatorConfig:
    """Combine the seed file and the options, which override the seed's settings. Raise ValueError if invalid."""
    config = EmulatorConfig() if args.seed is None else load_seed(args.seed)

    # Parsed here, not by argparse, whose errors would print the whole value, secret key included.
    credentials = [parse_credential(value) for value in args.credentials]
    faults = []
    for text in args.fault:
        try:
            faults.extend(parse_rules(json.loads(text)))
        except json.JSONDecodeError as error:
            raise ValueError(f"--fault {text!r} is not valid JSON: {error.msg}") from None
        except ValidationError as error:
            raise ValueError(f"--fault {text!r} is not a valid rule: {describe_validation_error(error)}") from None

    config = replace(
        config,
        credentials=(*config.credentials, *credentials),
        tokens=(*config.tokens, *args.token),
        faults=(*config.faults, *faults),
    )
    if args.start_delay is not None:
        config = replace(config, start_delay_seconds=args.start_delay)
    if args.qps_limit is not None:
        config = replace(config, qps_limit=args.qps_limit)
    if args.lockout_seconds is not None:
        config = replace(config, lockout_seconds=args.lockout_seconds)

    try:
        config.settings()
    except ValidationError as error:
        raise ValueError(f"invalid settings: {describe_validation_error(error)}") from None
    return config


async def serve(config: EmulatorConfig, host: str, port: int) -> None:
    """Serve until SIGINT or SIGTERM, and print the ready line once the socket is bound."""
    runner = web.AppRunner(create_app(config), access_log=None)
    await runner.setup()
    try:
        await web.TCPSite(runner, host, port).start()
        bound_host, bound_port = runner.addresses[0][:2]
        url = listening_url(bound_host, bound_port)
        log.info(
            "emulator started on %s with access keys %s",
            url,
            [credential.access_key for credential in config.credentials],
        )
        print(f"{READY_PREFIX}{url}", flush=True)

        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for signum in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(signum, stop.set)
        await stop.wait()
        log.info("emulator stopping on signal")
    finally:
        await runner.cleanup()


def run_emulator(argv: list[str], prog: str | None = None) -> int:
    """Parse ``argv`` and serve until SIGINT or SIGTERM. Return the exit status."""
    parser = build_parser(prog)
    args = parser.parse_args(argv)
    if not logging.getLogger().handlers:
        logging.basicConfig(
            level=logging.INFO, stream=sys.stderr, format="%(asctime)s %(levelname)s %(name)s: %(message)s"
        )

    try:
        config = build_config(args)
        asyncio.run(serve(config, args.host, args.port))
    except ValueError as error:
        print(f"{parser.prog}: error: {error}", file=sys.stderr)
        return 2
    except OSError as error:
        print(f"{parser.prog}: error: cannot listen on {args.host}:{args.port}: {error.strerror}", file=sys.stderr)
        return 1
    return 0
