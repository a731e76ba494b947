"""Pure reconcile decisions: from spec, status and an outcome to the next status and action.

Nothing here does I/O or reads the clock; callers pass ``now`` and a jitter value,
so every decision is a row in a table test.
"""
