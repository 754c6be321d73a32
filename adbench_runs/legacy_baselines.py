"""ADBench 0.1.11's own semi-supervised baselines, on our splits, into our results store.

ADBench ships the authors' code of six semi-supervised detectors (``adbench.baseline``):
GANomaly, DeepSAD, REPEN, DevNet, PReNet and FEAWAD. They need ADBench's legacy stack
(Python 3.10, TensorFlow 2.12 / Keras 2, torch 1.12, numpy 1.23; built by
``.ci/adbench_env.sh``), so this module runs *inside that environment*::

    .adbench-venv/bin/python -m adbench_runs.legacy_baselines --db results.db \\
        --datasets 6_cardio --protocol adbench --la 0.1 --seeds 1 2 3 \\
        --detectors ADBench-DevNet ADBench-FEAWAD

Each grid cell is split by :mod:`adbench_runs.protocols` through the very code path of
:mod:`adbench_runs.runner` (same cells, same splits, same ``split_hash``), so the rows sit
next to the main leaderboard's rows in the same SQLite database and
``adbench-runs report --db results.db`` (main environment) ranks them together. The
detectors are named ``ADBench-<model>``.

Each baseline is built and called as ``adbench.run.RunPipeline.model_fit`` does:
``Class(seed=numpy.int64(seed), model_name=<name>[, save_suffix=...])``, then
``fit(X_train=..., y_train=...)`` and ``predict_score(X_test)``, scored with scikit-learn's
``roc_auc_score`` and ``average_precision_score`` (ADBench's ``Utils.metric``), followed by
``keras.backend.clear_session()``. As in ``RunPipeline(parallel='semi-supervise')``, which
imports every baseline, the FEAWAD module is imported before any TensorFlow baseline is
built: that import turns TensorFlow's eager execution off for the whole process.
Differences from ``RunPipeline``, none of which changes what a baseline computes:

* ``sys.argv`` is emptied while a baseline is built (DevNet and FEAWAD read their
  hyper-parameters from the command line with ``argparse``; they get their defaults);
* Keras weight checkpoints go to a temporary folder per fit instead of the installed
  package, so concurrent runs cannot overwrite each other's weights;
* what the baselines print (Keras progress bars, "Training size ...") goes to this
  module's logger at DEBUG level instead of stdout;
* a failing fit is stored as an ``error`` row with its traceback (ADBench prints the
  message and records NaN), and non-finite scores are a failure too.

Rows store ``params`` (the hyper-parameters the ADBench class holds, plus the ADBench class
path and any ``--set`` overrides, listed under ``overridden``), ``versions`` (Python,
numpy, scikit-learn, torch, tensorflow, keras, adbench, ...) and ``detector_source``
:data:`SOURCE`. Rows already in the database are skipped (resumable); ``--retry-failed``
redoes ``error`` rows. With ``--timeout SECONDS`` each fit runs in a child process of the
same interpreter, killed at the limit and stored as a ``timeout`` row (the registry's
runner does the same); the child imports the baseline's framework before the clock starts.

Importing this module is cheap: neither adbench, tensorflow nor torch is imported until
the first fit.
"""
from __future__ import annotations

import argparse
import contextlib
import gc
import importlib
import io
import logging
import os
import socket
import sys
import tempfile
import time
import warnings
from dataclasses import dataclass, field
from typing import Any, Dict, Iterator, Mapping, Optional, Sequence, Tuple

import numpy as np

from .store import FitKey, ResultStore, STATUSES

logger = logging.getLogger(__name__)

__all__ = [
    "LEGACY_BASELINES",
    "SOURCE",
    "LegacyBaseline",
    "build_parser",
    "fit_legacy_baseline",
    "main",
    "resolve_legacy_detectors",
    "run_legacy_grid",
]

#: ``versions["detector_source"]`` of every row written by this module.
SOURCE = "adbench 0.1.11 (authors' baselines via ADBench)"
#: Prefix of the detector names.
PREFIX = "ADBench-"

# attributes of the ADBench classes that are bookkeeping, not hyper-parameters
_NOT_PARAMS = frozenset({
    "seed", "utils", "device", "sess", "MAX_INT", "MAX_FLOAT", "modelpath", "save_suffix",
    "args", "ref", "model_name", "xp_path", "load_config", "load_model",
})


