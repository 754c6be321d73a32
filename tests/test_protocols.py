"""Tests of adbench_runs.protocols: ADBench replica (with inline parity check) and DevNet split."""
from __future__ import annotations

import random
from math import ceil
from pathlib import Path

import numpy as np
import pytest
from sklearn.model_selection import train_test_split
from sklearn.preprocessing import MinMaxScaler

from adbench_runs import datasets as dsm
from adbench_runs.protocols import (
    ADBENCH_SEEDS,
    DEVNET_SEEDS,
    Split,
    adbench_split,
    default_n_labelled,
    devnet_split,
)

FIXTURES = Path(dsm.__file__).resolve().parent / "data"


def _raw(name):
    """The embedded real ADBench file with its original dtypes (as ADBench reads it)."""
    with np.load(FIXTURES / (name + ".npz"), allow_pickle=False) as data:
        return data["X"], data["y"]


@pytest.fixture
def restore_global_rng():
    np_state, py_state = np.random.get_state(), random.getstate()
    yield
    np.random.set_state(np_state)
    random.setstate(py_state)


# --------------------------------------------------------------------------- reference
def _adbench_reference(X, y, seed, la, noise_type=None, noise_ratio=0.05, duplicate_times=2,
                       n_samples_threshold=1000, max_size=10000, test_size=0.3):
    """ADBench 0.1.11 ``DataGenerator.generator`` (Classical data passed as X, y;
    ``at_least_one_labeled=True`` as RunPipeline calls it; ``realistic_synthetic_mode=None``),
    written out with ADBench's global ``np.random`` / ``random`` calls in ADBench's order.
    Only ``n_samples_threshold`` and ``max_size`` (hard-coded 10000 in ADBench) are
    parameters here, so that small real files can exercise the subsampling branch.
    ``random.seed`` gets ``int(seed)``: Python 3.11 rejects numpy integers, and on 3.10
    ``random.seed(numpy.int64(s))`` seeds with ``hash(s) == s`` for 0 <= s < 2**61."""
    def set_seed(s):
        np.random.seed(s)
        random.seed(int(s))

    set_seed(seed)
    if type(la) not in (float, int):
        raise NotImplementedError
    if len(y) < n_samples_threshold:
        set_seed(seed)
        idx_duplicate = np.random.choice(np.arange(len(y)), n_samples_threshold, replace=True)
        X, y = X[idx_duplicate], y[idx_duplicate]
    if len(y) > max_size:
        set_seed(seed)
        idx_sample = np.random.choice(np.arange(len(y)), max_size, replace=False)
        X, y = X[idx_sample], y[idx_sample]

    if noise_type == "irrelevant_features" and noise_ratio != 0.0:
        noise_dim = int(noise_ratio / (1 - noise_ratio) * X.shape[1])
        if noise_dim > 0:
            X_noise = []
            for _ in range(noise_dim):
                idx = np.random.choice(np.arange(X.shape[1]), 1)
                X_min, X_max = np.min(X[:, idx]), np.max(X[:, idx])
                X_noise.append(np.random.uniform(X_min, X_max, size=(X.shape[0], 1)))
            X = np.concatenate((X, np.hstack(X_noise)), axis=1)
            idx = np.random.choice(np.arange(X.shape[1]), X.shape[1], replace=False)
            X = X[:, idx]

    X_train, X_test, y_train, y_test = train_test_split(X, y, test_size=test_size,
                                                        shuffle=True, stratify=y)

    def add_duplicated_anomalies(X, y):
        if duplicate_times <= 1:
            return X, y
        idx_n = np.where(y == 0)[0]
        idx_a = np.where(y == 1)[0]
        idx_a = np.random.choice(idx_a, int(len(idx_a) * duplicate_times))
        idx = np.append(idx_n, idx_a)
        random.shuffle(idx)
        return X[idx], y[idx]

    if noise_type == "duplicated_anomalies":
        X_train, y_train = add_duplicated_anomalies(X_train, y_train)
        X_test, y_test = add_duplicated_anomalies(X_test, y_test)
    elif noise_type == "label_contamination" and noise_ratio != 0.0:
        idx_flips = np.random.choice(np.arange(len(y_train)), int(len(y_train) * noise_ratio),
                                     replace=False)
        y_train[idx_flips] = 1 - y_train[idx_flips]

    scaler = MinMaxScaler().fit(X_train)
    X_train, X_test = scaler.transform(X_train), scaler.transform(X_test)

    idx_normal = np.where(y_train == 0)[0]
    idx_anomaly = np.where(y_train == 1)[0]
    if type(la) == float:
        idx_labeled = np.random.choice(idx_anomaly, ceil(la * len(idx_anomaly)), replace=False)
    else:
        if la > len(idx_anomaly):
            raise AssertionError("too many labelled anomalies")
        idx_labeled = np.random.choice(idx_anomaly, la, replace=False)
    idx_unlabeled = np.append(idx_normal, np.setdiff1d(idx_anomaly, idx_labeled))
    y_train[idx_unlabeled] = 0
    y_train[idx_labeled] = 1
    return X_train, y_train, X_test, y_test


