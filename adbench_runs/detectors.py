"""Detector registry of the leaderboard.

Every detector the benchmark compares is described by a :class:`DetectorSpec`
(name, group, source, hyper-parameters, required modules) and built into one
small adapter, :class:`Detector`, with the same two methods for all of them:

* ``fit(X, y)`` -- unsupervised detectors ignore ``y`` and fit on all of
  ``X`` (as ADBench does); semi-supervised ones get ``y`` (1 = labelled
  anomaly, 0 = unlabelled); supervised ones fit a classifier on ``y``;
* ``decision_function(X)`` -- a 1-D float array, higher = more abnormal
  (``predict_proba(X)[:, 1]`` for the supervised classifiers, as ADBench's
  supervised baselines do).

The runner therefore never special-cases a detector.

Global state
------------
Several libraries seed or draw from the *global* random generators (DeepOD
seeds numpy, ``random`` and torch in every model's ``__init__``; PyOD's deep
detectors seed in ``__init__``; ``pyod.models.devnet`` seeds numpy and torch
when it is imported; torch ``DataLoader`` shuffling uses the global torch
generator). The adapter therefore runs each library call (construction, fit,
scoring) inside :func:`isolated_global_state`, which

* saves the global numpy, ``random`` and torch (CPU and CUDA) generator states
  and restores them afterwards, so the caller's global RNG state is untouched;
* seeds those generators with ``random_state`` inside the call, which makes
  even libraries without a seed argument deterministic for a given seed;
* limits BLAS/OpenMP (``threadpoolctl``) and torch intra-op threads to
  ``n_threads`` (default 1), so the runner's joblib parallelism controls cores;
* captures what the library prints to stdout and logs it at DEBUG level.

Non-finite scores
-----------------
NaN or infinite scores are never hidden or repaired: ``decision_function``
raises :class:`NonFiniteScoresError` (a ``ValueError``) naming the detector
and the count, with the raw scores on the exception's ``scores`` attribute.
The runner records it as an explicit failure (DeepOD's FeaWAD, for one, is
known to return NaN on mammography).

Examples
--------
>>> import numpy as np
>>> from adbench_runs.detectors import get_detector, list_detectors
>>> rng = np.random.default_rng(0)
>>> X = rng.normal(size=(200, 5)); y = np.zeros(200, dtype=int); y[:5] = 1
>>> X[:5] += 4
>>> det = get_detector("IForest").build(random_state=0).fit(X, y)
>>> det.decision_function(X).shape
(200,)
>>> "DASAD" in list_detectors("semi-supervised")
True
"""
from __future__ import annotations

import contextlib
import copy
import difflib
import functools
import importlib
import importlib.util
import inspect
import io
import json
import logging
import numbers
import random
import sys
from dataclasses import dataclass, field
from typing import Any, Callable, Iterator

import numpy as np

logger = logging.getLogger(__name__)

__all__ = [
    "DETECTOR_GROUPS",
    "DETECTORS",
    "Detector",
    "DetectorSpec",
    "NonFiniteScoresError",
    "get_detector",
    "isolated_global_state",
    "list_detectors",
]

#: The three detector groups, in the order the leaderboard lists them.
DETECTOR_GROUPS = ("unsupervised", "semi-supervised", "supervised")

_PYOD = "pyod 3.6.7"
_DEEPOD = "deepod 0.4.1 (authors' code)"
_SKLEARN = "scikit-learn"


class NonFiniteScoresError(ValueError):
    """A detector returned NaN or infinite anomaly scores.

    Parameters
    ----------
    message : str
        What went wrong.
    scores : numpy.ndarray
        The raw scores, as the detector returned them.
    """

    def __init__(self, message: str, scores: np.ndarray) -> None:
        super().__init__(message)
        self.scores = scores