@dataclass(frozen=True)
class LegacyBaseline:
    """One of ADBench's own baselines.

    Parameters
    ----------
    name : str
        Our detector name (``ADBench-<model_name>``).
    model_name : str
        ADBench's name (its ``RunPipeline.model_dict`` key), passed as ``model_name``.
    target : str
        ``module:Class`` inside the ``adbench`` package.
    framework : {"tensorflow", "torch"}
        What the baseline is written in.
    save_suffix : bool, default=False
        Whether ``RunPipeline`` passes ``save_suffix`` (DevNet, FEAWAD, REPEN).
    cli_args : tuple of str, default=()
        Hyper-parameters the class reads from its ``argparse`` namespace ``args`` in
        ``fit`` (DevNet, FEAWAD); stored in ``params`` and overridable.
    fixed : mapping, default={}
        Hyper-parameters hard-coded inside ADBench's ``fit`` (recorded, not overridable).
    """

    name: str
    model_name: str
    target: str
    framework: str
    save_suffix: bool = False
    cli_args: Tuple[str, ...] = ()
    fixed: Mapping[str, Any] = field(default_factory=dict)

    def load(self) -> type:
        """Import and return ADBench's class (imports adbench and its framework)."""
        if self.framework == "tensorflow":
            os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
            # RunPipeline(parallel='semi-supervise') imports FEAWAD, whose import calls
            # tensorflow's disable_eager_execution(); every TF baseline runs in graph mode there
            importlib.import_module("adbench.baseline.FEAWAD.run")
        module, _, cls = self.target.partition(":")
        return getattr(importlib.import_module(module), cls)


def _baseline(model_name: str, module: str, framework: str, **kwargs: Any) -> LegacyBaseline:
    return LegacyBaseline(PREFIX + model_name, model_name, f"adbench.baseline.{module}:{model_name}",
                          framework, **kwargs)


#: The six baselines of ``RunPipeline(parallel='semi-supervise')`` (XGBOD, its seventh, is a
#: PyOD wrapper; the main registry runs XGBOD itself).
LEGACY_BASELINES: Dict[str, LegacyBaseline] = {b.name: b for b in (
    _baseline("GANomaly", "GANomaly.run", "torch"),
    _baseline("DeepSAD", "DeepSAD.src.run", "torch"),
    _baseline("REPEN", "REPEN.run", "tensorflow", save_suffix=True),
    _baseline("DevNet", "DevNet.run", "tensorflow", save_suffix=True,
              cli_args=("network_depth", "batch_size", "nb_batch", "epochs")),
    _baseline("PReNet", "PReNet.run", "torch"),
    _baseline("FEAWAD", "FEAWAD.run", "tensorflow", save_suffix=True,
              cli_args=("batch_size", "nb_batch", "epochs"),
              fixed={"ae_pretrain_epochs": 100, "network_depth": 4}),
)}


def resolve_legacy_detectors(tokens: Sequence[str]) -> list:
    """Check detector names; ``all`` expands to every baseline.

    Parameters
    ----------
    tokens : sequence of str
        ``ADBench-<model>`` names or ``all``.

    Returns
    -------
    list of str
        Without duplicates, in the order given.

    Raises
    ------
    ValueError
        For an unknown name.
    """
    out: list = []
    for token in tokens:
        names = list(LEGACY_BASELINES) if token == "all" else [token]
        for name in names:
            if name not in LEGACY_BASELINES:
                raise ValueError(f"unknown ADBench baseline {name!r}; choose from "
                                 f"{', '.join(LEGACY_BASELINES)} or all")
            if name not in out:
                out.append(name)
    return out


# ============================================================================ one fit
@contextlib.contextmanager
def _argv_cleared() -> Iterator[None]:
    """Empty ``sys.argv`` (but the program name): DevNet/FEAWAD parse it for their settings."""
    saved = sys.argv
    sys.argv = [saved[0] if saved else "adbench_runs.legacy_baselines"]
    try:
        yield
    finally:
        sys.argv = saved


@contextlib.contextmanager
def _captured(detector: str, seed: int) -> Iterator[None]:
    """Send what a baseline prints and warns to the log (DEBUG) instead of stdout."""
    buffer = io.StringIO()
    with warnings.catch_warnings(record=True) as caught, contextlib.redirect_stdout(buffer):
        warnings.simplefilter("always")
        try:
            yield
        finally:
            text = buffer.getvalue()
            if text.strip():
                logger.debug("%s (seed %s) printed:\n%s", detector, seed, text[-4000:])
            for message in dict.fromkeys(f"{w.category.__name__}: {w.message}" for w in caught):
                logger.debug("%s (seed %s) warned: %s", detector, seed, message)