def _assert_same(split: Split, ref) -> None:
    X_train, y_train, X_test, y_test = ref
    np.testing.assert_array_equal(split.X_train, X_train)
    np.testing.assert_array_equal(split.y_train, y_train)
    np.testing.assert_array_equal(split.X_test, X_test)
    np.testing.assert_array_equal(split.y_test, y_test)


# --------------------------------------------------------------------------- parity
@pytest.mark.parametrize("name", ["14_glass", "4_breastw", "6_cardio", "43_WDBC"])
@pytest.mark.parametrize("seed", ADBENCH_SEEDS)
@pytest.mark.parametrize("la", [0.0, 0.01, 0.1, 0.5, 1.0, 1, 5])
def test_parity_with_adbench_sequence(restore_global_rng, name, seed, la):
    X, y = _raw(name)
    ref = _adbench_reference(X.copy(), y.copy(), np.int64(seed), la)
    split = adbench_split(X, y, seed=np.int64(seed), la=la)
    _assert_same(split, ref)


@pytest.mark.parametrize("name", ["14_glass", "6_cardio"])
@pytest.mark.parametrize("seed", ADBENCH_SEEDS)
@pytest.mark.parametrize("noise_type,param", [
    ("irrelevant_features", 0.01), ("irrelevant_features", 0.1),
    ("irrelevant_features", 0.5), ("duplicated_anomalies", 1),
    ("duplicated_anomalies", 2), ("duplicated_anomalies", 5),
    ("label_contamination", 0.0), ("label_contamination", 0.05),
    ("label_contamination", 0.25),
])
@pytest.mark.parametrize("la", [1.0, 0.1])
def test_parity_with_adbench_noise(restore_global_rng, name, seed, noise_type, param, la):
    X, y = _raw(name)
    if noise_type == "duplicated_anomalies":
        ref = _adbench_reference(X.copy(), y.copy(), seed, la, noise_type, duplicate_times=param)
        split = adbench_split(X, y, seed, la, noise_type=noise_type, duplicate_times=param)
    else:
        ref = _adbench_reference(X.copy(), y.copy(), seed, la, noise_type, noise_ratio=param)
        split = adbench_split(X, y, seed, la, noise_type=noise_type, noise_ratio=param)
    _assert_same(split, ref)


@pytest.mark.parametrize("seed", ADBENCH_SEEDS)
def test_parity_with_subsampling(restore_global_rng, seed):
    X, y = _raw("6_cardio")
    ref = _adbench_reference(X.copy(), y.copy(), seed, 0.05, max_size=1200)
    split = adbench_split(X, y, seed, 0.05, max_size=1200)
    _assert_same(split, ref)
    assert split.meta["subsampled"] and len(split.y_train) + len(split.y_test) == 1200


def test_parity_on_real_large_dataset(restore_global_rng, shared_data_dir):
    with np.load(shared_data_dir / "adbench" / "23_mammography.npz", allow_pickle=False) as d:
        X, y = d["X"], d["y"]
    ref = _adbench_reference(X.copy(), y.copy(), 2, 0.1)
    split = adbench_split(X, y, 2, 0.1)
    _assert_same(split, ref)
    assert split.meta["subsampled"] and split.meta["n_used"] == 10000


# --------------------------------------------------------------------------- properties
@pytest.fixture(scope="module")
def cardio():
    ds = dsm.load_dataset("6_cardio")
    return ds.X, ds.y


