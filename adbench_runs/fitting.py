"""One fit: build a detector, fit it on a split and score the test rows, in the calling
process or in a fresh interpreter killed at a time limit; failures become result rows
(:func:`run_fit`, used by :mod:`adbench_runs.runner`)."""
from __future__ import annotations

import importlib
import logging
import os
import pickle
import signal
import socket
import subprocess
import sys
import tempfile
import time
import traceback
import warnings
from typing import Any, Mapping

import numpy as np

from .provenance import collect_versions, host_description, split_hash
from .store import FitKey

logger = logging.getLogger(__name__)

__all__ = ["error_result", "jsonable_meta", "run_fit", "split_columns", "write_child_result"]

# seconds a timed child may take to start (imports) before its time limit begins
_CHILD_STARTUP_LIMIT = 300.0

def _get_spec(name: str, custom: Mapping[str, Any] | None):
    if custom and name in custom:
        return custom[name]
    from .detectors import get_detector  # noqa: PLC0415

    return get_detector(name)


def _detector_modules(spec: Any) -> list:
    modules = list(getattr(spec, "requires", ()) or ())
    target = getattr(spec, "target", "") or ""
    if target:
        top = target.split(":", 1)[0].split(".", 1)[0]
        if top not in modules:
            modules.append(top)
    return modules


def _detector_versions(spec: Any) -> dict:
    versions = collect_versions(_detector_modules(spec))
    versions["detector_source"] = getattr(spec, "source", None)
    return versions


def _detector_params(spec: Any, overrides: Mapping[str, Any] | None) -> dict:
    """All hyper-parameters of the detector: library defaults, registry values, overrides."""
    try:
        params = dict(spec.effective_params())
    except Exception:  # noqa: BLE001 - custom specs without an importable target
        params = dict(getattr(spec, "params", {}) or {})
    params.update(dict(overrides or {}))
    return params


def _fit_and_score(payload: dict) -> dict:
    """Build, fit and score one detector; exceptions propagate."""
    from sklearn.metrics import average_precision_score, roc_auc_score  # noqa: PLC0415

    spec = payload["spec"] if payload.get("spec") is not None else _get_spec(payload["detector"], None)
    detector = spec.build(payload["seed"], n_threads=payload["threads"], **payload["overrides"])
    # third-party warnings (XGBoost's unused "silent", PyOD's "y should not be presented", ...)
    # go to the log at DEBUG level instead of the worker's stderr
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        t0 = time.perf_counter()
        detector.fit(payload["X_train"], payload["y_train"])
        fit_seconds = time.perf_counter() - t0
        t0 = time.perf_counter()
        scores = np.asarray(detector.decision_function(payload["X_test"]), dtype=np.float64).ravel()
        predict_seconds = time.perf_counter() - t0
    for message in dict.fromkeys(f"{w.category.__name__}: {w.message}" for w in caught):
        logger.debug("%s (seed %s) warned: %s", payload["detector"], payload["seed"], message)
    if scores.shape[0] != payload["y_test"].shape[0]:
        raise ValueError(f"{payload['detector']} returned {scores.shape[0]} scores for "
                         f"{payload['y_test'].shape[0]} test rows")
    n_bad = int(np.sum(~np.isfinite(scores)))
    if n_bad:
        from .detectors import NonFiniteScoresError  # noqa: PLC0415

        raise NonFiniteScoresError(f"detector {payload['detector']!r} returned {n_bad} non-finite "
                                   f"scores out of {scores.shape[0]}", scores)
    y_test = payload["y_test"]
    return {
        "status": "ok",
        "auc_roc": float(roc_auc_score(y_test, scores)),
        "auc_pr": float(average_precision_score(y_test, scores)),
        "fit_seconds": fit_seconds,
        "predict_seconds": predict_seconds,
        "params": _detector_params(spec, payload["overrides"]),
        "worker": f"{socket.gethostname()}:{os.getpid()}",
        "host": host_description(),
        "versions": _detector_versions(spec),
    }