# --------------------------------------------------------------------------
# seeding, global state and threads
# --------------------------------------------------------------------------
def _as_seed(random_state: Any) -> int | None:
    """Return ``random_state`` as a plain int (or None).

    ADBench passes ``numpy.int64`` seeds; Python 3.11's ``random.seed`` and
    several libraries reject those, so every seed is converted here.
    """
    if random_state is None:
        return None
    if isinstance(random_state, (bool, np.bool_)):
        raise TypeError("random_state must be None or an int, got a bool")
    if isinstance(random_state, numbers.Integral):
        seed = int(random_state)
        if not 0 <= seed < 2**32:
            raise ValueError(f"random_state must be in [0, 2**32), got {seed}")
        return seed
    raise TypeError(
        "random_state must be None or an int (numpy ints accepted), "
        f"got {type(random_state).__name__}"
    )


@contextlib.contextmanager
def isolated_global_state(
    seed: int | None = None, n_threads: int | None = 1, uses_torch: bool = False
) -> Iterator[None]:
    """Run a third-party call without leaking global RNG or thread changes.

    Parameters
    ----------
    seed : int or None, default=None
        If given, the global numpy, ``random`` and torch generators are seeded
        with it inside the block (so libraries that draw from them are
        deterministic); they are restored on exit either way.
    n_threads : int or None, default=1
        Limit for BLAS/OpenMP threads (``threadpoolctl``) and torch intra-op
        threads inside the block; None leaves the limits alone.
    uses_torch : bool, default=False
        Also fork torch's CPU and CUDA generators and its thread setting.
        torch is imported only when this is True.

    Yields
    ------
    None
    """
    np_state = np.random.get_state()
    py_state = random.getstate()
    captured = io.StringIO()
    with contextlib.ExitStack() as stack:
        torch = None
        if uses_torch:
            import torch  # noqa: PLC0415  (lazy: only torch-based detectors)

            devices = list(range(torch.cuda.device_count())) if torch.cuda.is_available() else []
            stack.enter_context(torch.random.fork_rng(devices=devices))
            old_threads = torch.get_num_threads()
            if n_threads is not None:
                torch.set_num_threads(int(n_threads))
                stack.callback(torch.set_num_threads, old_threads)
        if n_threads is not None:
            from threadpoolctl import threadpool_limits  # noqa: PLC0415

            stack.enter_context(threadpool_limits(limits=int(n_threads)))
        if seed is not None:
            np.random.seed(seed)
            random.seed(seed)
            if torch is not None:
                torch.manual_seed(seed)
        stack.enter_context(contextlib.redirect_stdout(captured))
        try:
            yield
        finally:
            np.random.set_state(np_state)
            random.setstate(py_state)
    text = captured.getvalue().strip()
    if text:
        logger.debug("third-party output:\n%s", text)


# --------------------------------------------------------------------------
# factories: how each library's estimator is constructed
# --------------------------------------------------------------------------
def _load(target: str) -> Any:
    """Import ``"package.module:Name"`` and return ``Name``."""
    module_name, _, attr = target.partition(":")
    return getattr(importlib.import_module(module_name), attr)


def _resolve_device(device: Any) -> Any:
    """Map ``"auto"`` to ``"cuda"`` when available, else ``"cpu"``."""
    if device != "auto":
        return device
    import torch  # noqa: PLC0415

    return "cuda" if torch.cuda.is_available() else "cpu"


def _construct(
    target: str,
    params: dict,
    seed: int | None,
    n_features: int,
    *,
    seed_arg: str | None = "random_state",
    n_features_arg: str | None = None,
    none_seed_default: bool = False,
    resolve_device: bool = True,
) -> Any:
    """Build ``target(**params)``, adding the seed and input width where needed.

    Parameters
    ----------
    target : str
        ``"module:Class"``.
    params : dict
        Hyper-parameters; a ``"device": "auto"`` entry is resolved.
    seed : int or None
        Passed as ``seed_arg`` (when the class takes a seed).
    n_features : int
        Passed as ``n_features_arg`` (PyOD DeepSVDD needs it at construction).
    seed_arg : str or None, default="random_state"
        Name of the class's seed argument; None when it has none.
    n_features_arg : str or None, default=None
        Name of the class's input-width argument, if it needs one.
    none_seed_default : bool, default=False
        When ``seed`` is None, draw a fresh seed from OS entropy instead of
        passing None (DeepOD calls ``torch.manual_seed(random_state)``, which
        rejects None).
    resolve_device : bool, default=True
        Map ``"device": "auto"`` to ``"cuda"``/``"cpu"`` (for libraries that do
        not understand ``"auto"``); our own estimators resolve it themselves.
    """
    kwargs = dict(params)
    if resolve_device and "device" in kwargs:
        kwargs["device"] = _resolve_device(kwargs["device"])
    if seed_arg is not None:
        if seed is None and none_seed_default:
            seed = int(np.random.SeedSequence().entropy % (2**32))
        if seed is not None:
            kwargs[seed_arg] = seed
    if n_features_arg is not None:
        kwargs[n_features_arg] = n_features
    return _load(target)(**kwargs)


