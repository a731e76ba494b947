"""A local ModelArts service-task API, so the operator, its tests, the demo and benchmarks need no cloud.

The emulator is an aiohttp server that serves the "Service Task Management" paths
under ``/v1/{project_id}/services/{service_id}`` the way the Open Telekom Cloud and
Huawei Cloud gateway does: AK/SK or token authentication with lockout, per-operation
throttling, documented error bodies, and tasks that start and stop asynchronously.
An unauthenticated control API under ``/_emulator/`` seeds services and tasks,
injects faults and reports every call, for tests and the demo.

Modules: ``ids`` and ``errors`` (shapes of IDs and error bodies), ``config`` (start-up
settings and seed files), ``state``, ``auth``, ``faults``, ``throttle`` and ``calls``
(one concern each), ``runtime`` (the state of one running emulator), ``gateway`` (the
per-request pipeline), ``api`` and ``admin_routes`` (the handlers), ``app`` (assembly),
and ``cli``, ``process`` and ``admin`` (ways to run and drive it).
"""