def error_result(exc: BaseException) -> dict:
    """The result row of a fit that raised ``exc``: ``status="error"``, the exception's type,
    message and traceback."""
    return {
        "status": "error",
        "error_type": type(exc).__name__,
        "error": str(exc) or repr(exc),
        "traceback": "".join(traceback.format_exception(type(exc), exc, exc.__traceback__)),
    }


def _child_main(in_path: str, out_path: str, ready_path: str) -> int:
    """Entry point of a timed child process: fit, score, pickle the result."""
    logging.basicConfig(level=logging.WARNING)
    with open(in_path, "rb") as fh:
        payload = pickle.load(fh)
    # import what the fit needs before the clock starts: the limit is on fitting, not imports
    import sklearn.metrics  # noqa: F401, PLC0415

    spec = payload["spec"] if payload.get("spec") is not None else _get_spec(payload["detector"], None)
    target = getattr(spec, "target", "") or ""
    if target:
        try:
            importlib.import_module(target.split(":", 1)[0])
        except ImportError:
            pass  # reported by the fit itself
    collect_versions(_detector_modules(spec))  # cached: not timed either
    open(ready_path, "wb").close()
    try:
        result = _fit_and_score(payload)
    except Exception as exc:  # noqa: BLE001 - recorded, not swallowed
        result = error_result(exc)
    write_child_result(out_path, result)
    return 0


def write_child_result(out_path: str, result: dict) -> None:
    """Pickle a timed child's result to ``out_path`` atomically (the parent reads it only
    once it is whole)."""
    tmp = out_path + ".part"
    with open(tmp, "wb") as fh:
        pickle.dump(result, fh, protocol=pickle.HIGHEST_PROTOCOL)
    os.replace(tmp, out_path)


_CHILD_CODE = ("import sys; from adbench_runs.fitting import _child_main; "
               "sys.exit(_child_main(*sys.argv[1:4]))")


def _kill_tree(proc: subprocess.Popen) -> None:
    """SIGKILL a child started in its own session, with everything it started."""
    try:
        if os.name == "posix":
            os.killpg(proc.pid, signal.SIGKILL)
        else:  # pragma: no cover - Windows
            proc.kill()
    except ProcessLookupError:
        pass
    proc.wait()


def _log_tail(path: str, n_chars: int = 4000) -> str:
    try:
        with open(path, "rb") as fh:
            fh.seek(0, os.SEEK_END)
            size = fh.tell()
            fh.seek(max(0, size - n_chars))
            return fh.read().decode("utf-8", "replace")
    except OSError:
        return ""


def _run_in_child(payload: dict, timeout: float, child_code: str = _CHILD_CODE) -> dict:
    """Run :func:`_fit_and_score` in a fresh interpreter, killed after ``timeout`` seconds.

    ``child_code`` is the child's program: it reads the pickled ``payload`` from the path in
    ``argv[1]``, creates the file ``argv[3]`` once its imports are done (the clock starts
    then) and pickles its result dict to ``argv[2]`` (:func:`_child_main`; ADBench's
    baselines have their own, :func:`adbench_runs.legacy_baselines._child_main`)."""
    package_parent = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(p for p in (package_parent, env.get("PYTHONPATH", "")) if p)
    with tempfile.TemporaryDirectory(prefix="adbench_fit_") as tmp:
        in_path, out_path = os.path.join(tmp, "in.pkl"), os.path.join(tmp, "out.pkl")
        ready_path, log_path = os.path.join(tmp, "ready"), os.path.join(tmp, "child.log")
        with open(in_path, "wb") as fh:
            pickle.dump(payload, fh, protocol=pickle.HIGHEST_PROTOCOL)
        with open(log_path, "wb") as log:
            proc = subprocess.Popen([sys.executable, "-c", child_code, in_path, out_path, ready_path],
                                    stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT,
                                    env=env, start_new_session=(os.name == "posix"))
            try:
                started = time.monotonic()
                while not os.path.exists(ready_path) and proc.poll() is None:
                    if time.monotonic() - started > _CHILD_STARTUP_LIMIT:
                        _kill_tree(proc)
                        return {"status": "error", "error_type": "WorkerStartupTimeout",
                                "error": f"the fit process did not start within {_CHILD_STARTUP_LIMIT:.0f} s",
                                "traceback": _log_tail(log_path)}
                    time.sleep(0.02)
                t_ready = time.monotonic()
                try:
                    proc.wait(timeout=timeout)
                except subprocess.TimeoutExpired:
                    _kill_tree(proc)
                    elapsed = time.monotonic() - t_ready
                    return {"status": "timeout", "error_type": "Timeout",
                            "error": f"fit and scoring exceeded the {timeout:g} s time limit "
                                     f"(killed after {elapsed:.1f} s)"}
            except BaseException:
                _kill_tree(proc)
                raise
        if os.path.exists(out_path):
            with open(out_path, "rb") as fh:
                return pickle.load(fh)
        return {"status": "error", "error_type": "WorkerDied",
                "error": f"the fit process exited with code {proc.returncode} without a result",
                "traceback": _log_tail(log_path)}