def _dasad_ensemble(params: dict, seed: int | None, n_features: int) -> Any:
    """Build ``DASADEnsemble``; ``base_estimator__NAME`` entries of ``params`` (e.g. from
    ``--set DASAD-Ensemble.base_estimator__epochs=10``) become the members' DASAD parameters."""
    from pyod_dasad import DASAD, DASADEnsemble  # noqa: PLC0415 - only when built

    own, member = {}, {}
    for key, value in params.items():
        head, sep, name = key.partition("__")
        if not sep:
            own[key] = value
        elif head == "base_estimator" and name:
            member[name] = value
        else:
            raise ValueError(f"DASAD-Ensemble: unknown parameter {key!r} (the members' parameters "
                             "are base_estimator__NAME, e.g. base_estimator__epochs)")
    if member:
        if own.get("base_estimator") is not None:
            raise ValueError("DASAD-Ensemble: give base_estimator or base_estimator__NAME entries, not both")
        own["base_estimator"] = DASAD(**member)
    return DASADEnsemble(random_state=seed, **own)


# --------------------------------------------------------------------------
# the spec and the adapter
# --------------------------------------------------------------------------
@dataclass(frozen=True)
class DetectorSpec:
    """One leaderboard entry: what it is and how to build it.

    Parameters
    ----------
    name : str
        Registry key, e.g. ``"IForest"`` or ``"DeepOD-RoSAS"``.
    group : {"unsupervised", "semi-supervised", "supervised"}
        How the detector uses labels (see :class:`Detector`).
    source : str
        Where the implementation comes from, e.g. ``"pyod 3.6.7"``.
    params : dict
        The hyper-parameters we pass (JSON-serialisable). Everything not listed
        is the library's default; :meth:`effective_params` gives the full set.
        Seeds and the input width are added at build time, not listed here.
    requires : tuple of str
        Importable module names the detector needs.
    target : str
        ``"module:Class"`` of the underlying estimator.
    factory : callable
        ``factory(params, seed, n_features) -> estimator``; called inside
        :func:`isolated_global_state` at fit time.
    notes : str, default=""
        Known issues and cost remarks, shown in the leaderboard's method list.
    """

    name: str
    group: str
    source: str
    params: dict = field(hash=False)
    requires: tuple
    target: str = field(default="", compare=False)
    factory: Callable[..., Any] = field(default=None, repr=False, compare=False, hash=False)
    notes: str = field(default="", compare=False)

    def __post_init__(self) -> None:
        if self.group not in DETECTOR_GROUPS:
            raise ValueError(
                f"group must be one of {DETECTOR_GROUPS}, got {self.group!r} for {self.name!r}"
            )
        json.dumps(self.params)  # raises TypeError if not JSON-serialisable

    @property
    def uses_torch(self) -> bool:
        """Whether the detector runs on torch (its RNG and threads get forked)."""
        return "torch" in self.requires

    def unavailable_reason(self) -> str | None:
        """Return why the detector cannot be built here, or None if it can."""
        for module in self.requires:
            try:
                found = importlib.util.find_spec(module) is not None
            except (ImportError, ValueError) as exc:  # broken parent package
                return f"module {module!r} cannot be located: {exc}"
            if not found:
                return f"module {module!r} is not installed"
        return None

    def is_available(self) -> bool:
        """Whether every module in ``requires`` can be imported here."""
        return self.unavailable_reason() is None

    def effective_params(self) -> dict:
        """All constructor hyper-parameters: library defaults updated by ``params``.

        Imports the estimator's class; values that are not JSON-serialisable
        are given as their ``repr``. Seed and input-width arguments keep the
        library's default here (they are set at build time).
        """
        cls = _load(self.target)
        merged: dict = {}
        for pname, p in inspect.signature(cls.__init__).parameters.items():
            if pname == "self" or p.kind in (p.VAR_POSITIONAL, p.VAR_KEYWORD):
                continue
            merged[pname] = None if p.default is inspect.Parameter.empty else p.default
        merged.update(self.params)
        out = {}
        for key, value in merged.items():
            try:
                json.dumps(value)
                out[key] = value
            except TypeError:
                out[key] = repr(value)
        return out

    def build(self, random_state: Any = None, *, n_threads: int | None = 1, **overrides: Any) -> "Detector":
        """Return an unfitted :class:`Detector`.

        Parameters
        ----------
        random_state : int, numpy integer or None, default=None
            Seed for the estimator and for the global generators during its
            calls (see :func:`isolated_global_state`).
        n_threads : int or None, default=1
            Thread limit during fit and scoring; None leaves it alone.
        **overrides
            Hyper-parameters replacing entries of ``params`` (tests use this
            for small epoch counts). Unknown keys are passed on to the
            estimator, which rejects those it does not take.

        Returns
        -------
        Detector
        """
        _as_seed(random_state)  # validate early
        reason = self.unavailable_reason()
        if reason is not None:
            raise ImportError(f"detector {self.name!r} is unavailable: {reason}")
        params = copy.deepcopy(self.params)
        params.update(overrides)
        return Detector(self, random_state=random_state, params=params, n_threads=n_threads)


