"""Evaluation protocols: train/test splits with partial anomaly labels.

Two protocols, reported separately by the benchmark:

* :func:`adbench_split` -- an exact replica of ``DataGenerator.generator`` of ADBench 0.1.11
  (Classical path, ``realistic_synthetic_mode=None``), including its robustness options,
  but drawing from a local ``numpy.random.RandomState`` / ``random.Random`` instead of
  the global generators. Runs use seeds :data:`ADBENCH_SEEDS` = (1, 2, 3), as ADBench.
* :func:`devnet_split` -- the DevNet (Pang et al., KDD 2019) / FEAWAD (Zhou et al., TNNLS
  2021) protocol: 80/20 stratified split, a few labelled anomalies, the other training
  anomalies removed, the unlabelled set contaminated with feature-swapped anomalies.
  Runs use seeds :data:`DEVNET_SEEDS` = 0..9 (DevNet/FEAWAD report 10 runs; their scripts
  reuse one fixed split, we draw a new split per seed).

Neither function touches the global numpy or Python RNG state.
"""
from __future__ import annotations

import logging
import math
import numbers
import random
from dataclasses import dataclass, field
from typing import Any, Dict, Optional, Tuple

import numpy as np
from sklearn.model_selection import train_test_split
from sklearn.preprocessing import MinMaxScaler

logger = logging.getLogger(__name__)

__all__ = [
    "ADBENCH_SEEDS",
    "DEVNET_SEEDS",
    "NOISE_TYPES",
    "Split",
    "adbench_split",
    "default_n_labelled",
    "devnet_split",
]

ADBENCH_SEEDS: Tuple[int, ...] = (1, 2, 3)
DEVNET_SEEDS: Tuple[int, ...] = tuple(range(10))
NOISE_TYPES: Tuple[str, ...] = (
    "duplicated_anomalies", "irrelevant_features", "label_contamination")


@dataclass(repr=False)
class Split:
    """One train/test split as a detector sees it.

    Attributes
    ----------
    X_train : numpy.ndarray of shape (n_train, n_features), float64
    y_train : numpy.ndarray of shape (n_train,), int64
        Labels given to the detector: 1 = labelled anomaly, 0 = unlabelled.
    X_test : numpy.ndarray of shape (n_test, n_features), float64
    y_test : numpy.ndarray of shape (n_test,), int64
        Ground truth of the test rows (1 = anomaly).
    y_train_true : numpy.ndarray of shape (n_train,), int64
        Ground truth of the training rows (before any label noise).
    meta : dict
        Protocol name, seed, label budget, counts, and ``train_index`` / ``test_index``:
        the row of the input X each split row comes from (-1 for synthetic rows).
    """

    X_train: np.ndarray
    y_train: np.ndarray
    X_test: np.ndarray
    y_test: np.ndarray
    y_train_true: np.ndarray
    meta: Dict[str, Any] = field(default_factory=dict)

    @property
    def n_labelled(self) -> int:
        """Number of labelled anomalies in the training set."""
        return int(self.y_train.sum())

    def __repr__(self) -> str:
        return (f"Split(protocol={self.meta.get('protocol')!r}, seed={self.meta.get('seed')}, "
                f"n_train={len(self.y_train)}, n_test={len(self.y_test)}, "
                f"n_labelled={self.n_labelled}, n_features={self.X_train.shape[1]})")


# --------------------------------------------------------------------------- helpers
def _check_xy(X, y) -> Tuple[np.ndarray, np.ndarray]:
    X = np.asarray(X, dtype=np.float64)
    if X.ndim != 2:
        raise ValueError(f"X must be 2-D (n_samples, n_features); got shape {X.shape}.")
    y = np.asarray(y).ravel()
    if y.shape[0] != X.shape[0]:
        raise ValueError(f"X has {X.shape[0]} rows but y has {y.shape[0]} labels.")
    if not np.isin(y, (0, 1)).all():
        raise ValueError("y must contain only 0 (normal) and 1 (anomaly).")
    y = y.astype(np.int64)
    if y.sum() == 0 or y.sum() == len(y):
        raise ValueError(f"y must contain both classes; got {int(y.sum())} anomalies "
                         f"in {len(y)} rows.")
    if not np.isfinite(X).all():
        raise ValueError("X contains NaN or infinite values.")
    return X, y