def _jsonable(value: Any) -> Any:
    """A hyper-parameter value as JSON can hold it (anything else, e.g. a torch activation, by repr)."""
    if isinstance(value, (bool, int, float, str)) or value is None:
        return value
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, (list, tuple)):
        return [_jsonable(v) for v in value]
    return repr(value)


def _requested_params(baseline: LegacyBaseline, overrides: Mapping[str, Any]) -> dict:
    """What a row records before the class is built: its path, name and any overrides."""
    params: dict = {"adbench_class": baseline.target.replace(":", "."), "model_name": baseline.model_name}
    if overrides:
        params.update({k: _jsonable(v) for k, v in overrides.items()})
        params["overridden"] = sorted(overrides)
    return params


def _hyper_parameters(baseline: LegacyBaseline, model: Any) -> dict:
    """The hyper-parameters an ADBench instance holds (after any overrides)."""
    params = {}
    for name, value in vars(model).items():
        if name.startswith("_") or name in _NOT_PARAMS:
            continue
        params[name] = _jsonable(value)
    args = getattr(model, "args", None)
    for name in baseline.cli_args:
        if args is not None and hasattr(args, name):
            params.setdefault(name, _jsonable(getattr(args, name)))
    params.update(baseline.fixed)
    return params


def _apply_overrides(baseline: LegacyBaseline, model: Any, overrides: Mapping[str, Any]) -> None:
    """Set hyper-parameters on a built ADBench instance (attributes, or its argparse ``args``)."""
    args = getattr(model, "args", None)
    for name, value in overrides.items():
        if name in baseline.fixed:
            raise ValueError(f"{baseline.name}: {name!r} is hard-coded in ADBench's fit and cannot "
                             "be overridden")
        if not name.startswith("_") and name not in _NOT_PARAMS and name in vars(model):
            setattr(model, name, value)
        elif name in baseline.cli_args and args is not None:
            setattr(args, name, value)
        else:
            known = sorted(set(_hyper_parameters(baseline, model)) - set(baseline.fixed))
            raise ValueError(f"{baseline.name} has no hyper-parameter {name!r}; known: {known}")


def _release(model: Any, baseline: LegacyBaseline) -> None:
    """Free a fit's TensorFlow state, as ``RunPipeline.model_fit`` does after each fit."""
    sess = getattr(model, "sess", None)  # DevNet/FEAWAD open a tf.compat.v1.Session they never use
    if sess is not None:
        try:
            sess.close()
        except Exception:  # noqa: BLE001 - never mask the fit's own result
            logger.debug("closing %s's session failed", baseline.name, exc_info=True)
    keras = sys.modules.get("keras")
    if baseline.framework == "tensorflow" and keras is not None:
        try:
            keras.backend.clear_session()
        except Exception:  # noqa: BLE001
            logger.debug("keras.backend.clear_session() failed", exc_info=True)
    gc.collect()


def _versions(baseline: LegacyBaseline) -> dict:
    from .provenance import collect_versions  # noqa: PLC0415

    modules = ["adbench", "tensorflow", "keras"] if baseline.framework == "tensorflow" else ["adbench"]
    versions = collect_versions(modules)
    versions["detector_source"] = SOURCE
    return versions