class Detector:
    """Uniform ``fit`` / ``decision_function`` wrapper around one estimator.

    Built by :meth:`DetectorSpec.build`; the estimator itself is constructed
    in :meth:`fit` (inside :func:`isolated_global_state`, because some
    libraries seed global generators in their constructors and PyOD's
    DeepSVDD needs the input width).

    Parameters
    ----------
    spec : DetectorSpec
        The registry entry.
    random_state : int, numpy integer or None, default=None
        Seed.
    params : dict or None, default=None
        Hyper-parameters (``spec.params`` if None).
    n_threads : int or None, default=1
        Thread limit during library calls.

    Attributes
    ----------
    estimator_ : object
        The fitted underlying estimator.
    n_features_in_ : int
        Number of features seen in ``fit``.
    """

    def __init__(self, spec: DetectorSpec, random_state: Any = None, params: dict | None = None,
                 n_threads: int | None = 1) -> None:
        self.spec = spec
        self.random_state = random_state
        self.params = dict(spec.params) if params is None else params
        self.n_threads = n_threads

    @property
    def name(self) -> str:
        """The detector's registry name."""
        return self.spec.name

    def __repr__(self) -> str:
        return f"Detector({self.spec.name!r}, random_state={self.random_state!r}, params={self.params!r})"

    def _context(self):
        return isolated_global_state(
            _as_seed(self.random_state), n_threads=self.n_threads, uses_torch=self.spec.uses_torch
        )

    @staticmethod
    def _check_X(X: Any) -> np.ndarray:
        X = np.asarray(X, dtype=np.float64)
        if X.ndim != 2:
            raise ValueError(f"X must be a 2-D array (n_samples, n_features), got shape {X.shape}")
        if X.shape[0] == 0 or X.shape[1] == 0:
            raise ValueError(f"X must be non-empty, got shape {X.shape}")
        if not np.all(np.isfinite(X)):
            raise ValueError("X contains NaN or infinite values")
        return np.ascontiguousarray(X)

    def _check_y(self, y: Any, n_samples: int) -> np.ndarray:
        if y is None:
            if self.spec.group == "supervised":
                raise ValueError(f"supervised detector {self.name!r} needs labels y")
            return np.zeros(n_samples, dtype=np.int64)
        y = np.asarray(y).ravel()
        if y.shape[0] != n_samples:
            raise ValueError(f"y has {y.shape[0]} entries but X has {n_samples} rows")
        bad = ~np.isin(y, (0, 1))
        if bad.any():
            raise ValueError(
                "y must contain only 0 (unlabelled / normal) and 1 (labelled anomaly); "
                f"found {np.unique(y[bad])[:5].tolist()}"
            )
        y = y.astype(np.int64)
        if self.spec.group == "supervised" and np.unique(y).size < 2:
            raise ValueError(
                f"supervised detector {self.name!r} needs both classes in y "
                f"(got only {int(y[0])}); with no labelled anomalies use an unsupervised detector"
            )
        return y

    def fit(self, X: Any, y: Any = None) -> "Detector":
        """Fit the detector.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Training data.
        y : array-like of shape (n_samples,) or None, default=None
            1 = labelled anomaly, 0 = unlabelled (or normal, for supervised
            detectors). Ignored by unsupervised detectors; None means all 0.

        Returns
        -------
        self : Detector
        """
        X = self._check_X(X)
        y = self._check_y(y, X.shape[0])
        seed = _as_seed(self.random_state)
        if self.spec.target:
            # import first, in an unseeded isolated block: some modules seed the
            # global generators when imported (pyod.models.devnet), which would
            # otherwise override our seed on the first fit only
            with isolated_global_state(None, n_threads=self.n_threads, uses_torch=self.spec.uses_torch):
                _load(self.spec.target)
        with self._context():
            estimator = self.spec.factory(self.params, seed, X.shape[1])
            if self.spec.group == "unsupervised":
                estimator.fit(X)
            else:
                estimator.fit(X, y)
        self.estimator_ = estimator
        self.n_features_in_ = X.shape[1]
        return self

    def decision_function(self, X: Any) -> np.ndarray:
        """Anomaly scores, higher = more abnormal.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)

        Returns
        -------
        scores : numpy.ndarray of shape (n_samples,), float64

        Raises
        ------
        NonFiniteScoresError
            If any score is NaN or infinite.
        """
        if not hasattr(self, "estimator_"):
            raise RuntimeError(f"detector {self.name!r} is not fitted; call fit(X, y) first")
        X = self._check_X(X)
        if X.shape[1] != self.n_features_in_:
            raise ValueError(f"X has {X.shape[1]} features, but the detector was fitted on {self.n_features_in_}")
        with self._context():
            if self.spec.group == "supervised":
                proba = np.asarray(self.estimator_.predict_proba(X))
                scores = proba[:, list(self.estimator_.classes_).index(1)]
            else:
                scores = self.estimator_.decision_function(X)
        scores = np.asarray(scores, dtype=np.float64).reshape(-1)
        if scores.shape[0] != X.shape[0]:
            raise ValueError(f"{self.name!r} returned {scores.shape[0]} scores for {X.shape[0]} rows")
        n_bad = int(np.sum(~np.isfinite(scores)))
        if n_bad:
            raise NonFiniteScoresError(
                f"detector {self.name!r} returned {n_bad} non-finite scores out of {scores.shape[0]}",
                scores,
            )
        return scores


