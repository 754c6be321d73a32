"""Shared pytest fixtures for the pyod_dasad test suite."""
from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pytest

REPO_ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="session")
def shared_data_dir() -> Path:
    """The shared real-dataset folder, or skip.

    Taken from the data-dir environment variable ``PYOD_DASAD_DATA`` when it names an
    existing folder, else ``<repo>/../shared/datasets``.
    """
    candidates = []
    env = os.environ.get("PYOD_DASAD_DATA", "")
    if env:
        candidates.append(Path(env).expanduser())
    candidates.append(REPO_ROOT.parent / "shared" / "datasets")
    for path in candidates:
        if (path / "adbench").is_dir() or (path / "raw").is_dir():
            return path
    pytest.skip("shared datasets not found: set PYOD_DASAD_DATA to the folder holding "
                "adbench/, adbench_cv/ and raw/ (tried: "
                + ", ".join(str(p) for p in candidates) + ")")


@pytest.fixture(scope="module")
def cardio_small(shared_data_dir):
    """A stratified 300-row sample of the real cardio data, MinMax-scaled, 5 labelled anomalies."""
    path = shared_data_dir / "adbench" / "6_cardio.npz"
    data = np.load(path, allow_pickle=False)
    X, y = data["X"], data["y"].astype(int)
    rng = np.random.default_rng(0)
    rows = np.concatenate([rng.choice(np.flatnonzero(y == 1), 30, replace=False),
                           rng.choice(np.flatnonzero(y == 0), 270, replace=False)])
    rng.shuffle(rows)
    X, y = X[rows], y[rows]
    X = (X - X.min(0)) / np.maximum(X.max(0) - X.min(0), 1e-12)
    y_lab = np.zeros_like(y)
    y_lab[np.flatnonzero(y == 1)[:5]] = 1
    return X, y_lab
