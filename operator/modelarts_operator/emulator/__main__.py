"""Entry point for ``python -m modelarts_operator.emulator``."""

import sys

from modelarts_operator.emulator.cli import run_emulator

if __name__ == "__main__":
    sys.exit(run_emulator(sys.argv[1:], prog="python -m modelarts_operator.emulator"))
