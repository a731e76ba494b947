"""Locate kube-apiserver, etcd, kubectl and helm, building them once when none are found.

The order: a folder named by ``KUBEBUILDER_ASSETS`` (the layout envtest users
already have), then the build cache that ``hack/control-plane/build.sh`` fills
from the Go module proxy. The build is only attempted from a source checkout,
where that script exists.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

ASSETS_ENV = "KUBEBUILDER_ASSETS"
BUILD_SCRIPT = Path(__file__).resolve().parents[3] / "hack" / "control-plane" / "build.sh"
REQUIRED = ("kube-apiserver", "etcd", "kubectl")


class BinariesNotFound(RuntimeError):
    """No usable control-plane binaries, and building them failed or was not possible."""


@dataclass(frozen=True)
class Binaries:
    """Paths of the control-plane executables."""

    kube_apiserver: Path
    etcd: Path
    kubectl: Path
    helm: Path | None

    @classmethod
    def from_folder(cls, folder: Path) -> Binaries:
        """Take the binaries from ``folder``; raise ``BinariesNotFound`` naming any that are missing."""
        missing = [name for name in REQUIRED if not os.access(folder / name, os.X_OK)]
        if missing:
            raise BinariesNotFound(
                f"{folder} has no executable {', '.join(missing)}: "
                f"put kube-apiserver, etcd and kubectl there, or unset {ASSETS_ENV} to build them."
            )
        # helm is optional: the one beside the other binaries, else one on PATH.
        helm: Path | None = folder / "helm"
        if not os.access(folder / "helm", os.X_OK):
            on_path = shutil.which("helm")
            helm = Path(on_path) if on_path else None
        return cls(
            kube_apiserver=folder / "kube-apiserver",
            etcd=folder / "etcd",
            kubectl=folder / "kubectl",
            helm=helm,
        )


def find_binaries(build: bool = True) -> Binaries:
    """Return the binaries from ``KUBEBUILDER_ASSETS``, or from the build cache, building when asked."""
    assets = os.environ.get(ASSETS_ENV)
    if assets:
        return Binaries.from_folder(Path(assets))

    if not BUILD_SCRIPT.exists():
        raise BinariesNotFound(
            f"no control-plane binaries: set {ASSETS_ENV} to a folder with kube-apiserver, etcd "
            "and kubectl, or run from a source checkout where hack/control-plane/build.sh exists."
        )
    if not build:
        raise BinariesNotFound(f"binaries are not built yet: run {BUILD_SCRIPT} or set {ASSETS_ENV}.")

    # build.sh prints its progress on stderr (passed through) and the folder on its last stdout line.
    result = subprocess.run(["bash", str(BUILD_SCRIPT)], stdout=subprocess.PIPE, text=True, check=False)
    if result.returncode != 0:
        raise BinariesNotFound(
            f"building the control plane failed (exit code {result.returncode}); "
            f"see the messages above, or set {ASSETS_ENV} to a folder of prebuilt binaries."
        )
    return Binaries.from_folder(Path(result.stdout.strip().splitlines()[-1]))