def _check_seed(seed) -> int:
    if isinstance(seed, bool) or not isinstance(seed, numbers.Integral):
        raise TypeError(f"seed must be an integer (Python or numpy); got {type(seed).__name__}.")
    seed = int(seed)
    if not 0 <= seed < 2 ** 32:
        raise ValueError(f"seed must be in [0, 2**32); got {seed}.")
    return seed


def _label_budget(la) -> Tuple[str, float]:
    """Classify ``la`` as a ratio (any real non-integral type) or a count (integral type)."""
    if isinstance(la, bool) or not isinstance(la, numbers.Real):
        raise TypeError(f"la must be a float ratio in [0, 1] or an int count; "
                        f"got {type(la).__name__}.")
    if isinstance(la, numbers.Integral):
        if la < 0:
            raise ValueError(f"la as a count must be >= 0; got {la}.")
        return "count", int(la)
    la = float(la)
    if not 0.0 <= la <= 1.0:
        raise ValueError(f"la as a ratio must be in [0, 1]; got {la}. Pass an int for a count.")
    return "ratio", la


def _minmax(X_train: np.ndarray, X_test: np.ndarray) -> Tuple[np.ndarray, np.ndarray]:
    scaler = MinMaxScaler().fit(X_train)
    return scaler.transform(X_train), scaler.transform(X_test)


