"""Run a benchmark grid and write one result row per fit.

A *grid* is the product of datasets, a protocol, label budgets, seeds,
robustness settings and detectors. The runner

* computes each split -- one per (dataset, protocol, budget, seed, noise
  setting) -- once, in the driver, and hands the very same arrays to every
  detector (each row records a sha1 of the split it was scored on, so
  sameness can be checked in the database);
* fits every detector on it, locally with joblib (``backend="joblib"``,
  ``jobs`` worker processes) or on a Dask cluster (``backend="dask"``);
* writes each result to the :class:`~adbench_runs.store.ResultStore` as soon
  as it arrives, from the driver process only;
* skips fits already in the store, so a killed run restarted with the same
  arguments redoes only the unfinished fits (``retry_failed=True`` also
  redoes rows whose status is ``error`` or ``timeout``).

A failing detector never stops the run: the exception's type, message and
traceback are logged and stored with ``status="error"``; non-finite scores
are a failure too (``NonFiniteScoresError``). With a time limit
(``timeout``), each fit runs in its own child process, which is killed
(with its process group) when fit plus scoring exceed the limit, and the
row gets ``status="timeout"``.

One fit (in process or in a timed child) is :func:`adbench_runs.fitting.run_fit`; the
versions, host and split hash stored with it come from :mod:`adbench_runs.provenance`.

Examples
--------
>>> from adbench_runs.runner import RunConfig, run_grid      # doctest: +SKIP
>>> from adbench_runs.store import ResultStore                # doctest: +SKIP
>>> config = RunConfig(datasets=["14_glass"], detectors=["IForest", "ECOD"], seeds=[1])
>>> with ResultStore("results.db") as store:                  # doctest: +SKIP
...     summary = run_grid(config, store)
"""
from __future__ import annotations

import inspect
import logging
import math
import sys
import time
from dataclasses import dataclass, field
from typing import Any, Iterable, Iterator, Mapping, Sequence

import numpy as np

# one fit and its provenance live in their own modules; the names stay importable from here
from .fitting import _get_spec, error_result, run_fit
from .provenance import collect_versions, host_description, split_hash  # noqa: F401
from .store import FitKey, ResultStore, STATUSES

logger = logging.getLogger(__name__)

__all__ = [
    "BACKENDS",
    "PROTOCOLS",
    "Cell",
    "RunConfig",
    "RunSummary",
    "TimeoutGuard",
    "build_cells",
    "resolve_datasets",
    "resolve_detectors",
    "run_grid",
]

#: Protocols the runner knows (see :mod:`adbench_runs.protocols`).
PROTOCOLS = ("adbench", "devnet")
#: Execution backends.
BACKENDS = ("joblib", "dask")
#: Dataset groups accepted by :func:`resolve_datasets`.
DATASET_GROUPS = ("paper", "adbench", "mvtec", "default")
#: ``noise_type`` of the DevNet protocol's contamination sweep.
CONTAMINATION = "contamination"
#: ADBench noise type whose sweep level is the duplication factor ``duplicate_times``.
DUPLICATED = "duplicated_anomalies"



# ============================================================================ grid
@dataclass(frozen=True)
class Cell:
    """One split of the grid: everything of a :class:`FitKey` but the detector."""

    dataset: str
    protocol: str
    budget: Any
    seed: int
    noise_type: str = "none"
    noise_ratio: float = 0.0

    def key(self, detector: str) -> FitKey:
        """The :class:`FitKey` of ``detector`` on this split."""
        return FitKey(self.dataset, self.protocol, self.budget, self.seed, detector,
                      self.noise_type, self.noise_ratio)