# --------------------------------------------------------------------------
# the registry
# --------------------------------------------------------------------------
def _spec(name, group, source, target, params=None, requires=(), *, seed_arg="random_state",
          n_features_arg=None, none_seed_default=False, notes="") -> DetectorSpec:
    params = {} if params is None else params
    factory = functools.partial(_construct, target, seed_arg=seed_arg, n_features_arg=n_features_arg,
                                none_seed_default=none_seed_default)
    # functools.partial with the target bound first: factory(params, seed, n_features)
    return DetectorSpec(name=name, group=group, source=source, params=params, requires=tuple(requires),
                        target=target, factory=factory, notes=notes)


def _pyod(name, module, cls=None, params=None, *, seeded=True, torch=False, extra=(), **kw) -> DetectorSpec:
    requires = ("pyod",) + (("torch",) if torch else ()) + tuple(extra)
    return _spec(name, "unsupervised", _PYOD, f"pyod.models.{module}:{cls or name}", params,
                 requires, seed_arg="random_state" if seeded else None, **kw)


def _deepod(name, cls, params=None, notes="") -> DetectorSpec:
    # verbose=0: DeepOD prints progress otherwise; device "auto" -> cuda if available
    params = {"device": "auto", "verbose": 0, **(params or {})}
    return _spec(f"DeepOD-{name}", "semi-supervised", _DEEPOD, f"deepod.models.tabular:{cls}", params,
                 ("deepod", "torch"), none_seed_default=True,
                 notes=("DeepOD seeds the global numpy/random/torch generators in every model's "
                        "__init__; the adapter confines that to the call. " + notes).strip())