# --------------------------------------------------------------------------- ADBench
def adbench_split(X, y, seed, la, *, noise_type: Optional[str] = None, noise_ratio: float = 0.0,
                  duplicate_times: int = 2, max_size: int = 10000, min_size: int = 1000,
                  test_size: float = 0.3, at_least_one_labelled: bool = True,
                  minmax: bool = True) -> Split:
    """ADBench 0.1.11's split (``DataGenerator.generator``), replicated without global RNG.

    The steps and random draws are ADBench's, in its order, from a local
    ``numpy.random.RandomState(seed)`` (re-created wherever ADBench calls ``set_seed``) and,
    for the shuffle of duplicated anomalies, a local ``random.Random(seed)``:

    1. fewer than ``min_size`` rows: draw ``min_size`` rows with replacement;
    2. more than ``max_size`` rows: draw ``max_size`` rows without replacement;
    3. ``irrelevant_features``: add uniform noise columns, then permute the columns;
    4. stratified ``train_test_split(test_size=0.3)``;
    5. ``duplicated_anomalies``: resample the anomalies of train, then of test, with
       replacement ``duplicate_times`` times; ``label_contamination``: flip the labels of
       ``int(noise_ratio * n_train)`` training rows;
    6. MinMax scaling fitted on train;
    7. label ``ceil(la * n_train_anomalies)`` (ratio) or ``la`` (count) training anomalies
       drawn without replacement; all other training rows get label 0.

    Parameters
    ----------
    X : array-like of shape (n_samples, n_features)
    y : array-like of shape (n_samples,)
        Ground truth, 1 = anomaly.
    seed : int
        Python or numpy integer; ADBench uses 1, 2, 3.
    la : float or int
        Label budget. Decided by the value's *type*: a real non-integral type (``float``,
        ``numpy.float64``) is a ratio of the training anomalies; an integral type (``int``,
        ``numpy.int64``) is a count. So ``1.0`` labels all anomalies and ``1`` labels one.
        (ADBench tests ``type(la) == float`` / ``int`` exactly and rejects numpy scalars.)
    noise_type : {None, 'duplicated_anomalies', 'irrelevant_features', 'label_contamination'}
        ADBench's robustness settings.
    noise_ratio : float, default=0.0
        For ``irrelevant_features``: noise columns are ``int(r / (1 - r) * n_features)``, so
        that they make up a fraction ``r`` of the columns; for ``label_contamination``: the
        fraction of training labels flipped (0 <-> 1). ADBench sweeps 0, .01, .05, .1, .25,
        .5 (its own default is 0.05; here 0.0 = no noise).
    duplicate_times : int, default=2
        For ``duplicated_anomalies``: each set's anomalies are replaced by
        ``int(n_anomalies * duplicate_times)`` draws with replacement (ADBench sweeps 1-6;
        1 or less = no change). ``noise_ratio`` must stay 0 for this noise type.
    max_size, min_size : int, default=10000, 1000
        ADBench's subsampling cap and duplication threshold.
    test_size : float, default=0.3
    at_least_one_labelled : bool, default=True
        Ratio budgets use ``ceil`` (True, as ADBench's ``RunPipeline``) or ``int``.
    minmax : bool, default=True
        MinMax-scale with a scaler fitted on the training rows.

    Returns
    -------
    Split
        ``meta`` holds ``protocol='adbench'``, ``seed``, ``la``, ``la_kind``,
        ``n_labelled``, ``n_used`` (rows after duplication/subsampling), ``duplicated``,
        ``subsampled``, noise settings, ``train_index``/``test_index`` (row of the input X;
        duplicated datasets repeat rows, so the same input row can appear in train and
        test, as in ADBench) and ``feature_index`` (input column of each output column,
        -1 for irrelevant-noise columns).

    Raises
    ------
    ValueError
        Bad ``la``, a count larger than the training anomalies, unknown ``noise_type``.

    Examples
    --------
    >>> from adbench_runs.datasets import load_dataset
    >>> ds = load_dataset("6_cardio")
    >>> split = adbench_split(ds.X, ds.y, seed=1, la=0.1)
    >>> split.n_labelled, len(split.y_test)
    (13, 550)
    """
    X, y = _check_xy(X, y)
    seed = _check_seed(seed)
    la_kind, la_value = _label_budget(la)
    if noise_type is not None and noise_type not in NOISE_TYPES:
        raise ValueError(f"noise_type must be None or one of {NOISE_TYPES}; got {noise_type!r}.")
    if not 0.0 <= noise_ratio < 1.0:
        raise ValueError(f"noise_ratio must be in [0, 1); got {noise_ratio}.")
    if noise_type == "duplicated_anomalies" and noise_ratio != 0.0:
        raise ValueError("duplicated_anomalies is controlled by duplicate_times (ADBench sweeps "
                         f"1-6), not noise_ratio; got noise_ratio={noise_ratio}.")
    if not 0.0 < test_size < 1.0:
        raise ValueError(f"test_size must be in (0, 1); got {test_size}.")

    rng = np.random.RandomState(seed)      # ADBench: set_seed(seed) at the start
    py_rng = random.Random(seed)
    y_true = y.copy()
    rows = np.arange(len(y))
    features = np.arange(X.shape[1])
    duplicated = subsampled = False

    if len(y) < min_size:
        rng, py_rng = np.random.RandomState(seed), random.Random(seed)   # set_seed again
        idx = rng.choice(np.arange(len(y)), min_size, replace=True)
        X, y, y_true, rows = X[idx], y[idx], y_true[idx], rows[idx]
        duplicated = True
    if len(y) > max_size:
        rng, py_rng = np.random.RandomState(seed), random.Random(seed)   # set_seed again
        idx = rng.choice(np.arange(len(y)), max_size, replace=False)
        X, y, y_true, rows = X[idx], y[idx], y_true[idx], rows[idx]
        subsampled = True

    if noise_type == "irrelevant_features":
        X, features = _add_irrelevant_features(X, features, noise_ratio, rng)

    (X_train, X_test, y_train, y_test, yt_train, yt_test,
     idx_train, idx_test) = train_test_split(
        X, y, y_true, rows, test_size=test_size, shuffle=True, stratify=y, random_state=rng)

    if noise_type == "duplicated_anomalies":
        X_train, y_train, yt_train, idx_train = _duplicate_anomalies(
            X_train, y_train, yt_train, idx_train, duplicate_times, rng, py_rng)
        X_test, y_test, yt_test, idx_test = _duplicate_anomalies(
            X_test, y_test, yt_test, idx_test, duplicate_times, rng, py_rng)
    elif noise_type == "label_contamination" and noise_ratio != 0.0:
        flips = rng.choice(np.arange(len(y_train)), int(len(y_train) * noise_ratio), replace=False)
        y_train = y_train.copy()
        y_train[flips] = 1 - y_train[flips]

    if minmax:
        X_train, X_test = _minmax(X_train, X_test)

    idx_anomaly = np.where(y_train == 1)[0]
    if la_kind == "ratio":
        if at_least_one_labelled:
            k = math.ceil(la_value * len(idx_anomaly))
        else:
            k = int(la_value * len(idx_anomaly))
    else:
        k = int(la_value)
        if k > len(idx_anomaly):
            raise ValueError(f"la={k} labelled anomalies requested but the training set has "
                             f"only {len(idx_anomaly)} anomalies.")
    labelled = rng.choice(idx_anomaly, k, replace=False)
    y_seen = np.zeros(len(y_train), dtype=np.int64)
    y_seen[labelled] = 1

    meta = {
        "protocol": "adbench", "seed": seed, "la": la_value, "la_kind": la_kind,
        "n_labelled": int(k), "n_used": int(len(y)), "duplicated": duplicated,
        "subsampled": subsampled, "test_size": test_size, "noise_type": noise_type,
        "noise_ratio": noise_ratio, "duplicate_times": duplicate_times,
        "at_least_one_labelled": at_least_one_labelled, "minmax": minmax,
        "train_index": np.asarray(idx_train, dtype=np.int64),
        "test_index": np.asarray(idx_test, dtype=np.int64),
        "feature_index": features,
    }
    return Split(X_train=np.asarray(X_train, dtype=np.float64), y_train=y_seen,
                 X_test=np.asarray(X_test, dtype=np.float64),
                 y_test=np.asarray(y_test, dtype=np.int64),
                 y_train_true=np.asarray(yt_train, dtype=np.int64), meta=meta)