@dataclass
class RunConfig:
    """What to run.

    Parameters
    ----------
    datasets : sequence of str, default=("default",)
        Dataset names, groups (``paper``, ``adbench``, ``mvtec``, ``default``)
        or file paths; see :func:`resolve_datasets`.
    detectors : sequence of str, default=("IForest", "ECOD")
        Detector names, groups (``unsupervised``, ``semi-supervised``,
        ``supervised``) or ``all``; see :func:`resolve_detectors`.
    protocol : {"adbench", "devnet"}, default="adbench"
    budgets : sequence of float or int, or None, default=None
        Label budgets. A float is a ratio of the training anomalies, an int a
        count (ADBench accepts both, DevNet counts only). None: ``(0.1,)``
        for ADBench, :func:`~adbench_runs.protocols.default_n_labelled` of each
        dataset for DevNet.
    seeds : sequence of int or None, default=None
        None: :data:`~adbench_runs.protocols.ADBENCH_SEEDS` (1, 2, 3) or
        :data:`~adbench_runs.protocols.DEVNET_SEEDS` (0..9, ten runs).
    noise_type : str or None, default=None
        ADBench robustness setting (``duplicated_anomalies``,
        ``irrelevant_features``, ``label_contamination``); needs ``noise_ratios``.
    noise_ratios : sequence of float, default=(0.0,)
        Values of the ADBench noise sweep (used only with ``noise_type``): ratios in
        [0, 1) for ``irrelevant_features`` and ``label_contamination``; for
        ``duplicated_anomalies`` the duplication factor ``duplicate_times`` >= 1
        (ADBench sweeps 1-6), which the store keeps in its ``noise_ratio`` column.
    contaminations : sequence of float or None, default=None
        DevNet protocol: contamination sweep of the unlabelled set (stored as
        ``noise_type="contamination"``). None: the protocol's default.
    overrides : mapping of str to mapping, default={}
        Hyper-parameters replacing a detector's registry values, by detector
        name (``{"DASAD": {"epochs": 5}}``). They are recorded in each row's
        ``params``; rows already in the store are not redone when they change,
        so use a new database (or ``retry_failed``) for a new setting.
    custom_detectors : mapping of str to DetectorSpec, default={}
        Extra detectors not in the registry (your own :class:`DetectorSpec`);
        they must be picklable for ``jobs > 1``, timeouts and Dask.
    timeout : float or None, default=None
        Time limit in seconds for one fit plus the scoring of the test set.
        None: no limit, and fits run inside the worker processes.
    jobs : int, default=1
        Parallel fits with the joblib backend (-1: all cores).
    threads : int, default=1
        BLAS/OpenMP/torch threads per fit.
    backend : {"joblib", "dask"}, default="joblib"
    scheduler : str, distributed.Client or None, default=None
        Dask scheduler address (``tcp://host:8786``) or an existing Client;
        required for ``backend="dask"``.
    data_dir : str or None, default=None
        Data directory (see :func:`adbench_runs.datasets.get_data_dir`).
    retry_failed : bool, default=False
        Redo rows whose status is ``error`` or ``timeout``.
    redo : sequence of str, default=()
        Detectors whose stored rows in this grid are deleted and fitted again (e.g. after
        their defaults changed); rows outside the grid are kept.
    skip_timed_out : bool, default=False
        Do not fit a detector on a split when it has a ``timeout`` row on another seed of
        the same dataset and setting (stored before this run, or recorded during it: with
        ``jobs=1`` the seeds run in order, so a detector that exceeds the limit on the
        first seed is not tried on the others; fits already dispatched to parallel workers
        still run). Those fits get no row, and the report shows the cell as
        ``timeout (1/1)`` instead of spending the limit once per seed to record the same
        failure. Cannot be combined with ``retry_failed``.
    progress : bool, default=False
        Show a tqdm bar over the fits (on stderr).
    """

    datasets: Sequence[str] = ("default",)
    detectors: Sequence[str] = ("IForest", "ECOD")
    protocol: str = "adbench"
    budgets: Sequence[Any] | None = None
    seeds: Sequence[int] | None = None
    noise_type: str | None = None
    noise_ratios: Sequence[float] = (0.0,)
    contaminations: Sequence[float] | None = None
    overrides: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)
    custom_detectors: Mapping[str, Any] = field(default_factory=dict)
    timeout: float | None = None
    jobs: int = 1
    threads: int = 1
    backend: str = "joblib"
    scheduler: Any = None
    data_dir: str | None = None
    retry_failed: bool = False
    redo: Sequence[str] = ()
    skip_timed_out: bool = False
    progress: bool = False

    def validate(self) -> None:
        """Raise ValueError/TypeError for inconsistent settings."""
        if self.protocol not in PROTOCOLS:
            raise ValueError(f"protocol must be one of {PROTOCOLS}, got {self.protocol!r}")
        if self.backend not in BACKENDS:
            raise ValueError(f"backend must be one of {BACKENDS}, got {self.backend!r}")
        if self.backend == "dask" and self.scheduler is None:
            raise ValueError("backend='dask' needs a scheduler address (--scheduler tcp://HOST:8786)")
        if self.timeout is not None and not self.timeout > 0:
            raise ValueError(f"timeout must be a positive number of seconds, got {self.timeout!r}")
        if not isinstance(self.jobs, int) or self.jobs == 0 or self.jobs < -1:
            raise ValueError(f"jobs must be a positive int or -1, got {self.jobs!r}")
        if not isinstance(self.threads, int) or self.threads < 1:
            raise ValueError(f"threads must be a positive int, got {self.threads!r}")
        if not list(self.datasets):
            raise ValueError("no datasets given")
        if not list(self.detectors):
            raise ValueError("no detectors given")
        if self.protocol == "devnet":
            if self.budgets is not None and any(not _is_int(b) for b in self.budgets):
                raise ValueError("the devnet protocol takes label counts (ints), got budgets "
                                 f"{list(self.budgets)}")
            if self.noise_type is not None:
                raise ValueError("noise_type is an ADBench-protocol setting; for devnet use "
                                 "contaminations")
        elif self.contaminations is not None:
            raise ValueError("contaminations is a devnet-protocol setting; for adbench use "
                             "noise_type and noise_ratios")
        if self.noise_type is None and any(float(r) != 0.0 for r in self.noise_ratios):
            raise ValueError("noise_ratios given without noise_type")
        if self.noise_type == DUPLICATED:
            bad = [r for r in self.noise_ratios if not (math.isfinite(float(r)) and float(r) >= 1.0)]
            if bad:
                raise ValueError("duplicated_anomalies sweeps the duplication factor "
                                 "(duplicate_times >= 1; ADBench uses 1 2 3 4 5 6), got "
                                 f"{list(self.noise_ratios)}")
        elif self.noise_type is not None:
            bad = [r for r in self.noise_ratios if not 0.0 <= float(r) < 1.0]
            if bad:
                raise ValueError(f"{self.noise_type} ratios must be in [0, 1), got {bad}")
        if self.seeds is not None and not list(self.seeds):
            raise ValueError("seeds is empty")
        if self.seeds is not None:
            bad = [s for s in self.seeds if not _is_int(s) or not 0 <= int(s) < 2 ** 32]
            if bad:
                raise ValueError(f"seeds must be integers in [0, 2**32), got {bad}")
        if self.skip_timed_out and self.retry_failed:
            raise ValueError("skip_timed_out (--skip-timed-out) and retry_failed (--retry-failed) "
                             "contradict each other: one skips what the other redoes")
        unknown = set(self.overrides) - set(self.detectors) - set(self.custom_detectors)
        if unknown:
            logger.warning("parameter overrides for detectors not in this run: %s", sorted(unknown))


