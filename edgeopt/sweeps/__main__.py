"""``python -m edgeopt.sweeps SWEEP.toml [--out DIR] [--workers N | --scheduler ADDRESS] [--no-progress]``."""

from __future__ import annotations

import sys

from edgeopt.sweeps.cli import run

if __name__ == "__main__":
    sys.exit(run())