def test_global_rng_untouched(cardio):
    X, y = cardio
    np.random.seed(12345)
    random.seed(12345)
    before_np, before_py = np.random.get_state(), random.getstate()
    adbench_split(X, y, 1, 0.1, noise_type="duplicated_anomalies", duplicate_times=3)
    adbench_split(X, y, 2, 5, noise_type="irrelevant_features", noise_ratio=0.25)
    adbench_split(X, y, 3, 0.5, noise_type="label_contamination", noise_ratio=0.1)
    devnet_split(X, y, 0)
    after_np, after_py = np.random.get_state(), random.getstate()
    assert before_py == after_py
    for a, b in zip(before_np, after_np):
        np.testing.assert_array_equal(a, b)


def test_adbench_deterministic_and_seed_dependent(cardio):
    X, y = cardio
    a, b = adbench_split(X, y, 1, 0.1), adbench_split(X, y, 1, 0.1)
    for attr in ("X_train", "y_train", "X_test", "y_test", "y_train_true"):
        np.testing.assert_array_equal(getattr(a, attr), getattr(b, attr))
    c = adbench_split(X, y, 2, 0.1)
    assert not np.array_equal(a.meta["test_index"], c.meta["test_index"])


def test_adbench_stratified_disjoint_and_complete(cardio):
    X, y = cardio
    split = adbench_split(X, y, 3, 0.1)
    tr, te = split.meta["train_index"], split.meta["test_index"]
    assert len(np.intersect1d(tr, te)) == 0
    np.testing.assert_array_equal(np.sort(np.concatenate([tr, te])), np.arange(len(y)))
    np.testing.assert_array_equal(split.y_test, y[te])
    np.testing.assert_array_equal(split.y_train_true, y[tr])
    assert len(te) == ceil(0.3 * len(y))
    assert abs(split.y_test.sum() - 0.3 * y.sum()) <= 1
    assert not split.meta["duplicated"] and not split.meta["subsampled"]


def test_adbench_test_rows_are_scaled_input_rows(cardio):
    X, y = cardio
    split = adbench_split(X, y, 1, 0.1, minmax=False)
    np.testing.assert_array_equal(split.X_test, X[split.meta["test_index"]])
    np.testing.assert_array_equal(split.X_train, X[split.meta["train_index"]])


@pytest.mark.parametrize("la,expected", [(0.0, 0), (0.001, 1), (0.01, 2), (0.1, 13),
                                         (0.5, 62), (1.0, 123), (1, 1), (7, 7)])
def test_adbench_label_budget(cardio, la, expected):
    X, y = cardio
    split = adbench_split(X, y, 1, la)
    n_train_anomalies = int(split.y_train_true.sum())
    assert n_train_anomalies == 123
    if isinstance(la, float):
        assert expected == ceil(la * n_train_anomalies)
    assert split.n_labelled == split.meta["n_labelled"] == expected
    # labelled rows are true anomalies; unlabelled anomalies stay in train as 0
    assert (split.y_train_true[split.y_train == 1] == 1).all()
    assert ((split.y_train == 0) & (split.y_train_true == 1)).sum() == 123 - expected


def test_adbench_label_budget_types(cardio):
    X, y = cardio
    base = adbench_split(X, y, 1, 0.1)
    np.testing.assert_array_equal(adbench_split(X, y, 1, np.float64(0.1)).y_train, base.y_train)
    np.testing.assert_array_equal(adbench_split(X, y, 1, np.float32(0.25)).X_train,
                                  base.X_train)
    assert adbench_split(X, y, 1, np.int64(5)).n_labelled == 5
    assert adbench_split(X, y, 1, 1).n_labelled == 1           # int: a count
    assert adbench_split(X, y, 1, 1.0).n_labelled == 123       # float: a ratio
    assert adbench_split(X, y, 1, 0.1, at_least_one_labelled=False).n_labelled == 12
    with pytest.raises(TypeError, match="la must be"):
        adbench_split(X, y, 1, True)
    with pytest.raises(TypeError, match="la must be"):
        adbench_split(X, y, 1, "0.1")
    with pytest.raises(ValueError, match="ratio must be in"):
        adbench_split(X, y, 1, 1.5)
    with pytest.raises(ValueError, match="only 123 anomalies"):
        adbench_split(X, y, 1, 500)
    with pytest.raises(TypeError, match="seed must be an integer"):
        adbench_split(X, y, 1.0, 0.1)
    with pytest.raises(ValueError, match="noise_type"):
        adbench_split(X, y, 1, 0.1, noise_type="gaussian")
    with pytest.raises(ValueError, match="duplicate_times"):
        adbench_split(X, y, 1, 0.1, noise_type="duplicated_anomalies", noise_ratio=0.1)