def _is_int(value: Any) -> bool:
    return isinstance(value, (int, np.integer)) and not isinstance(value, bool)


def resolve_datasets(tokens: Iterable[str], data_dir: str | None = None) -> list:
    """Expand dataset groups; keep names and file paths as given.

    Parameters
    ----------
    tokens : iterable of str
        Names, groups (``paper``, ``adbench``, ``mvtec``, ``default``) or paths.
    data_dir : str or None
        Where the ``adbench`` group looks for files.

    Returns
    -------
    list of str
        Without duplicates, in the order first seen.

    Raises
    ------
    ValueError
        A name that no fit could load (a typo, say): before any fit runs, instead of an
        error row per detector and seed (:func:`adbench_runs.datasets.check_dataset_name`).
    """
    from .datasets import check_dataset_name, list_datasets  # noqa: PLC0415

    out: list = []
    for token in tokens:
        if token not in DATASET_GROUPS:
            check_dataset_name(token, data_dir)
        names = list_datasets(token, data_dir=data_dir) if token in DATASET_GROUPS else [token]
        if token in DATASET_GROUPS and not names:
            logger.warning("dataset group %r is empty (data dir: %s)", token, data_dir)
        out.extend(n for n in names if n not in out)
    return out


def resolve_detectors(tokens: Iterable[str], custom: Iterable[str] = ()) -> list:
    """Expand detector groups and ``all``; check names.

    Groups and ``all`` keep only the detectors whose packages are installed
    (the others are logged); a name given explicitly is kept even if it is
    unavailable, so its failure is recorded.

    Raises
    ------
    ValueError
        For an unknown name (with close matches).
    """
    from .detectors import DETECTOR_GROUPS, get_detector, list_detectors  # noqa: PLC0415

    custom = list(custom)
    out: list = []
    for token in tokens:
        if token == "all" or token in DETECTOR_GROUPS:
            group = None if token == "all" else token
            names = list_detectors(group, available_only=True)
            missing = sorted(set(list_detectors(group)) - set(names))
            if missing:
                logger.warning("detectors left out of %r (packages not installed): %s", token, missing)
        else:
            if token not in custom:
                get_detector(token)  # raises ValueError with suggestions
            names = [token]
        out.extend(n for n in names if n not in out)
    return out