def _supervised(name, target, params=None, requires=(), seed_arg="random_state", source=_SKLEARN,
                notes="") -> DetectorSpec:
    return _spec(name, "supervised", source, target, params, requires, seed_arg=seed_arg, notes=notes)


def _build_registry() -> dict:
    specs = [
        # ---------------------------------------------------------- unsupervised (PyOD)
        _pyod("IForest", "iforest", params={"n_jobs": 1}),
        _pyod("OCSVM", "ocsvm", seeded=False),
        _pyod("CBLOF", "cblof", params={"n_jobs": 1},
              notes="ADBench-style: fails on data with fewer distinct clusters than n_clusters=8."),
        _pyod("COF", "cof", seeded=False, notes="O(n^2) memory and time (pairwise distances)."),
        _pyod("COPOD", "copod", params={"n_jobs": 1}, seeded=False),
        _pyod("ECOD", "ecod", params={"n_jobs": 1}, seeded=False),
        _pyod("HBOS", "hbos", seeded=False),
        _pyod("KNN", "knn", params={"n_jobs": 1}, seeded=False),
        _pyod("LODA", "loda"),
        _pyod("LOF", "lof", params={"n_jobs": 1}, seeded=False),
        _pyod("PCA", "pca"),
        _pyod("SOD", "sod", params={"n_jobs": 1}, seeded=False,
              notes="O(n^2): shared-nearest-neighbour reference sets for every point."),
        _pyod("DeepSVDD", "deep_svdd", params={"verbose": 0}, torch=True, n_features_arg="n_features"),
        _pyod("INNE", "inne"),
        _pyod("GMM", "gmm"),
        _pyod("KDE", "kde", seeded=False),
        _pyod("MCD", "mcd"),
        _pyod("LUNAR", "lunar", params={"n_jobs": 1}, torch=True),
        _pyod("DIF", "dif", params={"device": "auto"}, torch=True),
        _pyod("AutoEncoder", "auto_encoder", params={"verbose": 0, "device": "auto"}, torch=True),
        _pyod("VAE", "vae", params={"verbose": 0, "device": "auto"}, torch=True),
        _pyod("ABOD", "abod", params={"n_jobs": 1}, seeded=False),
        _pyod("KPCA", "kpca", params={"n_jobs": 1}),
        _pyod("Sampling", "sampling"),
        _pyod("QMCD", "qmcd", seeded=False),
        _pyod("FeatureBagging", "feature_bagging", params={"n_jobs": 1}, extra=("combo",),
              notes="pyod.models.feature_bagging imports the optional package 'combo'."),
        # ---------------------------------------------------------- semi-supervised
        DetectorSpec(
            name="DASAD", group="semi-supervised",
            source="ours: pyod_dasad (DASAD, doi 10.1049/cit2.70072)",
            params={"device": "auto", "verbose": 0}, requires=("pyod_dasad", "torch"),
            target="pyod_dasad:DASAD",
            factory=functools.partial(_construct, "pyod_dasad:DASAD", resolve_device=False),
            notes="Our implementation of the method under study (package defaults).",
        ),
        DetectorSpec(
            name="DASAD-Ensemble", group="semi-supervised",
            source="ours: pyod_dasad (DASADEnsemble: DASAD networks averaged)",
            params={"n_estimators": 5}, requires=("pyod_dasad", "torch"),
            target="pyod_dasad:DASADEnsemble", factory=_dasad_ensemble,
            notes=("Five DASAD networks (package defaults, random states seed + 1000 k) with their "
                   "standardised scores averaged: five times DASAD's fit and scoring time. Not in "
                   "DASAD's margins: the standings count a detector named after the focus "
                   "(DASAD-...) as its variant, not as a rival. Member parameters: --set "
                   "DASAD-Ensemble.base_estimator__NAME=VALUE."),
        ),
        DetectorSpec(
            name="AnoOnly", group="semi-supervised",
            source="ours: reimplementation of AnoOnly (arXiv 2305.18798)",
            params={"device": "auto"}, requires=("torch", "pyod"),
            target="adbench_runs.anoonly:AnoOnly",
            factory=functools.partial(_construct, "adbench_runs.anoonly:AnoOnly", resolve_device=False),
            notes=("AnoOnly applied to a DevNet scorer: the deviation loss only on labelled "
                   "anomalies, batch-norm without affine terms as the weak supervision of "
                   "the unlabelled half of every batch; needs at least one labelled anomaly."),
        ),
        _spec("XGBOD", "semi-supervised", _PYOD, "pyod.models.xgbod:XGBOD", {"n_jobs": 1},
              ("pyod", "xgboost")),
        _spec("PyOD-DevNet", "semi-supervised", _PYOD, "pyod.models.devnet:DevNet", {"device": "auto"},
              ("pyod", "torch"), seed_arg=None,
              notes=("PyOD's port, run as shipped: fit() calls deviation_loss(outputs, labels) "
                     "while the function is deviation_loss(y_true, y_pred), so labels and "
                     "scores are swapped in the loss (pyod 3.6.7, pyod/models/devnet.py); its "
                     "random_seed argument is unused, batches are plain shuffles of all data "
                     "(not DevNet's balanced sampling), and the module seeds numpy and torch "
                     "globally at import; the adapter seeds and isolates it. DeepOD-DevNet is "
                     "the authors' implementation.")),
        _deepod("RoSAS", "RoSAS"),
        _deepod("DevNet", "DevNet"),
        _deepod("PReNet", "PReNet"),
        _deepod("DeepSAD", "DeepSAD"),
        _deepod("FeaWAD", "FeaWAD", notes="Known to return NaN scores on mammography."),
        _spec("DeepOD-REPEN", "semi-supervised", _DEEPOD + " + our NumPy-2 shim",
              "adbench_runs.deepod_compat:REPEN", {"device": "auto", "verbose": 0}, ("deepod", "torch"),
              none_seed_default=True,
              notes=("DeepOD's REPEN ignores y (unsupervised LeSiNN initial scores only); its "
                     "triplet sampler fails on NumPy >= 2, so adbench_runs.deepod_compat rewrites "
                     "that one method with scalar indexing (same random draws).")),
        _spec("DeepOD-PReNet-fastpairs", "semi-supervised", _DEEPOD + " + our O(1) pair sampler",
              "adbench_runs.deepod_compat:PReNetFastPairs", {"device": "auto", "verbose": 0},
              ("deepod", "torch"), none_seed_default=True,
              notes=("DeepOD's PReNet with its pair sampler rewritten: DeepOD draws each pair with "
                     "np.random.choice(pool, 2, replace=False), which permutes the whole pool, so an "
                     "epoch costs O(n^2) (about 7 h of sampling per fit on credit-card Fraud). Same "
                     "pair distribution, O(1) per pair, different random stream; network, loss, "
                     "epochs, steps and inference are DeepOD's.")),
        # ---------------------------------------------------------- supervised (ADBench's baselines)
        _supervised("LR", "sklearn.linear_model:LogisticRegression"),
        _supervised("NB", "sklearn.naive_bayes:GaussianNB", seed_arg=None),
        _supervised("SVM", "sklearn.svm:SVC", {"probability": True},
                    notes="random_state fixes the Platt-scaling CV (ADBench leaves it unseeded)."),
        _supervised("MLP", "sklearn.neural_network:MLPClassifier"),
        _supervised("RF", "sklearn.ensemble:RandomForestClassifier", {"n_jobs": 1}),
        _supervised("LightGBM", "lightgbm:LGBMClassifier", {"n_jobs": 1, "verbose": -1},
                    ("lightgbm",), source="lightgbm"),
        _supervised("XGBoost", "xgboost:XGBClassifier", {"n_jobs": 1}, ("xgboost",), source="xgboost"),
        _supervised("CatBoost", "catboost:CatBoostClassifier",
                    {"verbose": 0, "allow_writing_files": False, "thread_count": 1},
                    ("catboost",), source="catboost"),
    ]
    registry = {}
    for spec in specs:
        if spec.name in registry:
            raise RuntimeError(f"duplicate detector name {spec.name!r}")
        registry[spec.name] = spec
    return registry