def split_columns(split: Mapping[str, Any]) -> dict:
    """The columns of a result row that describe its split (sizes, label counts, hash, meta);
    the same for our detectors and ADBench's baselines."""
    y_train = np.asarray(split["y_train"])
    y_test = np.asarray(split["y_test"])
    y_train_true = split.get("y_train_true")
    return {
        "n_train": int(y_train.shape[0]),
        "n_test": int(y_test.shape[0]),
        "n_labelled": int(y_train.sum()),
        "n_anomalies_train": None if y_train_true is None else int(np.asarray(y_train_true).sum()),
        "n_anomalies_test": int(y_test.sum()),
        "split_hash": split_hash(split["X_train"], y_train, split["X_test"], y_test),
        "split_meta": jsonable_meta(split.get("meta", {})),
    }


def run_fit(key: FitKey, split: Mapping[str, Any], overrides: Mapping[str, Any] | None = None,
            timeout: float | None = None, threads: int = 1, spec: Any = None) -> dict:
    """Fit and score one detector on one split; never raises for detector failures.

    Parameters
    ----------
    key : FitKey
    split : mapping
        ``X_train``, ``y_train``, ``X_test``, ``y_test``, ``y_train_true`` and
        ``meta`` (a :class:`~adbench_runs.protocols.Split` as a dict).
    overrides : mapping or None
        Hyper-parameter overrides of the detector.
    timeout : float or None
        Time limit (fit plus scoring) in seconds; enforced in a child process.
    threads : int, default=1
        Thread limit of the fit.
    spec : DetectorSpec or None
        A custom detector (registry lookup by ``key.detector`` when None).

    Returns
    -------
    dict
        Values for :meth:`ResultStore.write`.
    """
    y_train = np.asarray(split["y_train"])
    y_test = np.asarray(split["y_test"])
    info = split_columns(split)
    payload = {"detector": key.detector, "seed": key.seed, "overrides": dict(overrides or {}),
               "threads": threads, "spec": spec, "X_train": split["X_train"], "y_train": y_train,
               "X_test": split["X_test"], "y_test": y_test}
    try:
        result = _run_in_child(payload, timeout) if timeout is not None else _fit_and_score(payload)
    except Exception as exc:  # noqa: BLE001 - recorded, not swallowed
        result = error_result(exc)
    if result["status"] != "ok":
        result.setdefault("worker", f"{socket.gethostname()}:{os.getpid()}")
        result.setdefault("host", host_description())
        try:
            spec_ = spec if spec is not None else _get_spec(key.detector, None)
            result.setdefault("versions", _detector_versions(spec_))
            result.setdefault("params", _detector_params(spec_, overrides))
        except Exception:  # noqa: BLE001 - unknown detector: the error row says so already
            result.setdefault("versions", collect_versions())
            result.setdefault("params", dict(overrides or {}))
    result.update(info)
    return result


def jsonable_meta(meta: Mapping[str, Any]) -> dict:
    """Split meta without the (long) index arrays, JSON-friendly."""
    out = {}
    for k, v in dict(meta).items():
        if isinstance(v, np.ndarray):
            if v.size > 16:
                continue
            v = v.tolist()
        elif isinstance(v, np.generic):
            v = v.item()
        out[k] = v
    return out
