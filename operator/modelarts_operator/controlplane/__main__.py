"""Command line of the local control plane: ``python -m modelarts_operator.controlplane``."""

from modelarts_operator.controlplane.cli import main

raise SystemExit(main())