#: All detectors, by name, in leaderboard order (unsupervised, semi-, supervised).
DETECTORS: dict = _build_registry()


def user_detector(target: str) -> DetectorSpec:
    """A spec for your own detector class, named by its import path ``"package.module:Class"``.

    The class follows PyOD's API: it is built with no arguments (plus ``random_state``
    when its ``__init__`` takes one), ``fit(X, y)`` receives the semi-supervised labels
    (1 = labelled anomaly, 0 = unlabelled; an unsupervised class simply ignores ``y``) and
    ``decision_function(X)`` returns higher scores for more abnormal samples. It runs in the
    ``semi-supervised`` group under the name ``target``. The module must be importable in
    the worker processes too (installed, or on ``PYTHONPATH``).

    Raises
    ------
    ValueError
        If ``target`` is not ``"module:Class"``, cannot be imported, or the class lacks
        ``fit``/``decision_function``.
    """
    module_name, sep, attr = target.partition(":")
    if not sep or not module_name or not attr:
        raise ValueError(f"a detector given by path must read 'package.module:Class', got {target!r}")
    try:
        cls = _load(target)
    except (ImportError, AttributeError) as exc:
        raise ValueError(f"cannot import detector {target!r}: {exc}") from exc
    missing = [m for m in ("fit", "decision_function") if not callable(getattr(cls, m, None))]
    if missing:
        raise ValueError(f"detector {target!r} lacks {', '.join(missing)}; it needs PyOD's "
                         f"fit(X, y) and decision_function(X)")
    try:
        takes_seed = "random_state" in inspect.signature(cls).parameters
    except (TypeError, ValueError):
        takes_seed = False
    return _spec(target, "semi-supervised", f"user: {target}", target, {}, (module_name,),
                 seed_arg="random_state" if takes_seed else None,
                 notes="your own detector, given by import path")


