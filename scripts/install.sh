#!/usr/bin/env bash
# Create a virtual environment (default .venv) and install pyod_dasad with everything the
# leaderboard, the tests and the docs need. Idempotent; pip from PyPI only.
#
#   scripts/install.sh            # -> .venv
#   VENV=/path scripts/install.sh
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
VENV="${VENV:-.venv}"
PYTHON="${PYTHON:-python3}"
[ -x "$VENV/bin/python" ] || "$PYTHON" -m venv "$VENV"
PIP=("$VENV/bin/python" -m pip --disable-pip-version-check --no-cache-dir)
# constraints.txt pins torch to the CPU build these machines carry (a loose torch
# requirement pulls a multi-GB CUDA build).
"${PIP[@]}" install -q -c constraints.txt -e ".[bench,test,docs]"
# DeepOD 0.4.1 (the RoSAS/DevNet/PReNet/DeepSAD/FeaWAD/REPEN authors' code) pins an
# ancient torch; its tabular models need nothing beyond what is installed above.
"${PIP[@]}" install -q -c constraints.txt --no-deps deepod==0.4.1
"$VENV/bin/python" -c "import pyod_dasad, torch; print('pyod_dasad', pyod_dasad.__version__, '| torch', torch.__version__)"
