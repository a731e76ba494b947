"""Kubernetes operator that starts ModelArts edge service tasks from ServiceTaskStart resources.

The package is laid out by role, and imports flow one way:

- ``model``: the ServiceTaskStart spec and status as typed values.
- ``cloud``: the ModelArts client (AK/SK signing, endpoints, error parsing, outcome classification).
- ``policy``: pure reconcile decisions, from spec, status and an outcome to the next status and action.
- ``wiring``: thin kopf handlers that read Kubernetes, call the cloud client and write status.
- ``emulator``: a local ModelArts service-task API for tests, demos and benchmarks.
- ``controlplane``: a real kube-apiserver and etcd on loopback for tests and the demo.
"""

__version__ = "0.1.0"
