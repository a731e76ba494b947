"""ID shapes of the ModelArts API, and generators for new task and request IDs.

The patterns are the ones the API reference prints in its 400 messages, so error
bodies quote them verbatim.
"""

from __future__ import annotations

import re
import uuid

HEX32_PATTERN = "^[0-9a-f]{32}$"
UUID_PATTERN = "^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$"

# Pattern that each path parameter must match.
ID_PATTERNS: dict[str, str] = {
    "project_id": HEX32_PATTERN,
    "service_id": UUID_PATTERN,
    "task_id": HEX32_PATTERN,
}

# Compiled without the anchors and used with fullmatch: ``$`` would also accept a trailing newline.
_COMPILED = {name: re.compile(pattern.strip("^$")) for name, pattern in ID_PATTERNS.items()}


def id_matches(parameter: str, value: str) -> bool:
    """Tell whether ``value`` has the shape that the path parameter ``parameter`` requires."""
    return _COMPILED[parameter].fullmatch(value) is not None


def new_task_id() -> str:
    """Generate a task ID in the API's shape: 32 lowercase hex characters."""
    return uuid.uuid4().hex


def new_request_id() -> str:
    """Generate an ``X-Request-Id`` value: 32 lowercase hex characters, fresh per request."""
    return uuid.uuid4().hex
