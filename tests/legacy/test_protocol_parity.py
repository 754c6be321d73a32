"""Our ADBench protocol (adbench_runs.protocols.adbench_split) against ADBench 0.1.11's own
``DataGenerator.generator``, array for array.

Runs inside ADBench's legacy environment only (``.ci/adbench_env.sh``). RunPipeline always
calls the generator with ``at_least_one_labeled=True``; so do we here.
"""
import os
from pathlib import Path

import numpy as np
import pytest

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")  # before adbench imports tensorflow
pytest.importorskip("adbench", reason="needs ADBench's legacy environment (.ci/adbench_env.sh)")
protocols = pytest.importorskip("adbench_runs.protocols", reason="adbench_runs.protocols not written yet")

from adbench.datasets.data_generator import DataGenerator  # noqa: E402

REPO = Path(__file__).resolve().parents[2]
SEEDS = (1, 2, 3)
LAS = (0.01, 0.05, 0.1, 5)  # ratios (float) and a count (int)
NOISES = (
    ("irrelevant_features", 0.05),
    ("irrelevant_features", 0.25),
    ("label_contamination", 0.1),
)


def _load(name):
    env = os.environ.get("PYOD_DASAD_DATA")
    data_dir = Path(env) if env else REPO.parent / "shared" / "datasets"
    path = data_dir / "adbench" / ("%s.npz" % name)
    if not path.is_file():
        pytest.skip("dataset %s not found (set PYOD_DASAD_DATA to the shared datasets folder)" % path)
    data = np.load(path, allow_pickle=False)
    return data["X"], data["y"]


def _assert_same(ours, theirs, label_noise=False):
    for name in ("X_train", "y_train", "X_test", "y_test"):
        np.testing.assert_array_equal(getattr(ours, name), theirs[name], err_msg=name)
    y_true = np.asarray(ours.y_train_true)
    assert y_true.shape == ours.y_train.shape
    if not label_noise:
        # ground truth before hiding labels: every labelled anomaly is a true anomaly
        # (with label_contamination ADBench flips labels first, so flipped normals get labelled)
        assert np.all(y_true[np.asarray(ours.y_train) == 1] == 1)


@pytest.mark.parametrize("la", LAS)
@pytest.mark.parametrize("seed", SEEDS)
def test_cardio_split_matches_adbench(seed, la):
    X, y = _load("6_cardio")
    theirs = DataGenerator(seed=seed, dataset="6_cardio").generator(la=la, at_least_one_labeled=True)
    ours = protocols.adbench_split(X, y, seed, la)
    _assert_same(ours, theirs)
    n_labelled = int(np.sum(ours.y_train))
    if isinstance(la, int):
        assert n_labelled == la
    else:
        n_anomalies = int(np.sum(ours.y_train_true))
        assert n_labelled == max(1, int(np.ceil(la * n_anomalies)))


@pytest.mark.parametrize("noise_type,noise_ratio", NOISES)
@pytest.mark.parametrize("seed", SEEDS)
def test_cardio_robustness_noise_matches_adbench(seed, noise_type, noise_ratio):
    X, y = _load("6_cardio")
    theirs = DataGenerator(seed=seed, dataset="6_cardio").generator(
        la=1.0, at_least_one_labeled=True, noise_type=noise_type, noise_ratio=noise_ratio)
    ours = protocols.adbench_split(X, y, seed, 1.0, noise_type=noise_type, noise_ratio=noise_ratio)
    _assert_same(ours, theirs, label_noise=noise_type == "label_contamination")


@pytest.mark.parametrize("duplicate_times", (2, 3))
@pytest.mark.parametrize("seed", SEEDS)
def test_cardio_duplicated_anomalies_match_adbench(seed, duplicate_times):
    X, y = _load("6_cardio")
    theirs = DataGenerator(seed=seed, dataset="6_cardio").generator(
        la=1.0, at_least_one_labeled=True, noise_type="duplicated_anomalies", duplicate_times=duplicate_times)
    ours = protocols.adbench_split(X, y, seed, 1.0, noise_type="duplicated_anomalies",
                                   duplicate_times=duplicate_times)
    _assert_same(ours, theirs)


@pytest.mark.parametrize(
    "name",
    ["4_breastw",        # 683 rows: ADBench duplicates up to 1,000 before the split
     "22_magic.gamma"],  # 19,020 rows: ADBench subsamples to 10,000
)
@pytest.mark.parametrize("seed", (1, 3))
def test_small_and_large_datasets_match_adbench(name, seed):
    X, y = _load(name)
    # dataset=None + X/y is ADBench's "customized dataset" path: the same generator code.
    theirs = DataGenerator(seed=seed).generator(X=X.copy(), y=y.copy(), la=0.05, at_least_one_labeled=True)
    ours = protocols.adbench_split(X, y, seed, 0.05)
    _assert_same(ours, theirs)
    assert len(ours.y_train) + len(ours.y_test) == (1000 if len(y) < 1000 else min(len(y), 10000))