def _add_irrelevant_features(X: np.ndarray, features: np.ndarray, noise_ratio: float,
                             rng: np.random.RandomState) -> Tuple[np.ndarray, np.ndarray]:
    """ADBench's ``add_irrelevant_features``: uniform columns in the range of random columns."""
    if noise_ratio == 0.0:
        return X, features
    n_noise = int(noise_ratio / (1 - noise_ratio) * X.shape[1])
    if n_noise <= 0:
        return X, features
    noise = []
    for _ in range(n_noise):
        col = rng.choice(np.arange(X.shape[1]), 1)
        low, high = np.min(X[:, col]), np.max(X[:, col])
        noise.append(rng.uniform(low, high, size=(X.shape[0], 1)))
    X = np.concatenate((X, np.hstack(noise)), axis=1)
    features = np.concatenate((features, np.full(n_noise, -1, dtype=features.dtype)))
    order = rng.choice(np.arange(X.shape[1]), X.shape[1], replace=False)
    return X[:, order], features[order]


def _duplicate_anomalies(X, y, y_true, rows, duplicate_times, rng, py_rng):
    """ADBench's ``add_duplicated_anomalies`` on one side of the split."""
    if duplicate_times <= 1:
        return X, y, y_true, rows
    idx_n = np.where(y == 0)[0]
    idx_a = np.where(y == 1)[0]
    idx_a = rng.choice(idx_a, int(len(idx_a) * duplicate_times))
    idx = np.append(idx_n, idx_a)
    py_rng.shuffle(idx)
    return X[idx], y[idx], y_true[idx], rows[idx]


# --------------------------------------------------------------------------- DevNet
def default_n_labelled(dataset_name: str) -> int:
    """Labelled anomalies of the DevNet/FEAWAD protocol: 15 for Arrhythmia, else 30."""
    return 15 if "arrhythmia" in str(dataset_name).lower() else 30


