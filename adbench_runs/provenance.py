"""Provenance of a result row: package versions, the host and its CPU, and a hash of the
split the fit was scored on (:mod:`adbench_runs.runner` stores them with every fit)."""
from __future__ import annotations

import hashlib
import importlib.metadata
import importlib.util
import os
import platform
import re
import socket
import sys
from functools import lru_cache
from typing import Iterable

import numpy as np

__all__ = ["collect_versions", "cpu_model", "host_description", "split_hash"]

# top-level module -> distribution, where the names differ
_DISTRIBUTION_OF = {"sklearn": "scikit-learn", "pyod_dasad": "pyod-dasad", "adbench_runs": "pyod-dasad"}


@lru_cache(maxsize=1)
def _packages_distributions() -> dict:
    try:
        return importlib.metadata.packages_distributions()
    except Exception:  # pragma: no cover - broken metadata
        return {}


@lru_cache(maxsize=None)
def _module_version(module: str) -> str | None:
    """Version of the distribution that provides ``module`` (no import)."""
    try:
        return importlib.metadata.version(_DISTRIBUTION_OF.get(module, module))
    except importlib.metadata.PackageNotFoundError:
        pass
    # slow path (scans every installed distribution once): modules named unlike their package
    for dist in _packages_distributions().get(module, []):
        try:
            return importlib.metadata.version(dist)
        except importlib.metadata.PackageNotFoundError:
            continue
    loaded = sys.modules.get(module)
    if loaded is not None and getattr(loaded, "__version__", None):
        return str(loaded.__version__)
    try:  # an uninstalled source checkout (pyod_dasad before `pip install -e .`)
        spec = importlib.util.find_spec(module)
    except (ImportError, ValueError):
        spec = None
    if spec is not None and spec.origin and spec.origin.endswith("__init__.py"):
        with open(spec.origin, encoding="utf-8") as fh:
            match = re.search(r"^__version__\s*=\s*['\"]([^'\"]+)['\"]", fh.read(), re.M)
        if match:
            return match.group(1) + " (source tree)"
    return None


_BASE_MODULES = ("numpy", "scipy", "sklearn", "pandas", "torch", "pyod", "pyod_dasad")


def collect_versions(modules: Iterable[str] = ()) -> dict:
    """Python and package versions, by module name (None when not installed).

    Parameters
    ----------
    modules : iterable of str
        Extra top-level modules (the detector's libraries).
    """
    versions = {"python": platform.python_version()}
    for module in list(_BASE_MODULES) + [m for m in modules if m not in _BASE_MODULES]:
        versions[module] = _module_version(module)
    return versions


def cpu_model() -> str | None:
    """The CPU's model name: Linux's ``/proc/cpuinfo`` (where ``platform.processor()`` is
    empty), else ``platform.processor()``. Two CPU models can fit a network differently
    in the last bits, so the store records which one ran a fit."""
    try:
        with open("/proc/cpuinfo", encoding="utf-8", errors="replace") as fh:
            for line in fh:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip() or None
    except OSError:
        pass
    return platform.processor() or None


@lru_cache(maxsize=1)
def _host_static() -> dict:
    return {
        "hostname": socket.gethostname(),
        "platform": platform.platform(),
        "machine": platform.machine(),
        "processor": cpu_model(),
        "cpu_count": os.cpu_count(),
        "python": sys.version.split()[0],
    }


def host_description() -> dict:
    """Where the fit ran: host name, OS, CPU count and, if torch is loaded, the GPU."""
    host = dict(_host_static())
    torch = sys.modules.get("torch")
    if torch is not None:
        try:
            if torch.cuda.is_available():
                host["gpu"] = torch.cuda.get_device_name(0)
        except Exception:  # pragma: no cover - broken CUDA setups
            pass
    return host


def split_hash(X_train: np.ndarray, y_train: np.ndarray, X_test: np.ndarray, y_test: np.ndarray) -> str:
    """sha1 of a split's arrays (shapes, dtypes and bytes), as ``"sha1:<hex>"``."""
    digest = hashlib.sha1()
    for arr in (X_train, y_train, X_test, y_test):
        arr = np.ascontiguousarray(arr)
        digest.update(f"{arr.dtype.str}{arr.shape}".encode())
        digest.update(arr.tobytes())
    return "sha1:" + digest.hexdigest()