def get_detector(name: str) -> DetectorSpec:
    """Return the :class:`DetectorSpec` called ``name``.

    A name of the form ``"package.module:Class"`` that is not registered gives your own
    detector class (see :func:`user_detector`).

    Raises
    ------
    ValueError
        For an unknown name; the message lists close matches.
    """
    if not isinstance(name, str):
        raise TypeError(f"detector name must be a str, got {type(name).__name__}")
    try:
        return DETECTORS[name]
    except KeyError:
        pass
    if ":" in name:
        return user_detector(name)
    lowered = {key.lower(): key for key in DETECTORS}
    if name.lower() in lowered:
        hint = [lowered[name.lower()]]
    else:
        hint = difflib.get_close_matches(name, list(DETECTORS), n=5, cutoff=0.5)
        hint += [lowered[k] for k in difflib.get_close_matches(name.lower(), list(lowered), n=5, cutoff=0.5)
                 if lowered[k] not in hint]
    suggestion = f"; did you mean {', '.join(repr(h) for h in hint)}?" if hint else ""
    raise ValueError(f"unknown detector {name!r}{suggestion} (see list_detectors() for all "
                     f"{len(DETECTORS)} names)")


def list_detectors(group: str | None = None, available_only: bool = False) -> list:
    """Names of registered detectors, in registry order.

    Parameters
    ----------
    group : {"unsupervised", "semi-supervised", "supervised"} or None, default=None
        Only this group (all groups if None).
    available_only : bool, default=False
        Only detectors whose ``requires`` modules are installed.

    Returns
    -------
    list of str
    """
    if group is not None and group not in DETECTOR_GROUPS:
        raise ValueError(f"group must be one of {DETECTOR_GROUPS} or None, got {group!r}")
    return [
        name for name, spec in DETECTORS.items()
        if (group is None or spec.group == group) and (not available_only or spec.is_available())
    ]


if __name__ == "__main__":  # pragma: no cover - convenience listing
    for _name, _spec_ in DETECTORS.items():
        _reason = _spec_.unavailable_reason()
        sys.stdout.write(f"{_name:16s} {_spec_.group:16s} {_spec_.source:45s} "
                         f"{'ok' if _reason is None else _reason}\n")
