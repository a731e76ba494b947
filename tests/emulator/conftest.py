"""Fixtures of the emulator tests: an in-process emulator on a free loopback port and a signed client."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest
from emulator_support import base_config, signed_client

from modelarts_operator.emulator.app import running_emulator


@pytest.fixture
async def emulator_url() -> AsyncIterator[str]:
    """Serve the base config in process on a free loopback port."""
    async with running_emulator(base_config()) as url:
        yield url


@pytest.fixture
async def client(emulator_url: str) -> AsyncIterator[httpx.AsyncClient]:
    """A signed client for the emulator of ``emulator_url``."""
    async with signed_client(emulator_url) as signed:
        yield signed