def test_adbench_minmax_on_train(cardio):
    X, y = cardio
    split = adbench_split(X, y, 2, 0.05)
    np.testing.assert_allclose(split.X_train.min(axis=0), 0.0, atol=1e-12)
    np.testing.assert_allclose(split.X_train.max(axis=0), 1.0, atol=1e-12)
    # test rows use the train scaler, so they may leave [0, 1] but keep the train's scale
    raw = adbench_split(X, y, 2, 0.05, minmax=False)
    lo, hi = raw.X_train.min(axis=0), raw.X_train.max(axis=0)
    np.testing.assert_allclose(split.X_test, (raw.X_test - lo) / (hi - lo), atol=1e-12)


def test_adbench_duplicates_small_datasets():
    X, y = _raw("14_glass")
    split = adbench_split(X, y, 1, 0.1)
    assert split.meta["duplicated"] and split.meta["n_used"] == 1000
    assert len(split.y_train) + len(split.y_test) == 1000
    assert len(split.y_test) == 300
    # duplication repeats input rows (ADBench's behaviour), so train and test share rows
    assert len(np.intersect1d(split.meta["train_index"], split.meta["test_index"])) > 0
    np.testing.assert_array_equal(split.y_test, y[split.meta["test_index"]])


def test_adbench_size_cap(cardio):
    X, y = cardio
    split = adbench_split(X, y, 1, 0.1, max_size=1000, min_size=100)
    assert split.meta["subsampled"] and not split.meta["duplicated"]
    assert len(split.y_train) + len(split.y_test) == 1000
    rows = np.concatenate([split.meta["train_index"], split.meta["test_index"]])
    assert len(np.unique(rows)) == 1000    # without replacement


def test_adbench_noise_bookkeeping(cardio):
    X, y = cardio
    irr = adbench_split(X, y, 1, 0.1, noise_type="irrelevant_features", noise_ratio=0.25)
    fi = irr.meta["feature_index"]
    assert irr.X_train.shape[1] == 21 + int(0.25 / 0.75 * 21) == len(fi)
    np.testing.assert_array_equal(np.sort(fi[fi >= 0]), np.arange(21))
    dup = adbench_split(X, y, 1, 1.0, noise_type="duplicated_anomalies", duplicate_times=3)
    assert dup.y_test.sum() == 3 * 53 and dup.y_train_true.sum() == 3 * 123
    flip = adbench_split(X, y, 1, 1.0, noise_type="label_contamination", noise_ratio=0.1)
    observed = flip.y_train          # la=1.0: every (flipped) positive is labelled
    assert (observed != flip.y_train_true).sum() == int(0.1 * len(observed))


# --------------------------------------------------------------------------- DevNet
def test_default_n_labelled():
    assert default_n_labelled("arrhythmia") == 15
    assert default_n_labelled("Arrhythmia") == 15
    assert default_n_labelled("cardio") == 30
    assert DEVNET_SEEDS == tuple(range(10))


def test_devnet_split_structure(cardio):
    X, y = cardio
    split = devnet_split(X, y, 0)
    meta = split.meta
    real = meta["train_index"] >= 0
    n_normal_train = int((split.y_train_true[real] == 0).sum())
    # 80/20 stratified split of the full data
    assert len(split.y_test) == ceil(0.2 * len(y))
    assert abs(split.y_test.sum() - 0.2 * y.sum()) <= 1
    assert n_normal_train + (y[meta["test_index"]] == 0).sum() == (y == 0).sum()
    # 30 labelled anomalies, the other training anomalies removed
    assert split.n_labelled == 30 == meta["n_labelled"]
    assert (split.y_train_true[real] == 1).sum() == 30
    assert ((split.y_train == 1) == (real & (split.y_train_true == 1))).all()
    assert meta["n_removed_anomalies"] == 141 - 30
    # contamination of the unlabelled set
    unlabelled = split.y_train == 0
    assert meta["n_noise"] == int(n_normal_train * 0.02 / 0.98) == (~real).sum()
    assert (split.y_train_true[~real] == 1).all()
    rate = split.y_train_true[unlabelled].mean()
    assert rate <= 0.02 and rate > 0.02 - 1.0 / unlabelled.sum()
    # no leakage: real train rows and test rows are distinct input rows
    assert len(np.intersect1d(meta["train_index"][real], meta["test_index"])) == 0
    np.testing.assert_array_equal(split.y_test, y[meta["test_index"]])
    np.testing.assert_allclose(split.X_train.min(axis=0), 0.0, atol=1e-12)
    np.testing.assert_allclose(split.X_train.max(axis=0), 1.0, atol=1e-12)


