import numpy as np
import pytest

from pyod_dasad.sampler import BalancedBatchSampler


def test_balanced_halves_and_oversampling():
    targets = np.r_[np.ones(3, dtype=int), np.zeros(97, dtype=int)]
    weights = np.ones(100)
    s = BalancedBatchSampler(targets, weights, 64, np.random.RandomState(0))
    idx = s.sample()
    assert idx.shape == (64,)
    assert np.sum(targets[idx] == 1) == 32  # 3 anomalies oversampled to half the batch
    assert set(idx[:32]) <= {0, 1, 2}


def test_zero_weight_rows_never_drawn():
    targets = np.r_[np.ones(5, dtype=int), np.zeros(50, dtype=int)]
    weights = np.ones(55)
    weights[10:30] = 0
    s = BalancedBatchSampler(targets, weights, 40, np.random.RandomState(0))
    drawn = np.concatenate([s.sample() for _ in range(50)])
    assert not np.any((drawn >= 10) & (drawn < 30))


def test_no_anomalies_gives_all_normal_batch_and_determinism():
    targets = np.zeros(30, dtype=int)
    a = BalancedBatchSampler(targets, np.ones(30), 16, np.random.RandomState(3)).sample()
    b = BalancedBatchSampler(targets, np.ones(30), 16, np.random.RandomState(3)).sample()
    assert a.shape == (16,) and np.array_equal(a, b)


def test_nothing_to_train_on():
    with pytest.raises(ValueError, match="positive weight"):
        BalancedBatchSampler(np.zeros(4, dtype=int), np.zeros(4), 4, np.random.RandomState(0))