def _default_contamination() -> float:
    from .protocols import devnet_split  # noqa: PLC0415

    return float(inspect.signature(devnet_split).parameters["contamination"].default)


def build_cells(config: RunConfig, datasets: Sequence[str]) -> list:
    """All splits of the grid, dataset by dataset.

    Parameters
    ----------
    config : RunConfig
    datasets : sequence of str
        Resolved dataset names (see :func:`resolve_datasets`).

    Returns
    -------
    list of Cell
    """
    from .protocols import ADBENCH_SEEDS, DEVNET_SEEDS, default_n_labelled  # noqa: PLC0415

    if config.protocol == "adbench":
        seeds = ADBENCH_SEEDS if config.seeds is None else config.seeds
        if config.noise_type is None:
            noises = [("none", 0.0)]
        else:
            noises = [(config.noise_type, float(r)) for r in config.noise_ratios]
    else:
        seeds = DEVNET_SEEDS if config.seeds is None else config.seeds
        contaminations = ([_default_contamination()] if config.contaminations is None
                          else config.contaminations)
        noises = [(CONTAMINATION, float(c)) for c in contaminations]
    cells = []
    for dataset in datasets:
        if config.budgets is not None:
            budgets = list(config.budgets)
        elif config.protocol == "adbench":
            budgets = [0.1]
        else:
            budgets = [default_n_labelled(dataset)]
        for noise_type, noise_ratio in noises:
            for budget in budgets:
                for seed in seeds:
                    cells.append(Cell(dataset, config.protocol, budget, int(seed), noise_type, noise_ratio))
    return cells


# ============================================================================ the grid
@dataclass
class RunSummary:
    """What a :func:`run_grid` call did.

    Attributes
    ----------
    n_grid : int
        Fits in the grid.
    n_skipped : int
        Fits already in the store (not redone).
    counts : dict
        New rows by status.
    wall_seconds : float
    db_path : str
    n_held : int, default=0
        Fits not run because their detector timed out on another seed
        (``skip_timed_out``); they have no row.
    """

    n_grid: int
    n_skipped: int
    counts: dict
    wall_seconds: float
    db_path: str
    n_held: int = 0

    @property
    def n_run(self) -> int:
        """Fits run by this call."""
        return sum(self.counts.values())

    def __str__(self) -> str:
        parts = ", ".join(f"{self.counts.get(s, 0)} {s}" for s in STATUSES)
        held = f", {self.n_held} not run (timed out on another seed)" if self.n_held else ""
        return (f"{self.n_grid} fits in the grid, {self.n_skipped} already done, {self.n_run} run "
                f"({parts}){held} in {self.wall_seconds:.1f} s -> {self.db_path}")


