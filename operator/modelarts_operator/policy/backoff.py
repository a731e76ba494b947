"""Exponential backoff with jitter between start attempts."""

from __future__ import annotations

from modelarts_operator.model import RetryPolicy


def backoff_seconds(policy: RetryPolicy, failed_attempts: int, jitter: float) -> float:
    """Return the delay after ``failed_attempts`` failures, given ``jitter`` in [0, 1).

    The delay doubles with each failure from ``initialBackoffSeconds`` up to
    ``maxBackoffSeconds``. Half of it is fixed and half is random ("equal jitter"),
    so retries of many resources spread out, yet none comes back almost at once.
    """
    if not 0.0 <= jitter < 1.0:
        raise ValueError(f"jitter must be in [0, 1), got {jitter}")
    exponent = max(failed_attempts - 1, 0)
    capped = min(policy.max_backoff_seconds, policy.initial_backoff_seconds * 2.0 ** min(exponent, 32))
    return capped / 2.0 + jitter * capped / 2.0
