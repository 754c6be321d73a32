#!/usr/bin/env bash
# Build ADBench 0.1.11's legacy environment and install this repo's pyod_dasad into it.
#
# Usage: .ci/adbench_env.sh [VENV_DIR]        (default: <repo>/.adbench-venv)
#
# ADBench's own runner (adbench.run.RunPipeline) only runs on Python <= 3.10 with its
# pinned stack (pyod 1.0.0 -> scikit-learn < 1.1 and numpy < 1.24; Keras 2 -> tensorflow
# 2.12; rtdl -> torch < 2). The recipe and the reason for each pin are in
# shared/design/adbench-env.md. A fresh build costs about 80-140 s, a 2.1 GB download and
# about 6.5 GB of free disk at its peak (6.24 GB measured; 5.0 GB once built).
#
# Idempotent: when VENV_DIR already imports adbench, pyod, scikit-learn, numpy, torch and
# tensorflow at the pinned versions, imports this checkout's pyod_dasad, has pytest, and
# holds the datasets, nothing is downloaded. Exits non-zero on any failure.
#
# Environment:
#   PYOD_DASAD_DATA     data dir holding adbench/<name>.npz (default: <repo>/../shared/datasets;
#                       datasets embedded in adbench_runs/data are used when it lacks them)
#   ADBENCH_DATASETS    space-separated ADBench Classical datasets to place inside adbench's
#                       package (default: "6_cardio")
set -euo pipefail

REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
VENV="${1:-$REPO/.adbench-venv}"
case "$VENV" in /*) ;; *) VENV="$PWD/$VENV" ;; esac
DATA="${PYOD_DASAD_DATA:-$REPO/../shared/datasets}"
DATASETS="${ADBENCH_DATASETS:-6_cardio}"
export TF_CPP_MIN_LOG_LEVEL=2

log() { echo "[adbench_env] $*" >&2; }
die() { log "ERROR: $*"; exit 1; }

# A dataset comes from the data dir, else from the real ADBench files the repository embeds
# (adbench_runs/data: the same bytes as ADBench's Classical npz), so a fresh clone without
# ../shared still builds the environment.
npz_path() {
    local name="$1"
    for candidate in "$DATA/adbench/$name.npz" "$REPO/adbench_runs/data/$name.npz"; do
        [ -f "$candidate" ] && { echo "$candidate"; return 0; }
    done
    return 1
}
for name in $DATASETS; do
    npz_path "$name" >/dev/null || die "dataset $name.npz not found in $DATA/adbench nor $REPO/adbench_runs/data (set PYOD_DASAD_DATA)"
done

# The Python interpreter the venv is made from: pyenv's newest 3.10.x.
command -v pyenv >/dev/null 2>&1 || die "pyenv not found on PATH"
BASE_PY="$(ls -d "$(pyenv root)"/versions/3.10.*/bin/python 2>/dev/null | sort -V | tail -n 1 || true)"
[ -n "$BASE_PY" ] && [ -x "$BASE_PY" ] || die "no pyenv Python 3.10 under $(pyenv root)/versions"

# check_env prints nothing and succeeds when the venv is complete and current.
check_env() {
    [ -x "$VENV/bin/python" ] || return 1
    REPO="$REPO" DATASETS="$DATASETS" "$VENV/bin/python" - <<'PY' 2>/dev/null
import importlib.metadata as md
import importlib.util
import os
import sys

want = {"adbench": "0.1.11", "numpy": "1.23.5", "scikit-learn": "1.0.2",
        "pyod": "1.0.0", "torch": "1.12.1", "tensorflow": "2.12.1"}
for dist, version in want.items():
    if md.version(dist).split("+")[0] != version:
        sys.exit(1)
import pytest  # noqa: F401
import adbench
import pyod_dasad

repo = os.path.realpath(os.environ["REPO"])
if not os.path.realpath(pyod_dasad.__file__).startswith(repo + os.sep):
    sys.exit(1)   # a pyod_dasad from elsewhere (or a stale non-editable copy)
if os.path.isfile(os.path.join(repo, "pyproject.toml")):
    # the editable install, not the pre-pyproject .pth fallback, at the checkout's version
    import sysconfig
    if os.path.exists(os.path.join(sysconfig.get_paths()["purelib"], "pyod_dasad_repo.pth")):
        sys.exit(1)
    if md.version("pyod_dasad") != pyod_dasad.__version__:
        sys.exit(1)
classical = os.path.join(os.path.dirname(adbench.__file__), "datasets", "Classical")
for name in os.environ["DATASETS"].split():
    if not os.path.isfile(os.path.join(classical, name + ".npz")):
        sys.exit(1)
PY
}