class TimeoutGuard:
    """The ``skip_timed_out`` rule: which (dataset, setting, detector) cells have timed out
    on some seed, and which fits it held back.

    Parameters
    ----------
    timed_out : iterable of FitKey
        Keys of stored ``timeout`` rows.
    """

    def __init__(self, timed_out: Iterable[FitKey] = ()) -> None:
        self._cells = {self._cell(k) for k in timed_out}
        self.held: set = set()

    @staticmethod
    def _cell(key: FitKey) -> tuple:
        return (key.dataset, key.protocol, key.budget_text, key.detector, key.noise_type, key.noise_ratio)

    def record(self, key: FitKey, status: str) -> None:
        """Note a finished fit; a ``timeout`` holds back the cell's other seeds."""
        if status == "timeout":
            self._cells.add(self._cell(key))

    def holds(self, key: FitKey) -> bool:
        """Whether ``key`` is held back (remembered in :attr:`held`)."""
        if self._cell(key) in self._cells:
            self.held.add(key)
            return True
        return False


def _split_to_dict(split: Any) -> dict:
    return {"X_train": split.X_train, "y_train": split.y_train, "X_test": split.X_test,
            "y_test": split.y_test, "y_train_true": split.y_train_true, "meta": dict(split.meta)}


def _make_split(cell: Cell, X: np.ndarray, y: np.ndarray) -> dict:
    from .protocols import adbench_split, devnet_split  # noqa: PLC0415

    if cell.protocol == "adbench":
        noise_type = None if cell.noise_type == "none" else cell.noise_type
        # the duplicated-anomalies sweep's level is ADBench's duplicate_times, not a ratio
        level = "duplicate_times" if noise_type == DUPLICATED else "noise_ratio"
        split = adbench_split(X, y, cell.seed, cell.budget, noise_type=noise_type,
                              **{level: cell.noise_ratio})
    else:
        split = devnet_split(X, y, cell.seed, n_labelled=int(cell.budget), contamination=cell.noise_ratio)
    return _split_to_dict(split)


def work_items(cells: Sequence[Cell], detectors: Sequence[str], pending: set,
                data_dir: str | None, guard: TimeoutGuard | None = None) -> Iterator[tuple]:
    """Yield ``("fit", key, split)`` or ``("failed", key, result)`` for pending fits.

    Splits are made lazily, one cell at a time; a dataset is loaded once for
    its consecutive cells. A dataset or split that cannot be made gives a
    failed row for each detector of its cells (never a silent gap). With a
    ``guard`` (``skip_timed_out``), the fits it holds back at the moment their
    cell comes up are left out.
    """
    from .datasets import load_dataset  # noqa: PLC0415

    loaded_name, dataset, dataset_error = None, None, None
    for cell in cells:
        keys = [cell.key(d) for d in detectors if cell.key(d) in pending]
        if guard is not None:
            keys = [k for k in keys if not guard.holds(k)]
        if not keys:
            continue
        if cell.dataset != loaded_name:
            loaded_name, dataset, dataset_error = cell.dataset, None, None
            try:
                dataset = load_dataset(cell.dataset, data_dir=data_dir)
            except Exception as exc:  # noqa: BLE001 - recorded for every fit of the dataset
                logger.error("dataset %r cannot be loaded: %s: %s", cell.dataset, type(exc).__name__, exc)
                dataset_error = error_result(exc)
        if dataset_error is not None:
            for key in keys:
                yield "failed", key, dict(dataset_error)
            continue
        try:
            split = _make_split(cell, dataset.X, dataset.y)
        except Exception as exc:  # noqa: BLE001
            logger.error("split %s cannot be made: %s: %s", cell, type(exc).__name__, exc)
            failure = error_result(exc)
            for key in keys:
                yield "failed", key, dict(failure)
            continue
        for key in keys:
            yield "fit", key, split


def _echo(result: dict) -> dict:
    return result


