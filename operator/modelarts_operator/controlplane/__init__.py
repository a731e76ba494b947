"""A real kube-apiserver with etcd on loopback, for tests, the demo and benchmarks.

``binaries`` finds or builds kube-apiserver, etcd, kubectl and helm; ``server``
starts and stops them. Nothing here is used by the operator at run time.
"""

from modelarts_operator.controlplane.binaries import Binaries, BinariesNotFound, find_binaries
from modelarts_operator.controlplane.server import ControlPlane, ControlPlaneError

__all__ = ["Binaries", "BinariesNotFound", "ControlPlane", "ControlPlaneError", "find_binaries"]