@pytest.mark.parametrize("contamination", [0.0, 0.01, 0.02, 0.04, 0.06, 0.08])
def test_devnet_contamination_sweep(cardio, contamination):
    X, y = cardio
    split = devnet_split(X, y, 3, contamination=contamination)
    unlabelled = split.y_train == 0
    rate = split.y_train_true[unlabelled].mean()
    assert rate <= contamination + 1e-12
    assert rate > contamination - 1.0 / unlabelled.sum()
    if contamination == 0.0:
        assert split.meta["n_noise"] == 0 and rate == 0.0


def test_devnet_noise_rows_swap_features(cardio):
    X, y = cardio
    split = devnet_split(X, y, 5, contamination=0.05, minmax=False, swap_ratio=0.2)
    n_swap = split.meta["n_swap_features"]
    assert n_swap == int(0.2 * 21) == 4
    real = split.meta["train_index"] >= 0
    pool = split.X_train[real & (split.y_train == 1)]
    for row in split.X_train[~real]:
        same = (pool == row).sum(axis=1)
        # a copy of one labelled anomaly except for at most n_swap features ...
        assert same.max() >= 21 - n_swap
        # ... whose other features come from a second labelled anomaly
        differing = np.flatnonzero(pool[same.argmax()] != row)
        assert any(np.array_equal(p[differing], row[differing]) for p in pool)


def test_devnet_noise_source_options(cardio):
    X, y = cardio
    train = devnet_split(X, y, 1, noise_source="train", minmax=False)
    everything = devnet_split(X, y, 1, noise_source="all", minmax=False)
    assert train.meta["n_noise"] == everything.meta["n_noise"] > 0
    with pytest.raises(ValueError, match="noise_source"):
        devnet_split(X, y, 1, noise_source="test")


def test_devnet_deterministic_and_rng_safe(cardio):
    X, y = cardio
    a, b = devnet_split(X, y, 7), devnet_split(X, y, 7)
    for attr in ("X_train", "y_train", "X_test", "y_test", "y_train_true"):
        np.testing.assert_array_equal(getattr(a, attr), getattr(b, attr))
    c = devnet_split(X, y, 8)
    assert not np.array_equal(a.meta["test_index"], c.meta["test_index"])


def test_devnet_few_anomalies_keeps_all(caplog):
    X, y = _raw("43_WDBC")          # 10 anomalies: 8 in train
    split = devnet_split(X, y, 0, n_labelled=30, contamination=0.02)
    assert split.n_labelled == 8
    assert "all are labelled" in caplog.text
    with pytest.raises(ValueError, match="at least 2 seed anomalies"):
        devnet_split(X, y, 0, n_labelled=1, contamination=0.05)
    with pytest.raises(ValueError, match="contamination"):
        devnet_split(X, y, 0, contamination=1.0)


def test_devnet_arrhythmia(shared_data_dir):
    ds = dsm.load_dataset("arrhythmia", data_dir=shared_data_dir)
    split = devnet_split(ds.X, ds.y, 0, n_labelled=default_n_labelled(ds.name))
    assert split.n_labelled == 15
    assert split.meta["n_swap_features"] == int(0.05 * 274) == 13
    assert len(split.y_test) == ceil(0.2 * 452)


def test_input_validation():
    X, y = _raw("14_glass")
    with pytest.raises(ValueError, match="both classes"):
        adbench_split(X, np.zeros_like(y), 1, 0.1)
    with pytest.raises(ValueError, match="only 0"):
        devnet_split(X, y * 2, 0)
    with pytest.raises(ValueError, match="rows but y has"):
        adbench_split(X[:-1], y, 1, 0.1)
    bad = X.astype(float)
    bad[0, 0] = np.nan
    with pytest.raises(ValueError, match="NaN"):
        devnet_split(bad, y, 0)
