import numpy as np
import pytest

from pyod_dasad.sampler import PERMUTE_MAX, BalancedBatchSampler, choice_without_replacement


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


def test_small_pools_draw_exactly_as_random_state_choice():
    pool = np.arange(5, 5 + PERMUTE_MAX)
    a = choice_without_replacement(np.random.RandomState(7), pool, 128)
    b = np.random.RandomState(7).choice(pool, 128, replace=False)
    assert np.array_equal(a, b)


def test_large_pools_draw_distinct_rows_fast_and_repeatably():
    pool = np.arange(3, 3 + 4 * PERMUTE_MAX, 2)
    a = choice_without_replacement(np.random.RandomState(1), pool, 4096)
    assert a.shape == (4096,) and np.unique(a).size == 4096 and np.isin(a, pool).all()
    assert np.array_equal(a, choice_without_replacement(np.random.RandomState(1), pool, 4096))
    with pytest.raises(ValueError, match="distinct"):
        choice_without_replacement(np.random.RandomState(1), pool[:3], 4)


def test_a_large_share_of_a_large_pool_is_drawn_by_permutation():
    """More than a sixteenth of a pool above PERMUTE_MAX (the pseudo-label sample): the same
    draw as ``RandomState.choice``; a smaller share keeps the rejection path."""
    pool = np.arange(2 * PERMUTE_MAX)
    a = choice_without_replacement(np.random.RandomState(3), pool, PERMUTE_MAX // 4)
    assert np.array_equal(a, np.random.RandomState(3).choice(pool, PERMUTE_MAX // 4, replace=False))
    b = choice_without_replacement(np.random.RandomState(3), pool, 128)
    assert not np.array_equal(b, np.random.RandomState(3).choice(pool, 128, replace=False))
    assert np.unique(b).size == 128


def test_rejection_sampling_is_uniform(monkeypatch):
    # force the large-pool path on a pool of 6 (k = 4 of 6: many repeats to redraw), then
    # compare every ordered draw's frequency with the uniform 1 / (6 * 5 * 4 * 3)
    from scipy.stats import chisquare
    import pyod_dasad.sampler as sampler
    monkeypatch.setattr(sampler, "PERMUTE_MAX", 0)
    monkeypatch.setattr(sampler, "REJECTION_MAX_SHARE", 1.0)
    rs = np.random.RandomState(0)
    draws = np.array([sampler.choice_without_replacement(rs, np.arange(6), 4) for _ in range(18000)])
    assert all(np.unique(d).size == 4 for d in draws[:1000])
    _, counts = np.unique(draws, axis=0, return_counts=True)
    assert counts.size == 360  # every ordered 4-tuple of distinct rows occurs
    assert chisquare(counts).pvalue > 1e-3
    assert chisquare(np.bincount(draws[:, 0], minlength=6)).pvalue > 1e-3