def fit_legacy_baseline(detector: str, seed: int, X_train: np.ndarray, y_train: np.ndarray,
                        X_test: np.ndarray, y_test: np.ndarray,
                        overrides: Optional[Mapping[str, Any]] = None) -> dict:
    """Build, fit and score one ADBench baseline as ``RunPipeline`` does.

    Never raises for a failure of the baseline: the exception is returned as an
    ``error`` result with its traceback.

    Parameters
    ----------
    detector : str
        A key of :data:`LEGACY_BASELINES`.
    seed : int
        Passed to the class as ``numpy.int64(seed)``, as ``RunPipeline`` does.
    X_train, y_train, X_test, y_test : numpy.ndarray
        The split (``y_train``: 1 = labelled anomaly, 0 = unlabelled).
    overrides : mapping or None
        Hyper-parameters replacing ADBench's defaults (attribute names of the class, or
        for DevNet/FEAWAD the names of their ``argparse`` options); listed in
        ``params["overridden"]``.

    Returns
    -------
    dict
        Values for :meth:`ResultStore.write` (without the split columns).

    Raises
    ------
    ValueError
        For an unknown detector name.
    """
    from sklearn.metrics import average_precision_score, roc_auc_score  # noqa: PLC0415

    from .fitting import error_result  # noqa: PLC0415
    from .provenance import host_description  # noqa: PLC0415

    if detector not in LEGACY_BASELINES:
        raise ValueError(f"unknown ADBench baseline {detector!r}; choose from {', '.join(LEGACY_BASELINES)}")
    baseline = LEGACY_BASELINES[detector]
    overrides = dict(overrides or {})
    params = _requested_params(baseline, overrides)
    model = None
    try:
        with _captured(detector, seed), tempfile.TemporaryDirectory(prefix="adbench_legacy_") as tmp:
            cls = baseline.load()
            kwargs = {"seed": np.int64(seed), "model_name": baseline.model_name}
            if baseline.save_suffix:
                kwargs["save_suffix"] = "adbench_runs"
            with _argv_cleared():
                model = cls(**kwargs)
            if hasattr(model, "modelpath"):
                model.modelpath = tmp  # Keras checkpoints: per fit, not in site-packages
            _apply_overrides(baseline, model, overrides)
            params.update(_hyper_parameters(baseline, model))
            if overrides:
                params["overridden"] = sorted(overrides)
            t0 = time.perf_counter()
            model = model.fit(X_train=X_train, y_train=y_train)
            fit_seconds = time.perf_counter() - t0
            t0 = time.perf_counter()
            scores = np.asarray(model.predict_score(X_test), dtype=np.float64).ravel()
            predict_seconds = time.perf_counter() - t0
        if scores.shape[0] != y_test.shape[0]:
            raise ValueError(f"{detector} returned {scores.shape[0]} scores for {y_test.shape[0]} test rows")
        n_bad = int(np.sum(~np.isfinite(scores)))
        if n_bad:
            from .detectors import NonFiniteScoresError  # noqa: PLC0415

            raise NonFiniteScoresError(f"detector {detector!r} returned {n_bad} non-finite scores out "
                                       f"of {scores.shape[0]}", scores)
        result = {
            "status": "ok",
            "auc_roc": float(roc_auc_score(y_test, scores)),
            "auc_pr": float(average_precision_score(y_test, scores, pos_label=1)),
            "fit_seconds": fit_seconds,
            "predict_seconds": predict_seconds,
        }
    except Exception as exc:  # noqa: BLE001 - recorded as an error row, not swallowed
        result = error_result(exc)
    finally:
        _release(model, baseline)
        del model
    result["params"] = params
    result["versions"] = _versions(baseline)
    result["host"] = host_description()
    result["worker"] = f"{socket.gethostname()}:{os.getpid()}"
    return result


# ============================================================================ the grid
def _warn_changed_params(store: ResultStore, detectors: Sequence[str], overrides: Mapping[str, Any]) -> None:
    stored = store.stored_params()
    for detector in detectors:
        wanted = {k: _jsonable(v) for k, v in dict(overrides.get(detector, {})).items()}
        differing = [p for p in stored.get(detector, [])
                     if sorted(p.get("overridden", [])) != sorted(wanted)
                     or any(p.get(k) != v for k, v in wanted.items())]
        if differing:
            logger.warning("%s: %d stored parameter set(s) differ from the requested overrides %s; rows "
                           "already in %s are kept, not redone", detector, len(differing), wanted, store.path)


