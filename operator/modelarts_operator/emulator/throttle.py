"""Per-operation throttling, as the API gateway's request limit per second."""

from __future__ import annotations

import time
from collections import defaultdict, deque
from collections.abc import Callable

WINDOW_SECONDS = 1.0


class Throttle:
    """A sliding one-second window of accepted calls for each operation."""

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self._clock = clock
        self._accepted: defaultdict[str, deque[float]] = defaultdict(deque)

    def clear(self) -> None:
        """Forget every accepted call."""
        self._accepted.clear()

    def admit(self, operation: str, limit: int) -> bool:
        """Record a call and return True, or return False if ``limit`` calls already came within a second."""
        now = self._clock()
        window = self._accepted[operation]
        while window and now - window[0] >= WINDOW_SECONDS:
            window.popleft()

        if len(window) >= limit:
            return False
        window.append(now)
        return True
