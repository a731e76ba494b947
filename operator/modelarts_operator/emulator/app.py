"""Assembly of the emulator's aiohttp application, and an in-process runner for async tests."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from aiohttp import web

from modelarts_operator.emulator.admin_routes import add_admin_routes
from modelarts_operator.emulator.api import add_api_routes
from modelarts_operator.emulator.config import EmulatorConfig
from modelarts_operator.emulator.gateway import request_id_middleware
from modelarts_operator.emulator.runtime import EMULATOR_KEY, build_emulator

log = logging.getLogger(__name__)


def create_app(config: EmulatorConfig) -> web.Application:
    """Build the application with the API and control routes. Raise ValueError for invalid seed data."""
    app = web.Application(middlewares=[request_id_middleware])
    app[EMULATOR_KEY] = build_emulator(config)
    add_api_routes(app)
    add_admin_routes(app)
    return app


def listening_url(host: str, port: int) -> str:
    """Format the base URL of a listening socket, with brackets for an IPv6 host."""
    url_host = f"[{host}]" if ":" in host else host
    return f"http://{url_host}:{port}"


@asynccontextmanager
async def running_emulator(config: EmulatorConfig) -> AsyncIterator[str]:
    """Serve an emulator on 127.0.0.1 on a free port for the duration of the block, and yield its URL."""
    runner = web.AppRunner(create_app(config), access_log=None)
    await runner.setup()
    try:
        site = web.TCPSite(runner, "127.0.0.1", 0)
        await site.start()
        host, port = runner.addresses[0][:2]
        yield listening_url(host, port)
    finally:
        await runner.cleanup()