def _run_joblib(items: Iterator[tuple], config: RunConfig) -> Iterator[tuple]:
    """Yield ``(key, result)`` as fits finish, with joblib's process workers."""
    spec_of = dict(config.custom_detectors)

    def tasks():
        from joblib import delayed  # noqa: PLC0415

        for kind, key, obj in items:
            if kind == "failed":
                yield delayed(_keyed)(key, _echo, obj)
            else:
                yield delayed(_keyed)(key, run_fit, key, obj, config.overrides.get(key.detector),
                                      config.timeout, config.threads, spec_of.get(key.detector))

    if config.jobs == 1:
        for func, args, kwargs in tasks():
            yield func(*args, **kwargs)
        return
    from joblib import Parallel  # noqa: PLC0415

    parallel = Parallel(n_jobs=config.jobs, backend="loky", return_as="generator_unordered",
                        pre_dispatch="2*n_jobs")
    yield from parallel(tasks())


def _keyed(key: FitKey, func, *args) -> tuple:
    return key, func(*args)


def _run_dask(items: Iterator[tuple], config: RunConfig) -> Iterator[tuple]:
    """Yield ``(key, result)`` as fits finish on a Dask cluster.

    Each split is scattered to the cluster once and shared by the fits of
    all detectors on it; at most a bounded number of fits are in flight.
    """
    from distributed import Client, as_completed  # noqa: PLC0415

    own_client = not isinstance(config.scheduler, Client)
    client = Client(config.scheduler) if own_client else config.scheduler
    try:
        n_threads = sum(client.nthreads().values()) or 1
        window = max(4, 2 * n_threads)
        spec_of = dict(config.custom_detectors)
        futures = as_completed(with_results=True, raise_errors=False)
        key_of: dict = {}
        split_ref: tuple = (None, None)  # (the split dict, its scattered future)

        def finished():
            fut, value = next(futures)
            key = key_of.pop(fut.key)
            if fut.status != "finished":  # the task itself failed (e.g. KilledWorker) or was cancelled
                exc = value if isinstance(value, BaseException) else fut.exception()
                logger.error("dask task of %s failed: %r", key, exc)
                return key, error_result(exc)
            return value

        for kind, key, obj in items:
            if kind == "failed":
                yield key, obj
                continue
            if split_ref[0] is not obj:
                split_ref = (obj, client.scatter([obj], hash=False)[0])
            fut = client.submit(_keyed, key, run_fit, key, split_ref[1], config.overrides.get(key.detector),
                                config.timeout, config.threads, spec_of.get(key.detector), pure=False)
            key_of[fut.key] = key
            futures.add(fut)
            while len(key_of) >= window:
                yield finished()
        split_ref = (None, None)
        while key_of:
            yield finished()
    finally:
        if own_client:
            client.close()


def _warn_changed_params(store: ResultStore, detectors: Sequence[str], config: RunConfig) -> None:
    """Warn when rows being skipped were computed with other hyper-parameters than asked now."""
    stored = store.stored_params()
    for detector in detectors:
        if detector not in stored:
            continue
        try:
            spec = _get_spec(detector, config.custom_detectors)
        except ValueError:
            continue
        wanted = {**dict(getattr(spec, "params", {}) or {}), **dict(config.overrides.get(detector, {}))}
        wanted = {k: (list(v) if isinstance(v, tuple) else v) for k, v in wanted.items()}  # as JSON reads it
        differing = [p for p in stored[detector] if any(p.get(k) != v for k, v in wanted.items())]
        if differing:
            logger.warning("%s: %d stored parameter set(s) differ from the requested %s; rows already in %s "
                           "are kept, not redone (use a new --db to rerun with the new parameters)",
                           detector, len(differing), wanted, store.path)


@dataclass
class GridPlan:
    """The fits of a grid and which of them still have to run.

    Attributes
    ----------
    datasets : list of str
    cells : list of Cell
        One per (dataset, budget, seed, noise) split, in run order.
    detectors : list of str
    grid : list of FitKey
        Every fit of the grid (cells x detectors).
    pending : set of FitKey
        The fits without a stored row (with ``retry_failed``: without an ``ok`` row).
    n_skipped : int
        Fits of the grid already in the store.
    guard : TimeoutGuard or None
        With ``skip_timed_out``: the cells that timed out, and the fits held back.
    """

    datasets: list
    cells: list
    detectors: list
    grid: list
    pending: set
    n_skipped: int
    guard: TimeoutGuard | None = None

    @property
    def n_held(self) -> int:
        """Fits the guard held back (0 without ``skip_timed_out``)."""
        return len(self.guard.held) if self.guard is not None else 0