def run_legacy_grid(config: Any, store: ResultStore) -> Any:
    """Run every pending fit of ADBench's baselines on the grid and write the rows to ``store``.

    Parameters
    ----------
    config : adbench_runs.runner.RunConfig
        The grid, as for :func:`adbench_runs.runner.run_grid`: ``datasets``,
        ``protocol``, ``budgets``, ``seeds``, ``noise_type``/``noise_ratios``,
        ``contaminations``, ``data_dir``, ``retry_failed``, ``progress``, and
        ``overrides`` by detector; ``detectors`` are names of :data:`LEGACY_BASELINES`
        (or ``all``). Fits run one after another: ``jobs`` must be 1 and ``backend``
        ``"joblib"``. Without ``timeout`` they run in this process; with it each fit runs in
        its own child process (this interpreter), killed at the limit and stored as a
        ``timeout`` row, as :func:`adbench_runs.fitting.run_fit` does for the registry.
    store : ResultStore
        Each row is committed as soon as its fit ends.

    Returns
    -------
    adbench_runs.runner.RunSummary
    """
    from .runner import RunSummary, plan_grid, work_items  # noqa: PLC0415

    config.validate()
    if config.jobs != 1 or config.backend != "joblib":
        raise ValueError("ADBench's baselines run one at a time: use jobs=1 and backend='joblib'")
    detectors = resolve_legacy_detectors(config.detectors)
    unknown = set(config.overrides) - set(detectors)
    if unknown:
        raise ValueError(f"parameter overrides for detectors not in this run: {sorted(unknown)}")
    t_start = time.perf_counter()
    plan = plan_grid(config, store, detectors, what="ADBench baselines")
    if plan.n_skipped:
        _warn_changed_params(store, detectors, config.overrides)

    from tqdm.auto import tqdm  # noqa: PLC0415

    counts = {s: 0 for s in STATUSES}
    with tqdm(total=len(plan.pending), desc="fits", unit="fit", disable=not config.progress,
              file=sys.stderr, dynamic_ncols=True) as bar:
        for kind, key, obj in work_items(plan.cells, plan.detectors, plan.pending, config.data_dir, plan.guard):
            result = dict(obj) if kind == "failed" else _run_one(key, obj, config.overrides.get(key.detector),
                                                                  config.timeout, config.threads)
            store.write(key, result)
            counts[result["status"]] += 1
            if plan.guard is not None:
                plan.guard.record(key, result["status"])
            if result["status"] == "ok":
                logger.info("%s: AUC-ROC %.4f, AUC-PR %.4f, fit %.1f s", key, result["auc_roc"],
                            result["auc_pr"], result["fit_seconds"])
            else:
                logger.error("%s failed: %s: %s\n%s", key, result.get("error_type"), result.get("error"),
                             result.get("traceback") or "")
            bar.set_postfix(ok=counts["ok"], error=counts["error"], timeout=counts["timeout"], refresh=False)
            bar.update(1)
    summary = RunSummary(len(plan.grid), plan.n_skipped, counts, time.perf_counter() - t_start, store.path,
                         n_held=plan.n_held)
    logger.info("%s", summary)
    return summary


def _run_one(key: FitKey, split: Mapping[str, Any], overrides: Optional[Mapping[str, Any]],
             timeout: Optional[float] = None, threads: int = 1) -> dict:
    from .fitting import _run_in_child, error_result, split_columns  # noqa: PLC0415
    from .provenance import host_description  # noqa: PLC0415

    columns = split_columns(split)
    args = (key.detector, key.seed, split["X_train"], np.asarray(split["y_train"]), split["X_test"],
            np.asarray(split["y_test"]), overrides)
    if timeout is None:
        result = fit_legacy_baseline(*args)
    else:
        try:
            result = _run_in_child({"args": args, "threads": threads}, timeout, _CHILD_CODE)
        except Exception as exc:  # noqa: BLE001 - recorded, not swallowed
            result = error_result(exc)
        if result["status"] != "ok":  # killed, or died before it could write its row
            baseline = LEGACY_BASELINES[key.detector]
            result.setdefault("params", _requested_params(baseline, dict(overrides or {})))
            result.setdefault("versions", _versions(baseline))
            result.setdefault("host", host_description())
            result.setdefault("worker", f"{socket.gethostname()}:{os.getpid()}")
    result.update(columns)
    return result


def _child_main(in_path: str, out_path: str, ready_path: str) -> int:
    """Entry point of a timed child process (``--timeout``): import the baseline's framework,
    signal ready (the limit is on fitting and scoring, not on importing TensorFlow), fit,
    score and pickle the result dict."""
    import pickle  # noqa: PLC0415

    # imported before the clock starts, as the registry's child does (fit_legacy_baseline uses both)
    import sklearn.metrics  # noqa: F401, PLC0415

    from .fitting import write_child_result  # noqa: PLC0415

    logging.basicConfig(level=logging.WARNING)
    with open(in_path, "rb") as fh:
        payload = pickle.load(fh)
    _set_torch_threads(payload["threads"])
    try:
        LEGACY_BASELINES[payload["args"][0]].load()
    except Exception:  # noqa: BLE001 - the fit reports it as its error row
        pass
    open(ready_path, "wb").close()
    write_child_result(out_path, fit_legacy_baseline(*payload["args"]))  # never raises for the baseline's failures
    return 0


