"""Shared pytest fixtures for the pyod_dasad test suite."""
from __future__ import annotations

import os
from pathlib import Path

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