def devnet_split(X, y, seed, *, n_labelled: int = 30, contamination: float = 0.02,
                 swap_ratio: float = 0.05, test_size: float = 0.2,
                 noise_source: str = "labelled", minmax: bool = True) -> Split:
    """The DevNet/FEAWAD protocol on the full dataset (no size cap).

    1. Stratified split, ``test_size=0.2``.
    2. Keep ``n_labelled`` training anomalies drawn at random, labelled 1; remove the other
       training anomalies (all are kept if there are fewer).
    3. Add ``int(n_normal_train * c / (1 - c))`` synthetic anomalies, labelled 0, so that
       they make up the fraction ``c = contamination`` of the unlabelled set. Each copies a
       seed anomaly ``o1`` and replaces ``int(swap_ratio * n_features)`` randomly chosen
       features with those of another seed anomaly ``o2`` (DevNet's ``inject_noise``; with
       fewer than 20 features at 5 % no feature is swapped and the copies are exact, as in
       DevNet). They are appended after the real training rows, as in DevNet.
    4. MinMax scaling fitted on the final training rows (DevNet/FEAWAD scaled the whole
       file beforehand; fitting on train avoids test leakage).

    Parameters
    ----------
    X : array-like of shape (n_samples, n_features)
    y : array-like of shape (n_samples,)
    seed : int
        Runs use seeds 0..9 (:data:`DEVNET_SEEDS`).
    n_labelled : int, default=30
        Use :func:`default_n_labelled` (15 for Arrhythmia).
    contamination : float, default=0.02
        Fraction of synthetic anomalies in the unlabelled training set, in [0, 1)
        (DevNet sweeps 0-20 %, FEAWAD 0-8 %; 0 = clean unlabelled set).
    swap_ratio : float, default=0.05
    test_size : float, default=0.2
    noise_source : {'labelled', 'train', 'all'}, default='labelled'
        Pool of seed anomalies for the synthetic ones: the labelled training anomalies
        (a practitioner only knows these); all training anomalies, including the removed
        ones; or all anomalies of the dataset -- what DevNet's and FEAWAD's scripts do
        (``inject_noise(outliers, ...)`` with ``outliers = x[labels == 1]``), which lets test
        anomalies leak into training.
    minmax : bool, default=True

    Returns
    -------
    Split
        ``y_train_true`` marks synthetic anomalies as 1; ``meta['train_index']`` is -1 for
        them; ``meta['n_noise']`` counts them.
    """
    X, y = _check_xy(X, y)
    seed = _check_seed(seed)
    if (isinstance(n_labelled, bool) or not isinstance(n_labelled, numbers.Integral)
            or n_labelled < 0):
        raise ValueError(f"n_labelled must be a non-negative int; got {n_labelled!r}.")
    if not 0.0 <= contamination < 1.0:
        raise ValueError(f"contamination must be in [0, 1); got {contamination}.")
    if not 0.0 <= swap_ratio <= 1.0:
        raise ValueError(f"swap_ratio must be in [0, 1]; got {swap_ratio}.")
    if not 0.0 < test_size < 1.0:
        raise ValueError(f"test_size must be in (0, 1); got {test_size}.")
    if noise_source not in ("labelled", "train", "all"):
        raise ValueError(f"noise_source must be 'labelled', 'train' or 'all'; "
                         f"got {noise_source!r}.")

    rng = np.random.RandomState(seed)
    rows = np.arange(len(y))
    X_train, X_test, y_train, y_test, idx_train, idx_test = train_test_split(
        X, y, rows, test_size=test_size, shuffle=True, stratify=y, random_state=rng)

    anomalies = np.where(y_train == 1)[0]
    n_normal = int((y_train == 0).sum())
    if len(anomalies) > n_labelled:
        removed = rng.choice(anomalies, len(anomalies) - n_labelled, replace=False)
    else:
        removed = np.array([], dtype=np.int64)
        if len(anomalies) < n_labelled:
            logger.warning("Only %d training anomalies; all are labelled (n_labelled=%d).",
                           len(anomalies), n_labelled)
    keep = np.setdiff1d(np.arange(len(y_train)), removed)
    n_noise = int(n_normal * contamination / (1.0 - contamination))

    if noise_source == "labelled":
        pool = X_train[np.intersect1d(anomalies, keep)]
    elif noise_source == "train":
        pool = X_train[anomalies]
    else:
        pool = X[y == 1]
    n_swap = int(swap_ratio * X.shape[1])
    if n_noise > 0 and len(pool) < 2:
        raise ValueError(f"Contamination needs at least 2 seed anomalies in the "
                         f"{noise_source!r} pool; found {len(pool)}.")
    noise = np.empty((n_noise, X.shape[1]), dtype=np.float64)
    for i in range(n_noise):
        first, second = rng.choice(len(pool), 2, replace=False)
        swap = rng.choice(X.shape[1], n_swap, replace=False)
        noise[i] = pool[first]
        noise[i, swap] = pool[second, swap]

    X_tr = np.concatenate((X_train[keep], noise), axis=0)
    y_true_tr = np.concatenate((y_train[keep], np.ones(n_noise, dtype=np.int64)))
    y_seen = np.concatenate((y_train[keep], np.zeros(n_noise, dtype=np.int64)))
    idx_tr = np.concatenate((idx_train[keep], np.full(n_noise, -1, dtype=np.int64)))
    X_te = X_test
    if minmax:
        X_tr, X_te = _minmax(X_tr, X_te)

    meta = {
        "protocol": "devnet", "seed": seed, "n_labelled": int(y_seen.sum()),
        "n_labelled_requested": int(n_labelled), "contamination": contamination,
        "n_noise": n_noise, "swap_ratio": swap_ratio, "n_swap_features": n_swap,
        "noise_source": noise_source, "n_removed_anomalies": int(len(removed)),
        "test_size": test_size, "minmax": minmax,
        "train_index": idx_tr, "test_index": np.asarray(idx_test, dtype=np.int64),
    }
    return Split(X_train=np.asarray(X_tr, dtype=np.float64), y_train=y_seen,
                 X_test=np.asarray(X_te, dtype=np.float64),
                 y_test=np.asarray(y_test, dtype=np.int64), y_train_true=y_true_tr, meta=meta)