_CHILD_CODE = ("import sys; from adbench_runs.legacy_baselines import _child_main; "
               "sys.exit(_child_main(*sys.argv[1:4]))")


# ============================================================================ command line
def build_parser() -> argparse.ArgumentParser:
    """The argument parser of ``python -m adbench_runs.legacy_baselines``."""
    from .cli import add_grid_arguments, override_arg, positive_float  # noqa: PLC0415  (shared with adbench-runs run)

    parser = argparse.ArgumentParser(
        prog="python -m adbench_runs.legacy_baselines",
        description=("Run ADBench 0.1.11's own semi-supervised baselines (the authors' code in "
                     "adbench.baseline) on the benchmark's splits, into its SQLite results database. "
                     "Run it with ADBench's legacy environment (.ci/adbench_env.sh)."),
        formatter_class=argparse.ArgumentDefaultsHelpFormatter,
    )
    parser.add_argument("--db", required=True, help="SQLite results database (created if missing)")
    add_grid_arguments(parser)
    parser.add_argument("--detectors", nargs="+", default=["all"], metavar="NAME",
                        help=f"baselines: {' '.join(LEGACY_BASELINES)} or all")
    parser.add_argument("--set", dest="overrides", action="append", type=override_arg, default=[],
                        metavar="DETECTOR.PARAM=VALUE",
                        help="replace an ADBench default (repeatable), e.g. ADBench-DevNet.epochs=5; "
                             "recorded in the row's params under 'overridden'")
    parser.add_argument("--threads", type=int, default=1,
                        help="CPU threads of TensorFlow, torch and BLAS (thread variables already set "
                             "in the environment win)")
    parser.add_argument("--timeout", type=positive_float, default=None, metavar="SECONDS",
                        help=("time limit of one fit plus scoring; each fit then runs in its own "
                              "process, killed at the limit (status 'timeout')"))
    parser.add_argument("--log-level", default="WARNING", choices=("DEBUG", "INFO", "WARNING", "ERROR"),
                        help="logging level (stderr)")
    return parser


def _limit_threads(threads: int) -> None:
    """Thread limits for the process, before TensorFlow/torch are imported (CLI only)."""
    for var in ("OMP_NUM_THREADS", "MKL_NUM_THREADS", "OPENBLAS_NUM_THREADS",
                "TF_NUM_INTRAOP_THREADS", "TF_NUM_INTEROP_THREADS"):
        os.environ.setdefault(var, str(threads))
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")


def main(argv: Optional[Sequence[str]] = None) -> int:
    """Entry point: run the grid, then print a one-line summary to stdout.

    Parameters
    ----------
    argv : sequence of str or None
        Arguments (``sys.argv[1:]`` when None).

    Returns
    -------
    int
        0 when every fit of the grid has a row (whatever its status).
    """
    args = build_parser().parse_args(list(sys.argv[1:] if argv is None else argv))
    logging.basicConfig(level=getattr(logging, args.log_level),
                        format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    if args.threads < 1:
        raise SystemExit(f"error: --threads must be >= 1, got {args.threads}")
    from .cli import grid_config_kwargs  # noqa: PLC0415

    grid = grid_config_kwargs(args)
    try:
        detectors = resolve_legacy_detectors(args.detectors)
    except ValueError as exc:
        raise SystemExit(f"error: {exc}") from None
    _limit_threads(args.threads)
    from .runner import RunConfig  # noqa: PLC0415

    try:
        config = RunConfig(detectors=detectors, timeout=args.timeout, threads=args.threads, **grid)
        with ResultStore(args.db) as store:
            _set_torch_threads(args.threads)
            summary = run_legacy_grid(config, store)
    except (ValueError, TypeError) as exc:
        raise SystemExit(f"error: {exc}") from None
    sys.stdout.write(f"{summary}\n")
    return 0


def _set_torch_threads(threads: int) -> None:
    try:
        import torch  # noqa: PLC0415
    except ImportError:  # torch-free environments: only the TF baselines can run
        return
    torch.set_num_threads(threads)


if __name__ == "__main__":  # pragma: no cover - exercised through subprocess tests
    # run the package's module (not this __main__ copy), so loggers are named adbench_runs.*
    from adbench_runs.legacy_baselines import main as _main

    sys.exit(_main())