def plan_grid(config: RunConfig, store: ResultStore, detectors: Sequence[str],
              what: str = "detectors") -> GridPlan:
    """Resolve ``config``'s datasets into cells, pair them with ``detectors`` and find the
    fits ``store`` does not hold yet; shared by :func:`run_grid` and ADBench's own
    baselines (:func:`adbench_runs.legacy_baselines.run_legacy_grid`).

    Rows of the detectors in ``config.redo`` that belong to this grid are deleted first,
    so they are fitted again.
    """
    datasets = resolve_datasets(config.datasets, config.data_dir)
    if not datasets:
        raise ValueError(f"no datasets found for {list(config.datasets)}")
    cells = build_cells(config, datasets)
    grid = [cell.key(d) for cell in cells for d in detectors]
    redo = set(config.redo or ())
    unknown = redo - set(detectors)
    if unknown:
        raise ValueError(f"--redo names detectors that are not in this run: {sorted(unknown)}")
    if redo:
        deleted = store.delete(k for k in grid if k.detector in redo)
        logger.info("redo: deleted %d stored row(s) of %s from %s", deleted, sorted(redo), store.path)
    done = store.done_keys(("ok",) if config.retry_failed else STATUSES)
    pending = set(grid) - done
    n_skipped = len(grid) - len(pending)
    guard = None
    if config.skip_timed_out:
        guard = TimeoutGuard(store.done_keys(("timeout",)))
        pending = {k for k in pending if not guard.holds(k)}
        if guard.held:
            logger.info("skip-timed-out: %d fit(s) not run: their detector timed out on another seed "
                        "of the same dataset and setting", len(guard.held))
    logger.info("grid: %d datasets x %d splits x %d %s = %d fits; %d already in %s, %d to run",
                len(datasets), len(cells), len(detectors), what, len(grid), n_skipped, store.path, len(pending))
    return GridPlan(datasets, cells, list(detectors), grid, pending, n_skipped, guard)


def run_grid(config: RunConfig, store: ResultStore) -> RunSummary:
    """Run every pending fit of the grid and write the results to ``store``.

    Parameters
    ----------
    config : RunConfig
    store : ResultStore
        Rows are written (committed) by this process as each fit finishes.

    Returns
    -------
    RunSummary
    """
    config.validate()
    t_start = time.perf_counter()
    detectors = resolve_detectors(config.detectors, config.custom_detectors)
    if not detectors:
        raise ValueError(f"no available detectors for {list(config.detectors)}")
    plan = plan_grid(config, store, detectors)
    if plan.n_skipped:
        _warn_changed_params(store, detectors, config)

    counts = {s: 0 for s in STATUSES}
    items = work_items(plan.cells, plan.detectors, plan.pending, config.data_dir, plan.guard)
    runner = _run_dask if config.backend == "dask" else _run_joblib
    from tqdm.auto import tqdm  # noqa: PLC0415

    with tqdm(total=len(plan.pending), desc="fits", unit="fit", disable=not config.progress,
              file=sys.stderr, dynamic_ncols=True) as bar:
        for key, result in runner(items, config):
            store.write(key, result)
            counts[result["status"]] += 1
            if plan.guard is not None:
                plan.guard.record(key, result["status"])
            if result["status"] == "error":
                logger.error("%s failed: %s: %s\n%s", key, result.get("error_type"), result.get("error"),
                             result.get("traceback") or "")
            elif result["status"] == "timeout":
                logger.warning("%s: %s", key, result.get("error"))
            else:
                logger.debug("%s: AUC-PR %.4f, AUC-ROC %.4f, fit %.2f s", key, result["auc_pr"],
                             result["auc_roc"], result["fit_seconds"])
            bar.set_postfix(ok=counts["ok"], error=counts["error"], timeout=counts["timeout"], refresh=False)
            bar.update(1)
    summary = RunSummary(len(plan.grid), plan.n_skipped, counts, time.perf_counter() - t_start, store.path,
                         n_held=plan.n_held)
    logger.info("%s", summary)
    return summary
