"""``python -m adbench_runs``: see :mod:`adbench_runs.cli`."""
import sys

from .cli import main

if __name__ == "__main__":
    sys.exit(main())