if check_env; then
    log "up to date: $VENV"
    exit 0
fi

START=$(date +%s)
PINS="$(mktemp)"
trap 'rm -f "$PINS"' EXIT
cat > "$PINS" <<'PINS'
numpy==1.23.5
scikit-learn==1.0.2
scipy==1.10.1
pandas==1.5.3
tensorflow==2.12.1
torch==1.12.1
torchvision==0.13.1
xgboost==1.7.6
jax==0.4.30
jaxlib==0.4.30
grpcio==1.74.0
pyod==1.0.0
adbench==0.1.11
PINS

if [ ! -x "$VENV/bin/python" ]; then
    log "creating venv $VENV from $BASE_PY"
    "$BASE_PY" -m venv "$VENV"
fi
# --no-cache-dir: the legacy stack is ~2 GB of wheels; caching them would double the disk
# this step needs (CI once ran out of disk here).
PIP=("$VENV/bin/python" -m pip --disable-pip-version-check --no-cache-dir)

# Disk: the finished venv holds about 5.0 GB. pip keeps every wheel it downloaded until its
# command ends, so one install of the whole stack peaked at 7.1 GB (measured); three installs,
# the two largest packages first, keep at most one stage's wheels on disk besides the venv.
NEED_MB=6500
FREE_MB=$(df -Pm "$(dirname "$VENV")" | awk 'NR==2 {print $4}')
TMP_FREE_MB=$(df -Pm "${TMPDIR:-/tmp}" | awk 'NR==2 {print $4}')
log "free disk at $(dirname "$VENV"): ${FREE_MB} MB, at ${TMPDIR:-/tmp}: ${TMP_FREE_MB} MB (the build needs about ${NEED_MB} MB at its peak)"
[ "${FREE_MB:-0}" -ge "$NEED_MB" ] || die "only ${FREE_MB} MB free at $(dirname "$VENV"); building the legacy environment needs about ${NEED_MB} MB at its peak (5.0 GB venv plus pip's downloaded wheels): free some disk or pass another VENV_DIR"

log "installing adbench 0.1.11 and its legacy stack (about 2.1 GB on a fresh machine) in three steps"
"${PIP[@]}" install -q -c "$PINS" torch torchvision
"${PIP[@]}" install -q -c "$PINS" tensorflow
"${PIP[@]}" install -q -c "$PINS" adbench==0.1.11 pytest

# This checkout's pyod_dasad: an editable install once the repo is a package; before
# pyproject.toml exists, a .pth file puts the repo root on sys.path (same effect).
SITE="$("$VENV/bin/python" -c 'import sysconfig; print(sysconfig.get_paths()["purelib"])')"
if [ -f "$REPO/pyproject.toml" ]; then
    log "installing $REPO (editable, --no-deps)"
    rm -f "$SITE/pyod_dasad_repo.pth"
    "${PIP[@]}" install -q -c "$PINS" --no-deps -e "$REPO"
else
    log "no pyproject.toml yet: adding $REPO to sys.path via $SITE/pyod_dasad_repo.pth"
    echo "$REPO" > "$SITE/pyod_dasad_repo.pth"
fi

# DataGenerator lists datasets inside its own package folder; all three folders must exist.
ADB="$("$VENV/bin/python" -c 'import importlib.util, os; print(os.path.dirname(importlib.util.find_spec("adbench").origin))')"
mkdir -p "$ADB"/datasets/{Classical,CV_by_ResNet18,NLP_by_BERT}
for name in $DATASETS; do
    cp "$(npz_path "$name")" "$ADB/datasets/Classical/"
done

if ! check_env; then
    "$VENV/bin/python" -c 'import adbench, pyod_dasad' || true
    die "environment $VENV is incomplete after the build (see above)"
fi
log "ready: $VENV (built in $(( $(date +%s) - START )) s)"
