"""``python -m modelarts_operator`` runs the ``modelarts-operator`` command."""

from modelarts_operator.cli import main

raise SystemExit(main())
